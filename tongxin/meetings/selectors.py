"""Reads of the meeting mechanism: kinds, attendance, quorum, held meetings, missed periods,
action items. Other modules use ``meetings_held`` and ``unit_attendance`` (the alliance's
六个一 and scorecards), ``missed_periods`` (party life's cadence), ``open_items_of`` (worklists).

The cross-module reads here are unscoped on purpose: their callers decide who may see the
numbers; lists for a user go through ``Meeting.objects.visible_to``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from tongxin.core import clock, config_cache
from tongxin.core.actors import Actor, person_of
from tongxin.core.scoping import paths_q
from tongxin.orgs.models import Post

from . import quorum as quorum_rules
from . import schedules
from .models import (
    HELD_STATES,
    ActionItem,
    ActionState,
    Attendance,
    Invitation,
    InviteeKind,
    Meeting,
    MeetingKind,
    Schedule,
)
from .policies import officer_paths

KINDS_ENTRY = "meetings.kinds"


def load_kinds() -> dict[str, MeetingKind]:
    return {k.code: k for k in MeetingKind.objects.all()}


def kinds() -> dict[str, MeetingKind]:
    """Every meeting kind by code (active or not), from the configuration cache."""
    value: dict[str, MeetingKind] = config_cache.get(KINDS_ENTRY)
    return value


def active_kinds() -> list[MeetingKind]:
    return [k for k in kinds().values() if k.is_active]


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of start, local midnight after end)."""
    return clock.start_of_day(start), clock.start_of_day(end + dt.timedelta(days=1))


# ------------------------------------------------------------------------ for other modules


def meetings_held(
    organisation_ids: Iterable[int], start: dt.date, end: dt.date, kind: str | None = None
) -> list[Meeting]:
    """The meetings convened by these organisations that took place (held, minuted or closed)
    on a local day in [start, end], optionally of one kind code, oldest first."""
    lo, hi = _day_bounds(start, end)
    qs = Meeting.objects.filter(
        organisation_id__in=list(organisation_ids),
        state__in=HELD_STATES,
        starts_at__gte=lo,
        starts_at__lt=hi,
    )
    if kind is not None:
        qs = qs.filter(kind__code=kind)
    return list(qs.select_related("kind", "organisation").order_by("starts_at", "id"))


@dataclass(frozen=True)
class UnitAttendance:
    """A unit's seats at the held meetings of a period: each meeting it was invited to is in
    exactly one of present / excused (an apology, nobody came) / unexcused."""

    unit_id: int
    invited_meeting_ids: tuple[int, ...] = ()
    present_meeting_ids: tuple[int, ...] = ()
    excused_meeting_ids: tuple[int, ...] = ()
    unexcused_meeting_ids: tuple[int, ...] = ()

    @property
    def invited(self) -> int:
        return len(self.invited_meeting_ids)

    @property
    def present(self) -> int:
        return len(self.present_meeting_ids)

    @property
    def excused(self) -> int:
        return len(self.excused_meeting_ids)

    @property
    def unexcused(self) -> int:
        return len(self.unexcused_meeting_ids)


def unit_attendance(
    unit_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, UnitAttendance]:
    """Per invited unit (an ``orgs.Organisation`` id): its seats at the meetings held on a
    local day in [start, end]. Every id asked for is in the answer (zeros when not invited).
    Two queries."""
    ids = sorted(set(unit_ids))
    lo, hi = _day_bounds(start, end)
    rows = (
        Invitation.objects.filter(
            kind=InviteeKind.UNIT,
            organisation_id__in=ids,
            meeting__state__in=HELD_STATES,
            meeting__starts_at__gte=lo,
            meeting__starts_at__lt=hi,
        )
        .annotate(came=Count("attendances"))
        .values_list("organisation_id", "meeting_id", "came", "apology__id")
        .order_by("meeting__starts_at", "meeting_id")
    )
    acc: dict[int, dict[str, list[int]]] = {
        uid: {"invited": [], "present": [], "excused": [], "unexcused": []} for uid in ids
    }
    for uid, mid, came, apology_id in rows:
        bucket = acc[uid]
        bucket["invited"].append(mid)
        if came:
            bucket["present"].append(mid)
        elif apology_id is not None:
            bucket["excused"].append(mid)
        else:
            bucket["unexcused"].append(mid)
    return {
        uid: UnitAttendance(
            unit_id=uid,
            invited_meeting_ids=tuple(b["invited"]),
            present_meeting_ids=tuple(b["present"]),
            excused_meeting_ids=tuple(b["excused"]),
            unexcused_meeting_ids=tuple(b["unexcused"]),
        )
        for uid, b in acc.items()
    }


# ------------------------------------------------------------------------ one meeting


@dataclass
class Seat:
    """One invitation with what became of it."""

    invitation: Invitation
    label: str
    signed_in: list[Attendance] = field(default_factory=list)
    apology_reason: str | None = None

    @property
    def status(self) -> str:
        if self.signed_in:
            return "present"
        if self.apology_reason is not None:
            return "excused"
        return "absent"


def seats(meeting: Meeting) -> list[Seat]:
    """The meeting's seats, in invitation order, with sign-ins and apologies. Three queries."""
    invitations = list(
        Invitation.objects.filter(meeting=meeting)
        .select_related("person", "post__person", "organisation", "apology")
        .order_by("id")
    )
    by_inv: dict[int, list[Attendance]] = {}
    for a in (
        Attendance.objects.filter(meeting=meeting).select_related("person").order_by("signed_at")
    ):
        by_inv.setdefault(a.invitation_id, []).append(a)
    out = []
    for inv in invitations:
        if inv.kind == InviteeKind.PERSON:
            label = str(inv.person)
        elif inv.kind == InviteeKind.POST and inv.post is not None:
            label = f"{inv.post.get_role_display()} {inv.post.person}"
        else:
            label = str(inv.organisation)
        apology = getattr(inv, "apology", None)
        out.append(
            Seat(
                invitation=inv,
                label=label,
                signed_in=by_inv.get(inv.pk, []),
                apology_reason=apology.reason if apology is not None else None,
            )
        )
    return out


def quorum_of(meeting: Meeting, seat_list: list[Seat] | None = None) -> quorum_rules.Quorum:
    seat_list = seats(meeting) if seat_list is None else seat_list
    kind = meeting.kind
    election = meeting.is_election and bool(kind.election_numerator and kind.election_denominator)
    return quorum_rules.compute(
        invited=len(seat_list),
        present=sum(1 for s in seat_list if s.status == "present"),
        excused=sum(1 for s in seat_list if s.status == "excused"),
        fraction=kind.quorum_fraction(election=meeting.is_election),
        # The election rule is "at least" (党员大会选举: 应到会党员五分之四以上).
        strict=kind.quorum_strict and not election,
        apologies_reduce_expected=kind.apologies_reduce_expected,
    )


def invitation_for(
    meeting: Meeting, person_id: int, on: dt.date | None = None
) -> Invitation | None:
    """The seat ``person_id`` answers at ``meeting``: their own invitation, else a post they
    hold, else a unit they hold a post in (posts in force on ``on``, today by default)."""
    on = on or clock.today()
    active_posts = Post.objects.active(on).filter(person_id=person_id)
    candidates = list(
        Invitation.objects.filter(meeting=meeting).filter(
            Q(kind=InviteeKind.PERSON, person_id=person_id)
            | Q(kind=InviteeKind.POST, post__in=active_posts)
            | Q(
                kind=InviteeKind.UNIT,
                organisation_id__in=active_posts.filter(organisation__isnull=False).values(
                    "organisation_id"
                ),
            )
        )
    )
    order = {InviteeKind.PERSON: 0, InviteeKind.POST: 1, InviteeKind.UNIT: 2}
    candidates.sort(key=lambda inv: (order[InviteeKind(inv.kind)], inv.pk))
    return candidates[0] if candidates else None


def unit_post_holders(unit_ids: Iterable[int]) -> dict[int, list[Any]]:
    """The persons holding a post in force in each unit: who may answer a unit's seat."""
    out: dict[int, list[Any]] = {}
    for post in (
        Post.objects.active()
        .filter(organisation_id__in=list(unit_ids))
        .select_related("person")
        .order_by("organisation_id", "id")
    ):
        out.setdefault(post.organisation_id, []).append(post.person)
    return out


def org_post_holders(organisations: Iterable[Any]) -> list[tuple[Any, str]]:
    """(person, role label) of everyone holding a post in force in these organisations, once
    each: the people the convene form offers to invite."""
    people: dict[int, tuple[Any, str]] = {}
    for post in (
        Post.objects.active()
        .filter(organisation__in=list(organisations))
        .select_related("person")
        .order_by("organisation_id", "role", "id")
    ):
        people.setdefault(post.person_id, (post.person, str(post.get_role_display())))
    return list(people.values())


# ------------------------------------------------------------------------ lists


def visible_meetings(
    user: Actor,
    *,
    organisation_id: int | None = None,
    kind: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Meeting]:
    qs = Meeting.objects.visible_to(user).select_related("kind", "organisation")
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if kind:
        qs = qs.filter(kind__code=kind)
    if start is not None:
        qs = qs.filter(starts_at__gte=clock.start_of_day(start))
    if end is not None:
        qs = qs.filter(starts_at__lt=clock.start_of_day(end + dt.timedelta(days=1)))
    return qs.order_by("-starts_at", "-id")


def my_action_items(user: Actor, *, state: str | None = None) -> QuerySet[ActionItem]:
    """The user's own action items (all states, or one), soonest due first."""
    person = person_of(user)
    if person is None:
        return ActionItem.objects.none()
    qs = ActionItem.objects.visible_to(user).filter(owner_id=person.pk)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("meeting", "meeting__kind", "owner").order_by("due", "id")


def open_items_of(person_id: int) -> QuerySet[ActionItem]:
    """A person's open action items (the worklist reads this), soonest due first."""
    return (
        ActionItem.objects.filter(owner_id=person_id, state=ActionState.OPEN)
        .select_related("meeting")
        .order_by("due", "id")
    )


def overdue_for_convener(user: Actor) -> QuerySet[ActionItem]:
    """Overdue items of the meetings the user convened or runs as an officer of the
    convening organisation (or one above it)."""
    person = person_of(user)
    if person is None:
        return ActionItem.objects.none()
    runs = Q(meeting__convener_id=person.pk) | paths_q("meeting__org_path", officer_paths(user))
    return (
        ActionItem.objects.visible_to(user)
        .overdue()
        .filter(runs)
        .select_related("meeting", "owner")
        .order_by("due", "id")
    )


# ------------------------------------------------------------------------ cadence


@dataclass(frozen=True)
class Occurrence:
    schedule: Schedule
    period: schedules.Period
    meeting_ids: tuple[int, ...]
    status: str  # "held", "due" (the running period, nothing yet), "missed"

    @property
    def label(self) -> str:
        return self.period.label(self.schedule.cadence)


def occurrences(
    schedule_list: Iterable[Schedule], *, start: dt.date, end: dt.date
) -> list[Occurrence]:
    """Each expected period of each schedule overlapping [start, end] (not before the
    schedule starts, not after today or its end), with the held meetings in it. One query."""
    today = clock.today()
    sched = list(schedule_list)
    if not sched:
        return []
    last = min(end, today)
    org_ids = {s.organisation_id for s in sched}
    kind_ids = {s.kind_id for s in sched}
    lo = min(schedules.period_of(s.cadence, max(start, s.starts_on)).start for s in sched)
    held: dict[tuple[int, int], list[tuple[dt.date, int]]] = {}
    qs = Meeting.objects.filter(
        organisation_id__in=org_ids,
        kind_id__in=kind_ids,
        state__in=HELD_STATES,
        starts_at__gte=clock.start_of_day(lo),
        starts_at__lt=clock.start_of_day(last + dt.timedelta(days=1)),
    ).values_list("organisation_id", "kind_id", "starts_at", "pk")
    for oid, kid, at, pk in qs:
        held.setdefault((oid, kid), []).append((clock.local_date(at), pk))
    out = []
    for s in sched:
        first = max(start, s.starts_on)
        stop = min(last, s.ends_on) if s.ends_on else last
        for p in schedules.periods(s.cadence, first, stop):
            ids = tuple(
                pk for day, pk in held.get((s.organisation_id, s.kind_id), []) if p.contains(day)
            )
            if ids:
                status = "held"
            elif p.end < today:
                status = "missed"
            else:
                status = "due"
            out.append(Occurrence(schedule=s, period=p, meeting_ids=ids, status=status))
    return out


def missed_periods(
    organisation_ids: Iterable[int], *, start: dt.date, end: dt.date, kind: str | None = None
) -> list[Occurrence]:
    """The expected periods in [start, end] that ended without a held meeting, under the
    clock, for the schedules of these organisations (optionally one kind)."""
    qs = Schedule.objects.filter(organisation_id__in=list(organisation_ids)).select_related(
        "organisation", "kind"
    )
    if kind:
        qs = qs.filter(kind__code=kind)
    return [o for o in occurrences(qs, start=start, end=end) if o.status == "missed"]


# ------------------------------------------------------------------------ the worklist


@dataclass
class MeetingDesk:
    """The workbench's meeting section: the person's open action items (the first few),
    how many are overdue, the overdue items of meetings they run, their next meetings."""

    items: list[ActionItem]
    open_count: int
    overdue_count: int
    convened_overdue: int
    upcoming: list[Meeting]

    @property
    def is_empty(self) -> bool:
        return not (self.open_count or self.convened_overdue or self.upcoming)


def desk_for(user: Actor, *, shown: int = 5) -> MeetingDesk | None:
    person = person_of(user)
    if person is None:
        return None
    today = clock.today()
    open_items = open_items_of(person.pk)
    items = list(open_items[:shown])
    open_count = len(items) if len(items) < shown else open_items.count()
    overdue_count = sum(1 for i in items if i.due is not None and i.due < today)
    if open_count > len(items):
        overdue_count = open_items.filter(due__lt=today).count()
    upcoming = list(
        Meeting.objects.visible_to(user)
        .filter(state="planned", starts_at__gte=clock.start_of_day(today))
        .select_related("kind")
        .order_by("starts_at", "id")[:3]
    )
    desk = MeetingDesk(
        items=items,
        open_count=open_count,
        overdue_count=overdue_count,
        convened_overdue=overdue_for_convener(user).exclude(owner_id=person.pk).count(),
        upcoming=upcoming,
    )
    return None if desk.is_empty else desk
