"""What service matching holds about a person, for their right of access (我的数据)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "matching.need": "needs",
    "matching.resource": "resources",
    "matching.wish": "wishes",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import Need, Resource, Wish

    needs = Section("needs", _("需求与服务"), True)
    for n in Need.objects.filter(Q(person=person) | Q(claimed_by_person=person)).order_by(
        "created_at", "id"
    ):
        needs.records.append(
            [
                Item("role", _("身份"), _("需求人") if n.person_id == person.pk else _("认领人")),
                Item("kind", _("类别"), n.get_kind_display()),
                Item("description", _("需求内容"), n.description),
                Item("state", _("状态"), n.get_state_display()),
                Item("rating", _("评分"), n.rating or ""),
                Item("created_at", _("提交时间"), n.created_at),
            ]
        )
    resources = Section("resources", _("登记的服务资源"), True)
    for r in Resource.objects.filter(person=person).order_by("id"):
        resources.records.append(
            [
                Item("kind", _("类型"), r.get_kind_display()),
                Item("skills", _("技能"), "、".join(r.skills or [])),
                Item("hours_per_month", _("每月可服务小时"), r.hours_per_month),
            ]
        )
    wishes = Section("wishes", _("微心愿"), True)
    for w in (
        Wish.objects.filter(Q(person=person) | Q(claimed_by_person=person))
        .select_related("campaign")
        .order_by("created_at", "id")
    ):
        wishes.records.append(
            [
                Item("role", _("身份"), _("心愿人") if w.person_id == person.pk else _("认领人")),
                Item("campaign", _("活动"), w.campaign.title),
                Item("text", _("心愿"), w.text),
                Item("state", _("状态"), w.get_state_display()),
            ]
        )
    return [needs, resources, wishes]
