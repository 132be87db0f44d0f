"""The paper side of a vote: printable ballot sheets, paper ballots entered once per head with
a receipt, and the public result as CSV (units and areas, never a name)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tongxin.core import clock
from tongxin.deliberation import services
from tongxin.deliberation.models import Ballot, Elector

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _open(demo, estate, secret=True):
    return services.vote_open(
        actor=demo.user("secretary"),
        title="更换电梯",
        electorate="owners",
        place_id=estate.estate.pk,
        rule="art278_ordinary",
        closes_at=clock.now() + dt.timedelta(days=7),
        secret=secret,
    )


def test_ballot_sheets_are_printed_per_head_for_managers_only(demo, estate):
    vote = _open(demo, estate)
    page = demo.client("secretary").get(f"/deliberation/votes/{vote.pk}/sheets/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("data-sheet=") == 5  # A's two units are one sheet, B and C's one
    assert "1栋1单元101室、1栋1单元102室" in html and "150.00㎡" in html
    assert "业主A" not in html
    r = demo.client("resident").get(f"/deliberation/votes/{vote.pk}/sheets/")
    assert r.status_code in (403, 404)
    c = estate.users["A"]
    from django.test import Client

    owner = Client()
    owner.force_login(c)
    assert owner.get(f"/deliberation/votes/{vote.pk}/sheets/").status_code == 403
    assert owner.get(f"/deliberation/votes/{vote.pk}/paper/").status_code == 403


def test_a_paper_ballot_is_entered_once_with_a_receipt(demo, estate):
    vote = _open(demo, estate)
    a = Elector.objects.get(vote=vote, label__startswith="1栋1单元101室")
    c = demo.client("secretary")
    r = c.post(f"/deliberation/votes/{vote.pk}/paper/enter/", {"elector_id": a.pk, "choice": "no"})
    assert r.status_code == 302
    page = c.get(f"/deliberation/votes/{vote.pk}/paper/").content.decode()
    assert 'id="paper-code"' in page
    assert f'data-elector="{a.pk}"' not in page  # no longer pending
    again = c.get(f"/deliberation/votes/{vote.pk}/paper/").content.decode()
    assert 'id="paper-code"' not in again  # the receipt is shown once
    c.post(f"/deliberation/votes/{vote.pk}/paper/enter/", {"elector_id": a.pk, "choice": "yes"})
    assert list(Ballot.objects.filter(vote=vote).values_list("choice", "area")) == [("no", 15000)]
    # The owner online is told their unit has voted.
    with pytest.raises(Exception) as exc:
        services.ballot_cast(actor=estate.users["A"], vote=vote, choice="yes")
    assert exc.value.__class__.__name__ == "AlreadyVoted"
    # Bad input: a message, nothing written.
    r = c.post(f"/deliberation/votes/{vote.pk}/paper/enter/", {"elector_id": "x", "choice": "yes"})
    assert r.status_code == 302 and Ballot.objects.filter(vote=vote).count() == 1


def test_paper_ballots_through_the_api(demo, estate):
    vote = _open(demo, estate)
    c = demo.client("secretary")
    units = c.get(f"/api/v1/votes/{vote.pk}/units").json()["items"]
    d = next(u for u in units if u["units"][0]["unit"].endswith("202室"))
    body = json.dumps({"elector_id": d["id"], "choice": "yes"})
    r = c.post(f"/api/v1/votes/{vote.pk}/paper-ballots", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["units"] == ["1栋1单元202室"]
    code = r.json()["receipt"]
    r = c.post(f"/api/v1/votes/{vote.pk}/paper-ballots", body, content_type="application/json")
    assert r.status_code == 409
    check = c.post(
        f"/api/v1/votes/{vote.pk}/receipt",
        json.dumps({"receipt": code}),
        content_type="application/json",
    )
    assert check.json() == {"counted": True, "choices": ["yes"]}
    owner_body = json.dumps({"elector_id": d["id"], "choice": "no"})
    from django.test import Client

    owner = Client()
    owner.force_login(estate.users["E"])
    r = owner.post(
        f"/api/v1/votes/{vote.pk}/paper-ballots", owner_body, content_type="application/json"
    )
    assert r.status_code == 403


@pytest.mark.parametrize("secret", [True, False])
def test_the_result_csv_lists_units_and_areas_never_names(demo, estate, secret):
    vote = _open(demo, estate, secret=secret)
    for k, choice in (("A", "yes"), ("B", "no"), ("D", "yes"), ("E", "yes")):
        services.ballot_cast(actor=estate.users[k], vote=vote, choice=choice)
    services.vote_close(actor=demo.user("secretary"), vote=vote)
    r = demo.client("secretary").get(f"/deliberation/votes/{vote.pk}/result.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert not [p.name for p in estate.owners.values() if p.name in text]  # no owner's name
    lines = text.splitlines()
    assert "参与,4,360.00" in lines and "同意,3,280.00" in lines
    assert ("1栋1单元302室,40.50,否" if secret else "1栋1单元302室,40.50,否,") in lines
    if secret:
        assert "1栋1单元201室,80.00,是" in lines  # took part; the choice is not shown
    else:
        assert "1栋1单元201室,80.00,是,反对" in lines
