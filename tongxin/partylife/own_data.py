"""What party life holds about a person, for their right of access (我的数据): the meetings
they presented or recorded, their study, their self-appraisal and grade, how many mutual
appraisal ballots named them (never who cast them or how), their scorecards."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "partylife.liferecord": "party_life",
    "partylife.studyread": "party_life",
    "partylife.selfappraisal": "party_life",
    "partylife.mutualvote": "party_life",
    "partylife.appraisalresult": "party_life",
    "partylife.partycard": "party_life",
    "partylife.centrelink": "party_life",
    "partylife.nomination": "party_life",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import (
        AppraisalResult,
        CentreLink,
        LifeRecord,
        MutualVote,
        Nomination,
        PartyCard,
        SelfAppraisal,
        StudyRead,
    )

    section = Section("party_life", _("组织生活与党员评议"), True)
    for r in LifeRecord.objects.filter(Q(presenter=person) | Q(recorder=person)).select_related(
        "meeting"
    ):
        role = _("主持人/主讲人") if r.presenter_id == person.pk else _("记录人")
        section.records.append([Item("meeting", role, f"{r.meeting.title} {r.topic}")])
    for s in StudyRead.objects.filter(person=person).select_related("material"):
        section.records.append(
            [
                Item("material", _("学习材料"), s.material.title),
                Item("seconds", _("学习时长（秒）"), s.seconds),
            ]
        )
    for a in SelfAppraisal.objects.filter(person=person).select_related("appraisal"):
        section.records.append([Item("self", _("自我评价"), a.text)])
    for g in AppraisalResult.objects.filter(person=person).select_related("appraisal"):
        section.records.append(
            [Item("grade", _("评议等次"), f"{g.appraisal.year} {g.get_grade_display()}")]
        )
    ballots = MutualVote.objects.filter(subject=person).count()
    if ballots:
        section.records.append([Item("ballots", _("互评票"), ballots)])
    for link in CentreLink.objects.filter(person=person).select_related("centre"):
        section.records.append(
            [Item("centre", _("党员中心户联系"), f"{link.centre} {link.since}–{link.until or ''}")]
        )
    for c in PartyCard.objects.filter(person=person):
        section.records.append([Item("card", _("党建成绩单"), f"{c.year} {c.total} · {c.stars}★")])
    for n in Nomination.objects.filter(person=person).select_related("nomination_list"):
        nl = n.nomination_list
        section.records.append(
            [
                Item(
                    "nomination",
                    _("评先评优推荐"),
                    f"{nl.year} {n.get_title_display()} · {nl.get_state_display()}",
                )
            ]
        )
    return [section]
