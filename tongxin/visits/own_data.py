"""What visits hold about a person, for their right of access (我的数据): their visit schedule
and the visits owed to them, the visits made to them (when, how, what was noted — not who of the
staff came: processing records show roles, not names), their 天天敲门 pair; and, for those who
help, how many visits and knocks they made and were asked to make."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "visits.careschedule": "visit_schedule",
    "visits.visittask": "visits_owed",
    "visits.visitrecord": "visits_made",
    "visits.pair": "visit_pair",
    "visits.pairhelper": "visit_helping",
    "visits.knock": "visit_helping",
    "visits.knockalert": "visit_helping",
    "visits.visitescalation": "visit_helping",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import (
        CHECKLIST_ITEMS,
        CareSchedule,
        Knock,
        KnockAlert,
        Level,
        Pair,
        PairHelper,
        VisitEscalation,
        VisitRecord,
        VisitTask,
    )

    schedule = Section("visit_schedule", _("走访计划"), False)
    s = CareSchedule.objects.filter(person=person).first()
    if s is not None:
        schedule.records.append(
            [
                Item("risk_tier", _("风险等级"), s.get_risk_tier_display()),
                Item("last_contact_at", _("最近联系"), s.last_contact_at),
            ]
        )
    owed = Section("visits_owed", _("应对我的走访"), True)
    for t in VisitTask.objects.filter(person=person).select_related("rule").order_by("due_by"):
        owed.records.append(
            [
                Item("rule", _("规则"), t.rule.name),
                Item("due_by", _("应访时限"), t.due_by),
                Item("state", _("状态"), t.get_state_display()),
            ]
        )
    levels = dict(Level.choices)
    made = Section("visits_made", _("对我的走访记录"), True)
    for r in VisitRecord.objects.filter(person=person).order_by("visited_at"):
        checks = "；".join(
            f"{CHECKLIST_ITEMS[k]}：{levels.get(v, v)}"
            for k, v in (r.checklist or {}).items()
            if k in CHECKLIST_ITEMS
        )
        made.records.append(
            [
                Item("visited_at", _("走访时间"), r.visited_at),
                Item("method", _("方式"), r.get_method_display()),
                Item("checklist", _("情况"), checks),
                Item("notes", _("记录"), r.notes),
            ]
        )
    pair = Section("visit_pair", _("天天敲门结对"), True)
    for p in Pair.objects.filter(person=person).prefetch_related("helpers"):
        pair.records.append(
            [
                Item(
                    "helpers",
                    _("帮扶人"),
                    "、".join(str(h.get_kind_display()) for h in p.helpers.all()),
                ),
                Item("knock_by", _("每日敲门时限"), p.knock_by),
            ]
        )
    helping = Section("visit_helping", _("我参与的走访与敲门"), False)
    helping.records.append(
        [
            Item("pairs", _("结对帮扶"), PairHelper.objects.filter(person=person).count()),
            Item("knocks", _("敲门记录"), Knock.objects.filter(helper=person).count()),
            Item("alerts", _("敲门未应答提醒"), KnockAlert.objects.filter(person=person).count()),
            Item("visits", _("走访记录"), VisitRecord.objects.filter(visitor=person).count()),
            Item(
                "tasks",
                _("走访任务"),
                VisitTask.objects.filter(assignee=person).count(),
            ),
            Item(
                "escalations",
                _("走访超期提醒"),
                VisitEscalation.objects.filter(person=person).count(),
            ),
        ]
    )
    return [schedule, owed, made, pair, helping]
