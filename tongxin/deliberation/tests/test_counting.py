"""The count against hand-computed cases (the estate of ``conftest``: 5 heads, 400.50 m²)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tongxin.core import clock
from tongxin.deliberation import counting, selectors, services
from tongxin.deliberation.errors import AlreadyVoted, NotAnElector, VoteClosed
from tongxin.deliberation.models import Ballot, Elector, Rule, Vote

T = counting.Totals


def _open(demo, estate, rule="art278_ordinary", secret=True):
    return services.vote_open(
        actor=demo.user("secretary"),
        title="更换电梯",
        electorate="owners",
        place_id=estate.estate.pk,
        rule=rule,
        closes_at=clock.now() + dt.timedelta(days=7),
        secret=secret,
    )


def _cast(estate, vote, choices: dict[str, str]):
    return {
        k: services.ballot_cast(actor=estate.users[k], vote=vote, choice=c)
        for k, c in choices.items()
    }


def test_the_electorate_counts_multi_unit_owners_once_and_co_owned_units_once(demo, estate):
    vote = _open(demo, estate)
    assert vote.eligible_heads == 5
    assert vote.eligible_area == 40050
    labels = sorted(Elector.objects.filter(vote=vote).values_list("label", flat=True))
    assert labels == [
        "1栋1单元101室、1栋1单元102室",
        "1栋1单元201室",
        "1栋1单元202室",
        "1栋1单元301室",
        "1栋1单元302室",
    ]
    a = Elector.objects.get(vote=vote, label__startswith="1栋1单元101室")
    assert a.area == 15000 and a.heads == 1


def test_participation_fails_on_heads_alone(demo, estate):
    vote = _open(demo, estate)
    _cast(estate, vote, {"A": "yes", "B": "yes", "D": "yes"})
    r = selectors.result_of(vote)
    # 3 of 5 heads: 9 < 10; 300.00 of 400.50 m²: 900 ≥ 801.
    assert (r["participating_heads"], r["participating_area"]) == (3, "300.00")
    assert r["passed"] is False and r["outcome"] == "no_quorum_heads"
    assert "人数" in r["reason"]


def test_participation_fails_on_area_alone(demo, estate):
    vote = _open(demo, estate)
    _cast(estate, vote, {"C": "yes", "D": "yes", "E": "yes", "F": "yes"})
    r = selectors.result_of(vote)
    # 4 of 5 heads: 12 ≥ 10; 250.50 of 400.50 m²: 751.5 < 801.
    assert (r["participating_heads"], r["participating_area"]) == (4, "250.50")
    assert r["passed"] is False and r["outcome"] == "no_quorum_area"


def test_a_tie_at_half_does_not_pass_and_abstentions_participate(demo, estate):
    vote = _open(demo, estate)
    _cast(estate, vote, {"A": "yes", "B": "yes", "D": "no", "E": "abstain"})
    r = selectors.result_of(vote)
    assert r["quorum"] is True
    assert (r["participating_heads"], r["participating_area"]) == (4, "360.00")
    assert (r["yes_heads"], r["yes_area"]) == (2, "230.00")
    assert (r["abstain_heads"], r["abstain_area"]) == (1, "60.00")
    # 2 of 4 heads is not more than half, though 230 of 360 m² is.
    assert r["passed"] is False and r["outcome"] == "not_enough_heads"


def test_ordinary_item_passes_with_more_than_half_of_both(demo, estate):
    vote = _open(demo, estate)
    _cast(estate, vote, {"A": "yes", "C": "yes", "D": "yes", "E": "no"})
    r = selectors.result_of(vote)
    assert r["passed"] is True and r["outcome"] == "passed"


def test_special_item_passes_at_exactly_three_quarters_of_heads(demo, estate):
    vote = _open(demo, estate, rule="art278_special")
    _cast(estate, vote, {"A": "yes", "B": "yes", "D": "yes", "E": "no"})
    r = selectors.result_of(vote)
    # 3 of 4 heads: 12 ≥ 12; 300 of 360 m²: 1200 ≥ 1080.
    assert r["passed"] is True


def test_special_item_fails_on_area(demo, estate):
    vote = _open(demo, estate, rule="art278_special")
    _cast(estate, vote, {"A": "no", "B": "yes", "D": "yes", "E": "yes"})
    r = selectors.result_of(vote)
    # 3 of 4 heads pass; 210 of 360 m²: 840 < 1080.
    assert r["passed"] is False and r["outcome"] == "not_enough_area"


def test_a_co_owned_unit_casts_one_vote_and_an_owner_votes_once(demo, estate):
    vote = _open(demo, estate)
    services.ballot_cast(actor=estate.users["B"], vote=vote, choice="yes")
    with pytest.raises(AlreadyVoted):
        services.ballot_cast(actor=estate.users["C"], vote=vote, choice="no")
    receipt = services.ballot_cast(actor=estate.users["A"], vote=vote, choice="no")
    assert receipt.ballots == 1 and receipt.units == ["1栋1单元101室、1栋1单元102室"]
    with pytest.raises(AlreadyVoted):
        services.ballot_cast(actor=estate.users["A"], vote=vote, choice="yes")
    r = selectors.result_of(vote)
    assert (r["participating_heads"], r["participating_area"]) == (2, "230.00")
    assert (r["no_heads"], r["no_area"]) == (1, "150.00")
    assert Ballot.objects.filter(vote=vote).count() == 2


def test_the_electorate_is_frozen_when_the_registry_changes(demo, estate):
    from tongxin.people.models import DwellingDeed, DwellingOwner

    vote = _open(demo, estate)
    g = estate.add_owner("G", "401", "90.00")  # a new owner after the vote opened
    DwellingDeed.objects.filter(dwelling=estate.dwellings["101"]).update(floor_area="999.00")
    DwellingOwner.objects.filter(person=estate.owners["F"]).delete()  # F sold
    vote.refresh_from_db()
    assert (vote.eligible_heads, vote.eligible_area) == (5, 40050)
    with pytest.raises(NotAnElector):
        services.ballot_cast(actor=estate.users["G"], vote=vote, choice="yes")
    services.ballot_cast(actor=estate.users["F"], vote=vote, choice="yes")  # still on the roll
    services.ballot_cast(actor=estate.users["A"], vote=vote, choice="yes")
    r = selectors.result_of(vote)
    assert r["participating_area"] == "190.50"
    assert g.pk not in vote.electors.values_list("members__person_id", flat=True)


def test_exact_boundaries_without_floats():
    # Exactly two thirds of 300.00 m² is 200.00: participates; 199.99 does not.
    base = dict(eligible_heads=3, participating_heads=2, yes_heads=2)
    ok = counting.decide(
        Rule.ART278_ORDINARY,
        T(eligible_area=30000, participating_area=20000, yes_area=20000, **base),
    )
    short = counting.decide(
        Rule.ART278_ORDINARY,
        T(eligible_area=30000, participating_area=19999, yes_area=19999, **base),
    )
    assert ok.passed and not short.passed and short.code == "no_quorum_area"
    # Neither axis: both named.
    none = counting.decide(Rule.ART278_ORDINARY, T(3, 30000, 1, 100, 1, 100))
    assert none.code == "no_quorum"


@pytest.mark.parametrize(
    ("eligible", "present", "yes", "rule", "passed", "code"),
    [
        (10, 5, 5, "two_thirds_present", False, "no_quorum"),  # half is not more than half
        (10, 6, 4, "two_thirds_present", False, "not_enough_heads"),  # 12 > 12 is false
        (10, 6, 5, "two_thirds_present", True, "passed"),
        (9, 5, 4, "two_thirds_present", True, "passed"),
        (9, 5, 3, "majority_present", True, "passed"),
        (10, 6, 3, "majority_present", False, "not_enough_heads"),  # a tie
    ],
)
def test_meetings_of_representatives_and_residents(eligible, present, yes, rule, passed, code):
    o = counting.decide(rule, T(eligible, 0, present, 0, yes, 0))
    assert (o.passed, o.code) == (passed, code)


def test_secret_ballots_reveal_no_voter_and_the_receipt_verifies(demo, estate):
    from tongxin.core.models import AuditEvent

    vote = _open(demo, estate, secret=True)
    receipts = _cast(estate, vote, {"A": "yes", "D": "no"})
    fields = {f.name for f in Ballot._meta.concrete_fields}
    assert fields == {"id", "vote", "choice", "heads", "area", "receipt_hash", "elector"}
    assert not Ballot.objects.filter(vote=vote, elector__isnull=False).exists()
    assert services.receipt_check(vote, receipts["A"].code) == ["yes"]
    assert services.receipt_check(vote, receipts["D"].code) == ["no"]
    assert services.receipt_check(vote, "notacode") == []
    # The public list says who took part (by unit), never how.
    assert all(u["choice"] is None for u in selectors.public_units(vote))
    # Nothing in the audit log carries a choice.
    details = AuditEvent.objects.filter(action="deliberation.ballot_cast").values_list(
        "detail", flat=True
    )
    assert details and all("choice" not in d and "yes" not in str(d) for d in details)


def test_a_named_vote_lists_each_units_choice(demo, estate):
    vote = _open(demo, estate, secret=False)
    _cast(estate, vote, {"D": "no"})
    listed = {u["units"][0]["unit"]: u["choice"] for u in selectors.public_units(vote)}
    assert listed["1栋1单元202室"] == "no" and listed["1栋1单元301室"] is None
    assert "业主" not in str(selectors.public_units(vote))


def test_the_tally_command_reproduces_the_stored_result(demo, estate, capsys):
    vote = _open(demo, estate)
    _cast(estate, vote, {"A": "yes", "B": "yes", "D": "yes", "E": "no"})
    vote = services.vote_close(actor=demo.user("secretary"), vote=vote)
    assert vote.result["passed"] is True
    call_command("tally_vote", str(vote.pk))
    assert "一致" in capsys.readouterr().out
    Ballot.objects.filter(vote=vote, choice="no").update(choice="yes")  # tampered
    with pytest.raises(CommandError):
        call_command("tally_vote", str(vote.pk))


def test_no_ballot_after_the_closing_time(demo, estate):
    vote = _open(demo, estate)
    with time_machine.travel(vote.closes_at + dt.timedelta(seconds=1), tick=False):
        with pytest.raises(VoteClosed):
            services.ballot_cast(actor=estate.users["A"], vote=vote, choice="yes")
        assert services.close_due_votes() >= 1  # the demo's vote closes too
    assert Vote.objects.get(pk=vote.pk).state == "closed"


def test_only_managers_open_votes(demo, estate):
    from tongxin.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.vote_open(
            actor=demo.user("resident"),
            title="x",
            electorate="owners",
            place_id=estate.estate.pk,
            rule="art278_ordinary",
            closes_at=clock.now() + dt.timedelta(days=1),
        )


def test_households_vote_by_one_adult_each(demo, estate):
    from tongxin.deliberation.models import ElectorMember
    from tongxin.people.models import Person

    a = estate.owners["A"]
    child = Person.objects.create(
        name="小明",
        place=a.place,
        place_path=a.place_path,
        household=a.household,
        relation="child",
        birth_date=clock.today().replace(year=clock.today().year - 10, day=1),
    )
    vote = services.vote_open(
        actor=demo.user("secretary"),
        title="居民会议",
        electorate="households",
        place_id=estate.estate.pk,
        rule="majority_present",
        closes_at=clock.now() + dt.timedelta(days=1),
    )
    assert vote.eligible_heads == 6  # A, B, C, D, E, F each head a household
    assert not ElectorMember.objects.filter(vote=vote, person=child).exists()
    for k in ("A", "B", "C"):
        services.ballot_cast(actor=estate.users[k], vote=vote, choice="yes")
    r = selectors.result_of(vote)
    # 3 of 6 present is not more than half.
    assert r["outcome"] == "no_quorum" and r["eligible_area"] == "0.00"
    services.ballot_cast(actor=estate.users["D"], vote=vote, choice="no")
    r = selectors.result_of(vote)
    assert r["passed"] is True  # 3 of 4 present


def test_representatives_are_the_post_holders_under_the_place(demo):
    from tongxin.orgs.models import Post

    grid = demo.grid(1)
    vote = services.vote_open(
        actor=demo.user("secretary"),
        title="居民代表会议",
        electorate="representatives",
        place_id=grid.pk,
        rule="two_thirds_present",
        closes_at=clock.now() + dt.timedelta(days=1),
    )
    expected = (
        Post.objects.active(clock.today())
        .filter(place_path__startswith=grid.path, role__in=services.votes.REPRESENTATIVE_ROLES)
        .values("person_id")
        .distinct()
        .count()
    )
    assert expected > 0 and vote.eligible_heads == expected
