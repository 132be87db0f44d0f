"""What volunteering holds about a person, for their right of access (我的数据)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "volunteering.volunteer": "volunteer",
    "volunteering.account": "points_accounts",
    "volunteering.rewardorder": "reward_orders",
    "volunteering.honour": "honours",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import Account, Honour, RewardOrder, Volunteer

    volunteer = Section("volunteer", _("志愿者登记"), False)
    v = Volunteer.objects.filter(person=person).select_related("guardian").first()
    if v is not None:
        volunteer.records.append(
            [
                Item("status", _("状态"), v.get_status_display()),
                Item("skills", _("技能"), "、".join(v.skills or [])),
                Item("availability", _("可服务时间"), v.availability),
                Item("teams", _("所在队伍"), "、".join(t.name for t in v.teams.all())),
                Item("is_child", _("小小志愿者"), v.is_child),
                Item("guardian", _("监护人"), v.guardian.name if v.guardian else ""),
                Item("reviewed_at", _("审核时间"), v.reviewed_at),
                Item("review_note", _("审核意见"), v.review_note),
            ]
        )
    accounts = Section("points_accounts", _("积分与时间银行账户"), True)
    for a in Account.objects.filter(person=person).order_by("id"):
        accounts.records.append(
            [
                Item("kind", _("账户"), a.get_kind_display()),
                Item("unit", _("单位"), a.get_unit_display()),
                Item("balance", _("余额"), a.balance),
            ]
        )
    orders = Section("reward_orders", _("兑换记录"), True)
    for o in (
        RewardOrder.objects.filter(person=person)
        .select_related("reward")
        .order_by("created_at", "id")
    ):
        orders.records.append(
            [
                Item("reward", _("兑换物品"), str(o.reward)),
                Item("points", _("积分"), o.points),
                Item("status", _("状态"), o.get_status_display()),
                Item("created_at", _("兑换时间"), o.created_at),
            ]
        )
    honours = Section("honours", _("荣誉"), True)
    for h in Honour.objects.filter(person=person).order_by("created_at", "id"):
        honours.records.append(
            [
                Item("kind", _("荣誉"), h.get_kind_display()),
                Item("period", _("期间"), h.period),
                Item("citation", _("事迹"), h.citation),
            ]
        )
    return [volunteer, accounts, orders, honours]
