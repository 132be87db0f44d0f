"""What the property module holds about a person, for their right of access (我的数据): the
contracts they manage as project manager, their terms on an estate's panel, the inspections
they submitted and the repairs they rated."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "property.servicecontract": "property",
    "property.panelmember": "property",
    "property.inspection": "property",
    "property.repairrating": "property",
    "property.surveyanswer": "property",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import Inspection, PanelMember, RepairRating, ServiceContract, SurveyAnswer

    section = Section("property", _("物业服务评价"), True)
    for c in ServiceContract.objects.filter(project_manager=person).select_related("estate"):
        section.records.append(
            [Item("contract", _("物业项目经理"), f"{c.estate.name} {c.starts_on}–{c.ends_on}")]
        )
    for m in PanelMember.objects.filter(person=person).select_related("estate"):
        section.records.append(
            [Item("panel", _("评议小组成员"), f"{m.estate.name} {m.term_start}–{m.term_end}")]
        )
    for i in Inspection.objects.filter(panelist=person).select_related("contract__estate"):
        section.records.append(
            [Item("inspection", _("月度检查"), f"{i.contract.estate.name} {i.month}")]
        )
    for r in RepairRating.objects.filter(rated_by=person):
        section.records.append(
            [
                Item("rating", _("维修评价"), f"{r.month} {r.overall}/{r.arrival}/{r.service}"),
            ]
        )
    answers = SurveyAnswer.objects.filter(answered_by=person) | SurveyAnswer.objects.filter(
        household_id=person.household_id or 0
    )
    for a in answers.select_related("sample__contract__estate").order_by("id"):
        section.records.append(
            [
                Item(
                    "survey",
                    _("满意度调查"),
                    f"{a.sample.contract.estate.name} {a.sample.month:%Y-%m} "
                    + (str(a.get_level_display()) if a.level else _("未答")),
                ),
            ]
        )
    return [section]
