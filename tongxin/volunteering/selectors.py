"""Reads of volunteering: a volunteer's own summary, lists for the community, leaderboards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.core.errors import NotFound
from tongxin.core.scoping import scope_for
from tongxin.places.models import Place

from .models import (
    Account,
    AccountKind,
    Activity,
    ActivityStatus,
    Entry,
    Honour,
    LedgerTransaction,
    Reward,
    RewardOrder,
    Signup,
    SignupStatus,
    TxKind,
    Unit,
    Volunteer,
    _home_community_paths,
)
from .policies import manager_paths, organises

EARNING_KINDS = (TxKind.AWARD, TxKind.FIXED)


@dataclass
class MySummary:
    """What a volunteer's home shows."""

    volunteer: Volunteer | None
    balance: int = 0
    banked_minutes: int = 0
    served_minutes: int = 0
    entries: list[Entry] = field(default_factory=list)
    signups: list[Signup] = field(default_factory=list)
    orders: list[RewardOrder] = field(default_factory=list)


def my_volunteer(user: Actor) -> Volunteer | None:
    if not user.person_id:
        return None
    return (
        Volunteer.objects.filter(person_id=user.person_id)
        .select_related("person", "community")
        .prefetch_related("teams")
        .first()
    )


def access_signup(user: Actor, pk: int) -> Signup:
    """A signup the caller may see: their own, one in their scope, or one on an activity they
    organise (whose activity they can see); ``NotFound`` otherwise."""
    s = (
        Signup.objects.select_related("activity__community", "volunteer__person")
        .filter(pk=pk)
        .first()
    )
    if s is None or not Activity.objects.visible_to(user).filter(pk=s.activity_id).exists():
        raise NotFound()
    if organises(user, s.activity) or Signup.objects.visible_to(user).filter(pk=pk).exists():
        return s
    raise NotFound()


def signup_counts(activity: Activity) -> dict[str, int]:
    """Places taken and the waiting list of an activity the caller can see."""
    return Signup.objects.filter(activity=activity).aggregate(
        taken=Count(
            "id",
            filter=~Q(status__in=[SignupStatus.WAITLISTED, SignupStatus.CANCELLED]),
        ),
        waiting=Count("id", filter=Q(status=SignupStatus.WAITLISTED)),
    )


def own_signup(activity: Activity, user: Actor) -> Signup | None:
    """The caller's own signup for the activity, if any."""
    if not user.person_id:
        return None
    return (
        Signup.objects.filter(activity=activity, volunteer__person_id=user.person_id)
        .select_related("volunteer__person")
        .first()
    )


def own_orders(user: Actor) -> QuerySet[RewardOrder]:
    """The caller's own reward orders."""
    return RewardOrder.objects.filter(person_id=user.person_id or -1).select_related("reward")


def volunteer_in(community: Place, *, person_id: int) -> Volunteer | None:
    """The volunteer of ``community`` who is person ``person_id`` (a time-bank provider)."""
    return (
        Volunteer.objects.filter(person_id=person_id, community=community)
        .select_related("person")
        .first()
    )


def community_orders(user: Actor, community: Place) -> QuerySet[RewardOrder]:
    """The reward orders of a community, as its manager sees them (``Scope.manager_paths``)."""
    return (
        RewardOrder.objects.visible_to(user)
        .filter(reward__community=community)
        .select_related("reward", "person")
        .order_by("status", "-id")
    )


def recent_honours(community: Place, *, count: int = 12) -> list[Honour]:
    return list(
        Honour.objects.filter(community=community).select_related("person", "organisation")[:count]
    )


def my_summary(user: Actor, *, entries: int = 10) -> MySummary:
    v = my_volunteer(user)
    out = MySummary(volunteer=v)
    if not user.person_id:
        return out
    accounts = {a.unit: a for a in Account.objects.filter(person_id=user.person_id)}
    points = accounts.get(Unit.POINTS)
    out.balance = points.balance if points else 0
    out.banked_minutes = accounts[Unit.MINUTES].balance if Unit.MINUTES in accounts else 0
    if points is not None:
        out.entries = list(
            Entry.objects.filter(account=points)
            .select_related("transaction")
            .order_by("-id")[:entries]
        )
    if v is not None:
        out.signups = list(
            Signup.objects.filter(volunteer=v)
            .exclude(status=SignupStatus.CANCELLED)
            .select_related("activity")
            .order_by("-activity__starts_at")[:20]
        )
        out.served_minutes = (
            Signup.objects.filter(volunteer=v, status=SignupStatus.CONFIRMED).aggregate(
                t=Sum("minutes")
            )["t"]
            or 0
        )
    out.orders = list(
        RewardOrder.objects.filter(person_id=user.person_id)
        .select_related("reward")
        .order_by("-id")[:20]
    )
    return out


def visible_communities(user: Actor) -> QuerySet[Place]:
    """Communities the user belongs to, works in, or oversees."""
    scope = scope_for(user)
    if scope.is_empty:
        return Place.objects.none()
    from tongxin.core.scoping import paths_q

    return Place.objects.filter(
        Q(path__in=_home_community_paths(user, scope)) | paths_q("path", scope.place_paths),
        kind="community",
    )


def access_community(user: Actor, pk: int | None) -> Place:
    """The community ``pk`` (or the user's own, or the first they manage) if visible."""
    qs = visible_communities(user)
    place = qs.filter(pk=pk).first() if pk else None
    if pk and place is None:
        raise NotFound()
    if place is None:
        v = my_volunteer(user)
        if v is not None:
            place = v.community
        else:
            managed = manager_paths(user)
            place = (
                qs.filter(path__startswith=managed[0]).order_by("path").first()
                if managed
                else qs.order_by("path").first()
            )
    if place is None:
        raise NotFound(_("没有可查看的社区"))
    return place


def activities_for(user: Actor, *, upcoming: bool = True) -> QuerySet[Activity]:
    qs = Activity.objects.visible_to(user).select_related("community", "organiser_org")
    if upcoming:
        qs = qs.filter(ends_at__gte=clock.now()).exclude(status=ActivityStatus.CANCELLED)
    return qs.order_by("starts_at", "id")


def roster(activity: Activity) -> list[Signup]:
    return list(
        Signup.objects.filter(activity=activity)
        .select_related("volunteer__person")
        .order_by("status", "created_at", "id")
    )


def rewards_for(user: Actor) -> QuerySet[Reward]:
    return Reward.objects.visible_to(user).filter(is_active=True).order_by("cost", "id")


def transactions_for(community: Place) -> QuerySet[LedgerTransaction]:
    return (
        LedgerTransaction.objects.filter(community=community)
        .select_related("created_by", "approved_by")
        .prefetch_related("entries__account__person", "entries__account__organisation")
        .order_by("-id")
    )


def volunteers_of(user: Actor, community: Place) -> QuerySet[Volunteer]:
    """The volunteers of a community, as its manager sees them (``Scope.manager_paths``)."""
    return (
        Volunteer.objects.visible_to(user)
        .filter(community=community)
        .select_related("person", "guardian")
        .prefetch_related("teams")
        .order_by("status", "id")
    )


def period_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` or ``YYYY`` → [start, end) in the current time zone."""
    if len(period) == 7:
        y, m = int(period[:4]), int(period[5:])
        start = dt.date(y, m, 1)
        end = dt.date(y + (m == 12), m % 12 + 1, 1)
    else:
        y = int(period)
        start, end = dt.date(y, 1, 1), dt.date(y + 1, 1, 1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end, dt.time.min, tzinfo=tz),
    )


def leaderboard(
    community: Place, *, period: str, team_id: int | None = None, limit: int = 20
) -> dict[str, list[dict[str, Any]]]:
    """Points earned (awards and honours, not transfers) in ``period``, per volunteer and per
    co-building unit, highest first; ``team_id`` restricts the volunteers to one team."""
    start, end = period_bounds(period)
    earned = Entry.objects.filter(
        amount__gt=0,
        account__community=community,
        transaction__kind__in=EARNING_KINDS,
        transaction__created_at__gte=start,
        transaction__created_at__lt=end,
    )
    people = earned.filter(account__kind=AccountKind.PERSON, account__unit=Unit.POINTS)
    if team_id:
        people = people.filter(account__person__volunteer__teams=team_id)
    persons = [
        {"person_id": r["account__person_id"], "name": r["account__person__name"], "points": r["t"]}
        for r in people.values("account__person_id", "account__person__name")
        .annotate(t=Sum("amount"))
        .order_by("-t", "account__person_id")[:limit]
    ]
    units = [
        {
            "organisation_id": r["account__organisation_id"],
            "name": r["account__organisation__name"],
            "points": r["t"],
        }
        for r in earned.filter(account__kind=AccountKind.ORGANISATION)
        .values("account__organisation_id", "account__organisation__name")
        .annotate(t=Sum("amount"))
        .order_by("-t", "account__organisation_id")[:limit]
    ]
    return {"persons": persons, "units": units}
