"""The votes, meetings and scorecards sources of the modules' rollups: each equal to the raw
counts on generated records and periods (counted by hand here), incremental runs equal a
rebuild after changes that only the audit log or a related row carries (a vote closed, a
meeting cancelled, an objection raised), the panels and their click-through under each
module's own scope, every read audited. Votes are counted, never a ballot."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from tongxin.alliance.models import MemberScorecard, Objection, Scorecard
from tongxin.core import audit, clock
from tongxin.datacentre import module_rollups
from tongxin.datacentre.models import ModuleRollup
from tongxin.datacentre.sources import (
    MEETINGS,
    SCORECARDS,
    SERVICE_CARDS,
    SOURCES,
    UNIT_CARDS,
    VOTES,
    grid_path_length,
)
from tongxin.deliberation.models import Vote, VoteState
from tongxin.meetings.models import (
    HELD_STATES,
    Attendance,
    Invitation,
    Meeting,
    MeetingState,
)
from tongxin.partylife.models import CardObjection, CardState, PartyCard
from tongxin.people.models import Person
from tongxin.places.models import Place

from .helpers import (
    BASE,
    HYPOTHESIS,
    assert_incremental_equals_rebuild,
    at,
    period,
    query_period,
    settled_rows,
    table,
)

pytestmark = pytest.mark.dates

CIVIC = ("votes", "meetings", "scorecards", "unit_cards", "service_cards")


def _span(p: Any) -> tuple[dt.date, dt.date]:
    first, last = sorted(p)
    return BASE + dt.timedelta(days=first), BASE + dt.timedelta(days=last)


def _cut(path: str) -> str:
    return path[: grid_path_length()]


def _org_area(org_id: int) -> str | None:
    first = Place.objects.filter(organisations=org_id).order_by("path").first()
    return _cut(first.path) if first else None


vote_spec = st.fixed_dictionaries(
    {
        "day": st.integers(0, 9),
        "minute": st.integers(0, 24 * 60 - 1),
        "place": st.integers(0, 2),
        "state": st.sampled_from(list(VoteState)),
        "passed": st.booleans(),
        "eligible": st.integers(0, 40),
        "share": st.integers(0, 100),
        "electorate": st.sampled_from(["owners", "households", "representatives"]),
    }
)


@HYPOTHESIS
@given(specs=st.lists(vote_spec, max_size=20), period=period)
def test_vote_rollups_equal_the_raw_counts(demo: Any, specs: list[Any], period: Any) -> None:
    day_from, day_to = _span(period)
    places = [
        demo.grid(1),
        Place.objects.filter(kind="estate").order_by("path").first(),
        Place.objects.filter(kind="community").order_by("path").first(),
    ]
    with transaction.atomic():
        made = []
        for s in specs:
            place = places[s["place"]]
            opens = at(s["day"], s["minute"])
            closed = s["state"] == VoteState.CLOSED
            joined = s["eligible"] * s["share"] // 100
            made.append(
                Vote(
                    title="dc",
                    electorate=s["electorate"],
                    rule="majority_present",
                    place=place,
                    place_path=place.path,
                    opens_at=opens,
                    closes_at=opens + dt.timedelta(days=3),
                    closed_at=opens + dt.timedelta(days=3) if closed else None,
                    state=s["state"],
                    eligible_heads=s["eligible"],
                    result={"passed": s["passed"], "participating_heads": joined}
                    if closed
                    else None,
                )
            )
        Vote.objects.bulk_create(made)
        module_rollups.rebuild(VOTES, day_from, day_to)
        expected: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
        for v in made:
            day = clock.local_date(v.opens_at)
            if v.state == VoteState.CANCELLED or not day_from <= day <= day_to:
                continue
            f = expected[(day, _cut(v.place_path), v.electorate)]
            f["held"] += 1
            if v.state == VoteState.CLOSED:
                f["closed"] += 1
                f["passed"] += bool(v.result["passed"])
                f["eligible_heads"] += v.eligible_heads
                f["participating_heads"] += v.result["participating_heads"]
        assert table("votes") == {k: +v for k, v in expected.items()}
        transaction.set_rollback(True)


meeting_spec = st.fixed_dictionaries(
    {
        "day": st.integers(0, 9),
        "minute": st.integers(0, 24 * 60 - 1),
        "at_grid": st.booleans(),
        "state": st.sampled_from(list(MeetingState)),
        "minutes": st.booleans(),
        "seats": st.integers(0, 3),
        "came": st.integers(0, 3),
    }
)


@HYPOTHESIS
@given(specs=st.lists(meeting_spec, max_size=12), period=period)
def test_meeting_rollups_equal_the_raw_counts(demo: Any, specs: list[Any], period: Any) -> None:
    day_from, day_to = _span(period)
    template = Meeting.objects.select_related("organisation").order_by("pk").first()
    grid = demo.grid(2)
    people = list(Person.objects.order_by("pk")[:3])
    with transaction.atomic():
        made = []
        for s in specs:
            starts = at(s["day"], s["minute"])
            made.append(
                Meeting(
                    kind_id=template.kind_id,
                    organisation_id=template.organisation_id,
                    org_path=template.org_path,
                    title="dc",
                    starts_at=starts,
                    place=grid if s["at_grid"] else None,
                    state=s["state"],
                    convener_id=template.convener_id,
                    created_by_id=template.created_by_id,
                    minutes="纪要" if s["minutes"] else "",
                )
            )
        Meeting.objects.bulk_create(made)
        for m, s in zip(made, specs, strict=True):
            seats = Invitation.objects.bulk_create(
                Invitation(meeting=m, kind="person", person=p) for p in people[: s["seats"]]
            )
            Attendance.objects.bulk_create(
                Attendance(
                    meeting=m,
                    invitation=i,
                    person=i.person,
                    method="secretary",
                    recorded_by_id=template.created_by_id,
                )
                for i in seats[: s["came"]]
            )
        module_rollups.rebuild(MEETINGS, day_from, day_to)
        expected: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
        org_area = _org_area(template.organisation_id)
        for m, s in zip(made, specs, strict=True):
            day = clock.local_date(m.starts_at)
            area = grid.path if m.place_id else org_area
            if m.state == MeetingState.CANCELLED or not day_from <= day <= day_to or not area:
                continue
            f = expected[(day, area, template.kind.code)]
            f["convened"] += 1
            if m.state in HELD_STATES:
                f["held"] += 1
                f["minuted"] += bool(m.minutes)
                f["seats"] += s["seats"]
                f["signins"] += min(s["came"], s["seats"])
        assert table("meetings") == {k: +v for k, v in expected.items()}
        transaction.set_rollback(True)


card_spec = st.fixed_dictionaries(
    {
        "day": st.integers(0, 9),
        "minute": st.integers(0, 24 * 60 - 1),
        "member": st.booleans(),
        "stars": st.integers(0, 5),
        "state": st.sampled_from(list(CardState)),
        "objections": st.integers(0, 2),
    }
)


@HYPOTHESIS
@given(specs=st.lists(card_spec, max_size=15), period=period)
def test_scorecard_rollups_equal_the_raw_counts(demo: Any, specs: list[Any], period: Any) -> None:
    day_from, day_to = _span(period)
    template = PartyCard.objects.filter(kind="member").order_by("pk").first()
    raiser = demo.user("secretary")
    with transaction.atomic():
        made = []
        for n, s in enumerate(specs):
            made.append(
                PartyCard(
                    kind="member" if s["member"] else "branch",
                    organisation_id=template.organisation_id,
                    person_id=template.person_id if s["member"] else None,
                    year=1900 + n,
                    total=Decimal("80.00"),
                    stars=s["stars"],
                    state=s["state"],
                    computed_at=clock.now(),
                )
            )
        PartyCard.objects.bulk_create(made)
        for c, s in zip(made, specs, strict=True):
            PartyCard.objects.filter(pk=c.pk).update(created_at=at(s["day"], s["minute"]))
            c.created_at = at(s["day"], s["minute"])
            CardObjection.objects.bulk_create(
                CardObjection(card=c, reason="dc", raised_by=raiser) for _ in range(s["objections"])
            )
        module_rollups.rebuild(SCORECARDS, day_from, day_to)
        expected: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
        person_path = template.person.place_path
        for c, s in zip(made, specs, strict=True):
            day = clock.local_date(c.created_at)
            area = _cut(person_path) if c.person_id and person_path else None
            area = area or _org_area(c.organisation_id)
            if not day_from <= day <= day_to or not area:
                continue
            f = expected[(day, area, str(c.stars))]
            f["cards"] += 1
            f["member_cards" if c.person_id else "branch_cards"] += 1
            f["published"] += c.state == CardState.PUBLISHED
            f["final"] += c.state == CardState.FINAL
            f["objected"] += s["objections"] > 0
        assert table("scorecards") == {k: +v for k, v in expected.items()}
        transaction.set_rollback(True)


alliance_spec = st.fixed_dictionaries(
    {
        "day": st.integers(0, 9),
        "minute": st.integers(0, 24 * 60 - 1),
        "grade": st.sampled_from(["优秀", "良好", "一般"]),
        "state": st.sampled_from(["draft", "published", "final"]),
        "objections": st.integers(0, 2),
    }
)


@HYPOTHESIS
@given(specs=st.lists(alliance_spec, max_size=12), period=period, members=st.booleans())
def test_alliance_card_rollups_equal_the_raw_counts(
    demo: Any, specs: list[Any], period: Any, members: bool
) -> None:
    """A unit's card counts at its alliance's place; a member's where the member lives
    (else at the alliance's place)."""
    day_from, day_to = _span(period)
    source = SERVICE_CARDS if members else UNIT_CARDS
    model: Any = MemberScorecard if members else Scorecard
    template = model.objects.order_by("pk").first()
    owner = (
        {"member_id": template.member_id, "alliance_id": template.alliance_id}
        if members
        else {"membership_id": template.membership_id}
    )
    raiser = demo.user("secretary")
    with transaction.atomic():
        made = model.objects.bulk_create(
            model(
                **owner,
                year=1900 + n,
                total=Decimal("80.00"),
                grade=s["grade"],
                state=s["state"],
                computed_at=clock.now(),
            )
            for n, s in enumerate(specs)
        )
        link = "member_card" if members else "scorecard"
        for c, s in zip(made, specs, strict=True):
            c.created_at = at(s["day"], s["minute"])
            model.objects.filter(pk=c.pk).update(created_at=c.created_at)
            Objection.objects.bulk_create(
                Objection(**{link: c}, reason="dc", raised_by=raiser)
                for _ in range(s["objections"])
            )
        module_rollups.rebuild(source, day_from, day_to)
        if members:
            home = template.member.person.place_path
            area = _cut(home) if home else _cut(template.alliance.place_path)
        else:
            area = _cut(template.membership.alliance.place_path)
        expected: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
        for c, s in zip(made, specs, strict=True):
            day = clock.local_date(c.created_at)
            if not day_from <= day <= day_to:
                continue
            f = expected[(day, area, c.grade)]
            f["cards"] += 1
            f["published"] += c.state == "published"
            f["final"] += c.state == "final"
            f["objected"] += s["objections"] > 0
        assert table(source.name) == {k: +v for k, v in expected.items()}
        transaction.set_rollback(True)


def test_the_demo_has_rows_of_each_civic_source_and_no_ballot_in_them(demo: Any) -> None:
    module_rollups.rebuild_every()
    for name in CIVIC:
        assert ModuleRollup.objects.filter(source=name).exists(), name
    figures = set(ModuleRollup.objects.filter(source="votes").values_list("figure", flat=True))
    assert figures <= {f.name for f in VOTES.figures}
    assert not any("yes" in f or "no_" in f or "choice" in f for f in figures)


def test_civic_incremental_equals_a_rebuild(demo: Any) -> None:
    """Changes that the record's own ``updated_at`` does not carry: a meeting cancelled
    (recorded in the audit log, as every meeting service does), an objection raised to a
    party card and to a unit's card (their own rows); and a vote closed through its
    service."""
    from tongxin.deliberation.services.votes import vote_close

    first = settled_rows()

    meeting = Meeting.objects.filter(state__in=HELD_STATES).order_by("starts_at").first()
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.CANCELLED)
    audit.record(actor=None, action="meeting_cancel", obj=meeting)
    card = PartyCard.objects.exclude(objections__isnull=False).order_by("pk").first()
    CardObjection.objects.create(card=card, reason="dc", raised_by=demo.user("secretary"))
    unit_card = Scorecard.objects.order_by("pk").first()
    Objection.objects.create(scorecard=unit_card, reason="dc", raised_by=demo.user("secretary"))
    vote = Vote.objects.filter(state=VoteState.OPEN).first()
    if vote is not None:
        vote_close(actor=None, vote=vote)

    assert "0 days" not in module_rollups.incremental(MEETINGS)
    assert "0 days" not in module_rollups.incremental(SCORECARDS)
    assert "0 days" not in module_rollups.incremental(UNIT_CARDS)
    assert_incremental_equals_rebuild(first)


# ---------------------------------------------------------------------------- pages


def test_the_dashboard_has_the_civic_panels_and_each_count_clicks_through(all_built: Any) -> None:
    client = all_built.client("secretary")
    html = client.get("/datacentre/", query_period(back=800, ahead=60)).content.decode()
    for source in CIVIC:
        assert f'id="dc-{source}"' in html, source
    shown = re.findall(
        r'<a (?:class="stat" )?href="/datacentre/modules/(\w+)/records/\?([^"]+)">'
        r'(?:<span class="stat-num">)?(\d+)',
        html,
    )
    mine = [s for s in shown if s[0] in CIVIC]
    assert {s for s, _q, _v in mine} == set(CIVIC)
    for source, query, value in mine[:30]:
        page = client.get(f"/datacentre/modules/{source}/records/?" + query.replace("&amp;", "&"))
        assert page.status_code == 200
        assert f"共 {value} 条" in page.content.decode(), (source, query)
    # The summed head counts of the votes are figures, never links to records.
    assert "figure=participating_heads" not in html and "figure=eligible_heads" not in html


@pytest.mark.parametrize("source", CIVIC)
def test_civic_records_follow_each_modules_own_scope(all_built: Any, source: str) -> None:
    """Each role gets exactly the records counted when it may see every one of them (its
    module's ``visible_to``), else only the count: a grid worker never the records of votes,
    meetings or cards beyond what the module itself shows them."""
    found = SOURCES[source]
    first = found.figures[0].name
    counts = []
    for role in ("grid1", "grid2", "secretary"):
        user = all_built.user(role)
        body = (
            all_built.api(role)
            .get(
                f"/api/v1/stats/modules/{source}/records",
                {"level": "community", "figure": first, **query_period(back=800, ahead=60)},
            )
            .json()
        )
        visible = set(found.visible(user).values_list("pk", flat=True))
        counts.append(body["count"])
        if body["withheld"]:
            assert body["items"] == [], (source, role)
        else:
            assert {i["id"] for i in body["items"]} <= visible, (source, role)
            assert len(body["items"]) == min(body["count"], body["page_size"]), (source, role)
    assert max(counts) > 0, source


def test_vote_records_are_the_votes_never_ballots(all_built: Any) -> None:
    body = (
        all_built.api("secretary")
        .get(
            "/api/v1/stats/modules/votes/records",
            {"level": "community", "figure": "held", **query_period(back=800, ahead=60)},
        )
        .json()
    )
    assert body["count"] > 0
    assert {i["id"] for i in body["items"]} <= set(Vote.objects.values_list("pk", flat=True))
    r = all_built.api("secretary").get(
        "/api/v1/stats/modules/votes/records",
        {"level": "community", "figure": "participating_heads"},
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "figure"
    # A star band that is no number is a clear error, on the API and on the page.
    bad = {"level": "community", "figure": "cards", "key": "abc"}
    r = all_built.api("secretary").get("/api/v1/stats/modules/scorecards/records", bad)
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "key"
    page = all_built.client("secretary").get("/datacentre/modules/scorecards/records/", bad)
    assert page.status_code == 404


def test_civic_record_reads_are_audited(all_built: Any) -> None:
    from tongxin.core.models import AuditEvent

    before = AuditEvent.objects.filter(action="datacentre.records").count()
    for source in CIVIC:
        first = SOURCES[source].figures[0].name
        page = all_built.client("secretary").get(
            f"/datacentre/modules/{source}/records/",
            {"figure": first, **query_period(back=800, ahead=60)},
        )
        assert page.status_code == 200
        api = all_built.api("grid1").get(
            f"/api/v1/stats/modules/{source}/records",
            {"level": "community", "figure": first, **query_period(back=800, ahead=60)},
        )
        assert api.status_code == 200
    rows = list(AuditEvent.objects.filter(action="datacentre.records").order_by("pk"))[before:]
    assert [(r.detail["source"], r.detail["via"]) for r in rows] == [
        (s, via) for s in CIVIC for via in ("page", "api")
    ]
