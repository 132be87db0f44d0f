"""业委会 elections on the hand-computed estate: nomination, the negative list (registry and
findings), publication, one owners' vote per candidate, the committee's posts."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxin.core import clock
from tongxin.core.errors import TransitionRefused
from tongxin.deliberation import services
from tongxin.deliberation.errors import ElectionNotReady
from tongxin.orgs.models import Organisation, Post

FINDINGS = ("illegal_building", "structural_damage", "illegal_letting")


def _clear(sec, c, **failed):
    for rule in FINDINGS:
        services.candidate_finding(
            actor=sec,
            candidate=c,
            rule=rule,
            failed=rule in failed,
            note=failed.get(rule, ""),
        )


def test_an_election_from_nomination_to_the_committees_posts(demo, estate):
    sec = demo.user("secretary")
    e = services.election_create(
        actor=sec, place_id=estate.estate.pk, title="第一届业委会", seats=3
    )
    # A property company over the estate employs F: not eligible.
    company = Organisation.objects.add_root(
        instance=Organisation(kind="property_company", code="TVE-PM", name="物业")
    )
    company.places.add(estate.estate)
    Post.objects.create(person=estate.owners["F"], role="staff", organisation=company)
    cands = {}
    for k in ("A", "B", "D", "E", "F"):
        cands[k] = services.candidate_nominate(actor=estate.users[k], election=e, statement="")
    assert cands["F"].state == "ineligible" and cands["F"].checks["property_staff"]["failed"]
    assert cands["A"].state == "eligible" and not cands["A"].checks["owner"]["failed"]
    with pytest.raises(ElectionNotReady):
        services.election_publish(actor=sec, election=e)  # findings missing
    for k in ("A", "B", "D"):
        _clear(sec, cands[k])
    _clear(sec, cands["E"], illegal_letting="2026年群租整治台账：未整改")
    cands["E"].refresh_from_db()
    assert cands["E"].state == "ineligible"
    services.election_publish(actor=sec, election=e)
    # A resident sees the published eligible candidates, never the checks.
    from tongxin.deliberation import selectors

    seen = selectors.candidates_of(estate.users["D"], e)
    assert sorted(c.person_id for c in seen) == sorted(estate.owners[k].pk for k in ("A", "B", "D"))
    services.election_open(actor=sec, election=e, closes_at=clock.now() + dt.timedelta(days=3))
    cands = {k: type(c).objects.get(pk=c.pk) for k, c in cands.items()}
    votes = {k: cands[k].vote for k in ("A", "B", "D")}
    ballots = {
        "A": {"A": "yes", "B": "yes", "D": "yes", "E": "yes", "F": "yes"},
        "B": {"A": "yes", "B": "yes", "D": "yes", "E": "yes", "F": "no"},
        "D": {"A": "no", "B": "no", "D": "yes", "E": "no"},
    }
    for cand, by in ballots.items():
        for voter, choice in by.items():
            services.ballot_cast(actor=estate.users[voter], vote=votes[cand], choice=choice)
    with pytest.raises(TransitionRefused):
        services.candidate_nominate(actor=estate.users["C"], election=e)
    services.election_decide(actor=sec, election=e)
    e.refresh_from_db()
    assert e.state == "decided"
    states = {k: type(c).objects.get(pk=c.pk).state for k, c in cands.items()}
    assert states == {
        "A": "elected",
        "B": "elected",
        "D": "not_elected",
        "E": "ineligible",
        "F": "ineligible",
    }
    committee = Organisation.objects.get(pk=e.committee_id)
    assert committee.kind == "owners_committee"
    posts = {p.person_id: p.role for p in Post.objects.filter(organisation=committee)}
    assert posts == {estate.owners["A"].pk: "director", estate.owners["B"].pk: "committee_member"}


def test_a_non_owner_is_not_eligible_and_only_managers_act(demo, estate):
    from tongxin.core.errors import Forbidden

    sec = demo.user("secretary")
    e = services.election_create(actor=sec, place_id=estate.estate.pk, title="补选", seats=3)
    c = services.candidate_nominate(actor=demo.user("resident"), election=e)
    assert c.checks["owner"]["failed"] and c.state == "ineligible"
    with pytest.raises(Forbidden):
        services.election_publish(actor=estate.users["A"], election=e)
    with pytest.raises(Forbidden):
        services.candidate_nominate(
            actor=estate.users["A"], election=e, person_id=estate.owners["B"].pk
        )


def test_the_election_pages_on_a_phone(demo, estate):
    from django.test import Client

    from tongxin.deliberation import services as svc
    from tongxin.deliberation.models import Candidate, Election

    sec = demo.user("secretary")
    e = svc.election_create(actor=sec, place_id=estate.estate.pk, title="第一届业委会选举", seats=3)
    owner = Client()
    owner.force_login(estate.users["A"])
    listed = owner.get("/deliberation/elections/").content.decode()
    assert f'data-election="{e.pk}"' in listed
    page = owner.get(f"/deliberation/elections/{e.pk}/").content.decode()
    assert 'id="nominate"' in page and 'data-rule="illegal_building"' in page
    r = owner.post(f"/deliberation/elections/{e.pk}/nominate/", {"statement": "热心公益"})
    assert r.status_code == 302
    c = Candidate.objects.get(election=e, person=estate.owners["A"])
    assert c.statement == "热心公益"
    page = owner.get(f"/deliberation/elections/{e.pk}/").content.decode()
    assert 'id="nominate"' not in page  # once
    assert f'data-candidate="{c.pk}"' not in page  # not published yet: residents see nobody
    assert 'data-check="owner"' not in page  # the checks are the managers'
    mgr = demo.client("secretary").get(f"/deliberation/elections/{e.pk}/").content.decode()
    assert f'data-candidate="{c.pk}"' in mgr and 'data-check="illegal_building"' in mgr
    # Publishing without the findings recorded: refused with a message, nothing changes.
    r = demo.client("secretary").post(f"/deliberation/elections/{e.pk}/publish/")
    assert r.status_code == 302 and Election.objects.get(pk=e.pk).state == "nominating"
    # An owner cannot move the election on.
    assert owner.post(f"/deliberation/elections/{e.pk}/publish/").status_code == 403
    r = demo.client("secretary").post(f"/deliberation/elections/{e.pk}/open/", {"days": "x"})
    assert r.status_code == 302 and Election.objects.get(pk=e.pk).state == "nominating"


def test_the_managers_record_the_findings_on_the_page(demo, estate):
    from django.test import Client

    from tongxin.deliberation.models import Candidate, Election

    sec = demo.client("secretary")
    e = services.election_create(
        actor=demo.user("secretary"), place_id=estate.estate.pk, title="换届选举", seats=3
    )
    c = services.candidate_nominate(actor=estate.users["A"], election=e)
    url = f"/deliberation/elections/{e.pk}/candidates/{c.pk}/finding/"
    page = sec.get(f"/deliberation/elections/{e.pk}/").content.decode()
    assert f'action="{url}"' in page and 'name="verdict"' in page
    # 不符合 without its basis: a message, nothing recorded; no verdict: the same.
    sec.post(url, {"rule": "illegal_letting", "verdict": "fail", "note": ""})
    sec.post(url, {"rule": "illegal_letting", "verdict": "", "note": ""})
    assert "illegal_letting" not in Candidate.objects.get(pk=c.pk).checks
    for rule in FINDINGS:
        r = sec.post(url, {"rule": rule, "verdict": "pass", "note": "已核查台账"})
        assert r.status_code == 302
    assert Candidate.objects.get(pk=c.pk).state == "eligible"
    # An owner may not record a finding.
    owner = Client()
    owner.force_login(estate.users["B"])
    refused = owner.post(url, {"rule": "illegal_letting", "verdict": "fail", "note": "x"})
    assert refused.status_code in (403, 404)
    assert Candidate.objects.get(pk=c.pk).state == "eligible"
    page = sec.get(f"/deliberation/elections/{e.pk}/").content.decode()
    assert "已核查台账" in page and Election.objects.get(pk=e.pk).state == "nominating"
