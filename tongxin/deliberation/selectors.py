"""Reads of votes and topics, scoped: a vote is seen by its electors and the managers of its
place (``Vote.objects.visible_to``); the public result lists units and areas, never names."""

from __future__ import annotations

from typing import Any

from tongxin.core.actors import Actor
from tongxin.core.scoping import access

from . import counting, policies
from .models import Ballot, Candidate, Election, Elector, ElectorMember, Topic, Vote, VoteState
from .services.votes import totals_of


def votes_for(user: Actor | None) -> Any:
    return Vote.objects.visible_to(user).select_related("place")


def vote_for(user: Actor | None, vote_id: Any) -> Vote:
    return access(votes_for(user), vote_id)


def stored_totals(vote: Vote) -> counting.Totals:
    r = vote.result or {}
    return counting.Totals(
        eligible_heads=r["eligible_heads"],
        eligible_area=counting.hundredths(r["eligible_area"]),
        participating_heads=r["participating_heads"],
        participating_area=counting.hundredths(r["participating_area"]),
        yes_heads=r["yes_heads"],
        yes_area=counting.hundredths(r["yes_area"]),
        no_heads=r["no_heads"],
        no_area=counting.hundredths(r["no_area"]),
    )


def result_of(vote: Vote) -> dict[str, Any]:
    """The result: stored when the vote closed, counted live from the ballots while it runs
    (the meter). The reason is worded in the reader's language either way."""
    if vote.state == VoteState.CLOSED and vote.result:
        return counting.result_body(vote.rule, stored_totals(vote), final=True)
    return counting.result_body(vote.rule, totals_of(vote), final=False)


def my_status(user: Actor | None, vote: Vote) -> dict[str, Any]:
    """Whether the caller is an elector, for which units, and whether those have voted."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return {"elector": False, "units": [], "pending": 0}
    mine = list(
        Elector.objects.filter(vote=vote, members__person_id=person_id).values_list(
            "label", "voted"
        )
    )
    return {
        "elector": bool(mine),
        "units": [label for label, _v in mine],
        "pending": sum(1 for _l, v in mine if not v),
    }


def public_units(vote: Vote) -> list[dict[str, Any]]:
    """The public list: each head's units and areas, whether it voted and — for a named (not
    secret) vote only — its choice. Never a name."""
    choices: dict[int, str] = {}
    if not vote.secret:
        choices = dict(
            Ballot.objects.filter(vote=vote, elector__isnull=False).values_list(
                "elector_id", "choice"
            )
        )
    out = []
    for e in Elector.objects.filter(vote=vote).order_by("label", "id"):
        out.append(
            {
                "id": e.pk,
                "units": e.units,
                "area": counting.area_text(e.area),
                "voted": e.voted,
                "choice": choices.get(e.pk) if not vote.secret else None,
            }
        )
    return out


def is_elector(user: Actor | None, vote: Vote) -> bool:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    return ElectorMember.objects.filter(vote=vote, person_id=person_id).exists()


def may_manage(user: Actor | None, vote: Vote) -> bool:
    return policies.manages_path(user, vote.place_path)


def may_manage_path(user: Actor | None, path: str) -> bool:
    return policies.manages_path(user, path)


def topics_for(user: Actor | None) -> Any:
    return Topic.objects.visible_to(user).select_related("place")


def topic_for(user: Actor | None, topic_id: Any) -> Topic:
    return access(topics_for(user), topic_id)


def merge_targets(user: Actor | None, topic: Topic) -> list[Topic]:
    """The topics a duplicate may be merged into: the others not yet drafted for a vote, at
    the community of the topic, that the user manages."""
    from .services.topics import MERGEABLE_INTO

    community = topic.place_path[:8]
    return [
        t
        for t in topics_for(user)
        .filter(place_path__startswith=community, state__in=MERGEABLE_INTO)
        .exclude(pk=topic.pk)
        .order_by("-id")[:50]
        if policies.manages_path(user, t.place_path)
    ]


def elections_for(user: Actor | None) -> Any:
    return Election.objects.visible_to(user).select_related("place")


def election_for(user: Actor | None, election_id: Any) -> Election:
    return access(elections_for(user), election_id)


def candidates_of(user: Actor | None, election: Election) -> list[Candidate]:
    """The candidates as the caller may see them: a manager every nomination with its checks;
    anyone else the eligible ones, once published."""
    qs = Candidate.objects.visible_to(user).filter(election=election).select_related("person")
    if not policies.manages_path(user, election.place_path):
        if election.state == "nominating":
            return []
        qs = qs.filter(state__in=("eligible", "elected", "not_elected"))
    return list(qs.order_by("id"))


def candidate_for(user: Actor | None, election: Election, candidate_id: Any) -> Candidate:
    return access(Candidate.objects.visible_to(user).filter(election=election), candidate_id)


def has_nominated(election: Any, person_id: int) -> bool:
    """Whether this person has put themselves forward in the election (their own row)."""
    return Candidate.objects.filter(election=election, person_id=person_id).exists()


def electors_of(vote: Any) -> Any:
    """The vote's frozen electorate, for its manager's paper-ballot pages (the view has
    checked that the viewer manages the vote)."""
    return Elector.objects.filter(vote=vote).order_by("label", "id")


# ---------------------------------------------------------------------------- 微会议


def micro_meetings_for(user: Actor | None) -> Any:
    """The online meetings (微会议) the caller may see, the latest first."""
    from tongxin.meetings.models import Meeting

    return (
        Meeting.objects.visible_to(user)
        .filter(kind__online=True)
        .select_related("kind", "organisation")
        .order_by("-starts_at", "-id")
    )


def micro_meeting_for(user: Actor | None, meeting_id: Any) -> Any:
    """One meeting the caller may see (online or not: the page sends others to theirs)."""
    from tongxin.meetings.models import Meeting

    return access(
        Meeting.objects.visible_to(user).select_related("kind", "organisation"), meeting_id
    )


def micro_room(meeting: Any, person_id: int | None) -> dict[str, Any]:
    """What the room shows: who is in (names: the attendees see each other, as in a room),
    whether the caller is, the caller's waiting hand, the meeting's votes."""
    from tongxin.meetings.models import Attendance

    from .models import SpeakingRequest, SpeakingState

    present = list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("person")
        .order_by("signed_at", "id")
        .values_list("person_id", "person__name")
    )
    return {
        "present": [name for _pid, name in present],
        "joined": any(pid == person_id for pid, _n in present),
        "hand": bool(
            person_id
            and SpeakingRequest.objects.filter(
                meeting_id=meeting.pk, person_id=person_id, state=SpeakingState.WAITING
            ).exists()
        ),
        "votes": list(Vote.objects.filter(meeting_id=meeting.pk).order_by("-opens_at", "-id")),
    }
