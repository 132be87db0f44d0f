"""Loading a year of party life fast for ``bench/partylife.py`` (PostgreSQL): a district's
branches and members in minutes instead of the better part of an hour.

- ``copy_rows(objs)``: model instances written with one ``COPY … FROM STDIN`` per table, the
  primary keys drawn from the table's sequence first and set on the objects as ``bulk_create``
  sets them (``auto_now``/``auto_now_add`` filled by the fields' own ``pre_save``).
- ``copying()``: for the duration, ``QuerySet.bulk_create`` of a PostgreSQL database goes
  through ``copy_rows``; so the demo's own loader (``tongxin.demo.partylife.life_for``: the
  meetings, agenda, seats, sign-ins, apologies, records and reviews, study materials and reads,
  fixed days, 1+10+N links, the year's appraisal) writes the district with the same rows and
  invariants it writes the demo with, only by ``COPY``.
- ``volunteering_and_pledges()``: what the member cards read besides party life, in the shape
  bench/alliance.py loads it: a year of finished activities in each community, about half of
  the members registered as volunteers with confirmed sign-ups (minutes, confirmer, time; like
  bench/alliance.py's, without points or ledger entries, which no card reads), and the
  in-service members linked to a co-building unit with the year's pledges (delivered, pledged,
  unmet with its explanation).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
import random
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.query import QuerySet


def copy_rows(objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (one model) with ``COPY``; set their primary keys."""
    if not objs:
        return
    from psycopg import sql
    from psycopg.types.json import Jsonb

    model = type(objs[0])
    meta = model._meta
    assert not meta.parents, "copy_rows handles models without multi-table inheritance"
    pk = meta.pk
    assert pk is not None and pk.column == "id"
    fields = list(meta.concrete_fields)
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    new = [o for o in objs if o.pk is None]
    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection, inside the caller's transaction
    with raw.cursor() as cur:
        if new:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [meta.db_table, len(new)],
            )
            for o, (pk_value,) in zip(new, cur.fetchall(), strict=True):
                o.pk = pk_value
        for o in objs:
            for f in stamped:
                f.pre_save(o, add=True)
        read = operator.attrgetter(*(f.attname for f in fields))
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(meta.db_table),
            sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
        )
        with cur.copy(statement) as copy:
            for o in objs:
                row = read(o)
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = None if row[i] is None else Jsonb(row[i])
                copy.write_row(row)
    for o in objs:
        o._state.adding = False
        o._state.db = connection.alias


@contextlib.contextmanager
def copying() -> Iterator[None]:
    """``bulk_create`` by ``COPY`` on PostgreSQL while inside (plain inserts only)."""
    original = QuerySet.bulk_create

    def bulk_create(self: QuerySet[Any], objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        conflicts = kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts")
        if connection.vendor != "postgresql" or conflicts or self.model._meta.parents:
            return original(self, objs, *args, **kwargs)
        objs = list(objs)
        for o in objs:  # what bulk_create checks and fills per object
            o._prepare_related_fields_for_save(operation_name="bulk_create")
        copy_rows(objs)
        return objs

    QuerySet.bulk_create = bulk_create  # type: ignore[method-assign]
    try:
        yield
    finally:
        QuerySet.bulk_create = original  # type: ignore[method-assign]


# i18n-data: the benchmark's stored texts
ACTIVITY_TITLES = ("楼道清洁", "敬老助餐", "垃圾分类督导", "文明劝导", "义诊咨询", "防汛值守")
PLEDGES = ("每月参加一次社区志愿服务", "结对帮扶一户困难家庭", "参与一次矛盾纠纷调解")


def volunteering_and_pledges(recorder: Any, seed: int = 2026) -> dict[str, int]:
    """Activities, volunteers and confirmed sign-ups in the last year; in-service members'
    units and pledges for the clock's year. Returns the counts."""
    from tongxin.alliance.models import InServiceMember, Pledge, PledgeState
    from tongxin.core import clock, tokens
    from tongxin.orgs.models import Organisation, OrgKind
    from tongxin.people.models import PartyMembership
    from tongxin.places.models import Place
    from tongxin.volunteering.models import (
        Activity,
        ActivityStatus,
        PointsRule,
        Signup,
        SignupStatus,
        Volunteer,
        VolunteerStatus,
    )

    rng = random.Random(seed)
    today = clock.today()
    year = today.year
    communities = list(Place.objects.filter(kind="community").order_by("path"))
    by_path = {c.path: c for c in communities}
    plen = len(communities[0].path)

    def community_of(path: str) -> Place | None:
        return by_path.get(path[:plen])

    committees = {o.code[1:]: o for o in Organisation.objects.filter(kind=OrgKind.PARTY_COMMITTEE)}
    rules = {r.community_id: r for r in PointsRule.objects.order_by("is_default", "-id")}
    new_rules = [
        PointsRule(community=c, name="基准积分规则")  # i18n-data
        for c in communities
        if c.pk not in rules
    ]
    for r in PointsRule.objects.bulk_create(new_rules):
        rules[r.community_id] = r
    activities: dict[int, list[Activity]] = {c.pk: [] for c in communities}
    rows = []
    for c in communities:
        for month in range(12):
            day = today - dt.timedelta(days=30 * month + 3 + rng.randrange(20))
            starts = clock.start_of_day(day) + dt.timedelta(hours=9)
            a = Activity(
                community=c,
                organiser_org=committees.get(c.code),
                created_by=recorder,
                title=f"{c.name}{ACTIVITY_TITLES[month % len(ACTIVITY_TITLES)]}",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                slots=60,
                rule=rules[c.pk],
                status=ActivityStatus.FINISHED,
                checkin_token=tokens.mint(20),
            )
            rows.append(a)
            activities[c.pk].append(a)
    Activity.objects.bulk_create(rows)
    members = list(
        PartyMembership.objects.select_related("person")
        .order_by("person_id")
        .only(
            "person_id",
            "in_service",
            "registered_community_id",
            "organisation_id",
            "person__place_path",
        )
    )
    volunteers, signups, seen = [], [], set()
    for k, m in enumerate(members):
        c = community_of(m.person.place_path)
        if c is None or k % 2 or m.person_id in seen:
            continue
        seen.add(m.person_id)
        v = Volunteer(
            person_id=m.person_id,
            person_path=m.person.place_path,
            community=c,
            status=VolunteerStatus.APPROVED,
            reviewed_by=recorder,
            reviewed_at=clock.now() - dt.timedelta(days=400),
        )
        volunteers.append(v)
    Volunteer.objects.bulk_create(volunteers)
    for v in volunteers:
        for a in rng.sample(activities[v.community_id], rng.randint(1, 4)):
            minutes = rng.choice((60, 90, 120, 180))
            signups.append(
                Signup(
                    activity=a,
                    volunteer=v,
                    status=SignupStatus.CONFIRMED,
                    checked_in_at=a.starts_at,
                    checked_out_at=a.starts_at + dt.timedelta(minutes=minutes),
                    check_method="organiser",
                    minutes=minutes,
                    confirmed_by=recorder,
                    confirmed_at=a.ends_at,
                )
            )
    Signup.objects.bulk_create(signups)
    units: dict[str, list[int]] = {}
    for oid, path in Organisation.objects.filter(kind=OrgKind.CO_BUILDING_UNIT).values_list(
        "pk", "path"
    ):
        units.setdefault(path[: -Organisation.steplen], []).append(oid)
    org_path = dict(Organisation.objects.values_list("pk", "path"))
    links = []
    for k, m in enumerate(members):
        if not m.in_service:
            continue
        mine = units.get(org_path[m.organisation_id][: -Organisation.steplen], [])
        if mine:
            links.append(
                InServiceMember(
                    unit_id=mine[k % len(mine)], person_id=m.person_id, since=dt.date(year, 1, 1)
                )
            )
    InServiceMember.objects.bulk_create(links)
    pledges = []
    for k, link in enumerate(links):
        for j in range(2 + k % 2):
            state = (PledgeState.DELIVERED, PledgeState.PLEDGED, PledgeState.UNMET)[(k + j) % 3]
            pledges.append(
                Pledge(
                    member=link,
                    year=year,
                    text=PLEDGES[j % len(PLEDGES)],
                    state=state,
                    delivered_on=dt.date(year, 6, 30) if state == PledgeState.DELIVERED else None,
                    explanation="工作调动" if state == PledgeState.UNMET else "",  # i18n-data
                )
            )
    Pledge.objects.bulk_create(pledges)
    return {
        "activities": len(rows),
        "volunteers": len(volunteers),
        "confirmed sign-ups": len(signups),
        "in-service links": len(links),
        "pledges": len(pledges),
    }
