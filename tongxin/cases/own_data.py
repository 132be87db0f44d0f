"""What the cases app holds about a person, for their right of access (我的数据)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "cases.case": "my_cases",
    "cases.routingdecision": "case_assignments",
    "cases.dutyshift": "duty_shifts",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import Case, DutyShift, RoutingDecision

    reported = Section("my_cases", _("我反映的问题"), True)
    for case in (
        Case.objects.filter(Q(reporter_person=person) | Q(reporter_user=user))
        .select_related("category")
        .order_by("created_at", "id")
    ):
        reported.records.append(
            [
                Item("ref", _("编号"), case.ref),
                Item("category", _("分类"), case.category.name),
                Item("created_at", _("反映时间"), case.created_at),
                Item("description", _("问题描述"), case.description),
                Item("address", _("地址"), case.address),
                Item("state", _("状态"), case.get_state_display()),
                Item("result", _("处置结果"), case.result),
                Item("feedback", _("我的评价"), case.get_feedback_display()),
            ]
        )
    routed = Section("case_assignments", _("分派给我的诉求"), True)
    for decision in (
        RoutingDecision.objects.filter(person=person).select_related("case").order_by("at", "id")
    ):
        routed.records.append(
            [
                Item("case", _("诉求编号"), decision.case.ref),
                Item("at", _("分派时间"), decision.at),
                Item("reason", _("分派理由"), decision.reason),
            ]
        )
    shifts = Section("duty_shifts", _("值班安排"), True)
    for shift in (
        DutyShift.objects.filter(person=person).select_related("place").order_by("starts_at", "id")
    ):
        shifts.records.append(
            [
                Item("place", _("值班范围"), shift.place.name),
                Item("starts_at", _("开始"), shift.starts_at),
                Item("ends_at", _("结束"), shift.ends_at),
                Item("phone", _("值班电话"), shift.phone),
            ]
        )
    return [reported, routed, shifts]
