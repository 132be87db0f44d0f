"""What deliberation holds about a person, for their right of access (我的数据): the dwellings
the property register says they own (with the floor area and share), the votes they are an
elector of (whether they voted — how is stored nowhere with them), the topics they support,
their candidacies and their requests to speak at online meetings."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "people.dwellingowner": "owned_dwellings",
    "deliberation.electormember": "votes",
    "deliberation.topicsupport": "topic_support",
    "deliberation.candidate": "candidacies",
    "deliberation.speakingrequest": "speaking",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from tongxin.people.models import DwellingOwner

    from .models import Candidate, ElectorMember, SpeakingRequest, TopicSupport

    owned = Section("owned_dwellings", _("房屋产权"), True)
    for o in DwellingOwner.objects.filter(person=person).select_related("deed__dwelling"):
        owned.records.append(
            [
                Item("dwelling", _("房屋"), o.deed.dwelling.full_name()),
                Item("floor_area", _("专有部分面积(㎡)"), o.deed.floor_area),
                Item("share", _("产权份额"), o.share),
            ]
        )
    votes = Section(
        "votes",
        _("表决"),
        True,
        note=_("只记录是否已投票；您的选择不与您关联保存，凭回执码可以核验。"),
    )
    for m in ElectorMember.objects.filter(person=person).select_related("vote", "elector"):
        votes.records.append(
            [
                Item("vote", _("表决事项"), m.vote.title),
                Item("units", _("房号/户"), m.elector.label),
                Item("voted", _("已投票"), m.elector.voted),
            ]
        )
    support = Section("topic_support", _("附议的议题"), True)
    for s in TopicSupport.objects.filter(person=person).select_related("topic"):
        support.records.append([Item("topic", _("议题"), s.topic.title)])
    candidacies = Section("candidacies", _("业委会候选"), True)
    for c in Candidate.objects.filter(person=person).select_related("election"):
        candidacies.records.append(
            [
                Item("election", _("选举"), c.election.title),
                Item("state", _("状态"), c.get_state_display()),
                Item(
                    "checks",
                    _("资格审查"),
                    "；".join(
                        f"{code}: {'×' if v.get('failed') else '✓'} {v.get('note', '')}".strip()
                        for code, v in (c.checks or {}).items()
                    ),
                ),
            ]
        )
    speaking = Section("speaking", _("发言申请"), True)
    for r in SpeakingRequest.objects.filter(person=person):
        speaking.records.append(
            [
                Item("meeting", _("会议"), r.meeting_id),
                Item("topic", _("发言要点"), r.topic),
                Item("state", _("状态"), r.get_state_display()),
            ]
        )
    return [owned, votes, support, candidacies, speaking]
