"""The open data: public, aggregates only, small counts suppressed (and one more in any line
where a single hidden cell could be worked out from the total), a data dictionary, and no
personal data in any file (the leak scanner, the residents' names, case references,
addresses, the texts of the cases)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from django.test import Client

from tongxin.cases.models import Case
from tongxin.core import testing
from tongxin.datacentre import opendata, rollups
from tongxin.datacentre import report as reports
from tongxin.places.models import Place

pytestmark = pytest.mark.dates


@pytest.fixture
def built(demo: Any) -> Any:
    rollups.rebuild_all()
    return demo


def _months() -> dict[str, str]:
    last = reports.last_month()
    return {"from": f"{reports.add_months(last, -3):%Y-%m}", "to": f"{last:%Y-%m}"}


def test_suppression_hides_small_counts_and_never_one_alone() -> None:
    rows, cols = [1, 2, 9], ["a", "b", "all"]
    grid = {
        (1, "a"): 3, (1, "b"): 20, (1, "all"): 23,
        (2, "a"): 10, (2, "b"): 12, (2, "all"): 22,
        (9, "a"): 13, (9, "b"): 32, (9, "all"): 45,
    }  # fmt: skip
    hidden = opendata.suppress(grid, rows, cols)
    assert (1, "a") in hidden
    for line in [[(r, c) for c in cols] for r in rows] + [[(r, c) for r in rows] for c in cols]:
        assert sum(k in hidden for k in line) != 1, line
    # Nothing small: nothing hidden; zeros are published.
    assert opendata.suppress({(1, "a"): 0, (1, "all"): 7}, [1], ["a", "all"]) == set()


def test_the_open_data_is_public_and_holds_no_personal_data(built: Any) -> None:
    anonymous = Client()
    index = anonymous.get("/datacentre/open/")
    assert index.status_code == 200
    page = index.content.decode()
    assert "数据字典" in page and "suppressed" in page
    street = Place.objects.filter(kind="street").order_by("path").first()
    community = built.grid(1).at_or_above("community")
    texts = [page]
    for place in (street, community):
        r = anonymous.get("/datacentre/open/data.csv", {"place": place.code, **_months()})
        assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
        text = r.content.decode("utf-8-sig")
        texts.append(text)
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows and set(rows[0]) == set(opendata.HEADER)
        for row in rows:
            for figure in opendata.FIGURES:
                value = row[figure]
                assert value == "" or int(value) == 0 or int(value) >= opendata.THRESHOLD
                assert (value == "") == (figure in row["suppressed"].split()), row
        r = anonymous.get("/datacentre/open/data.json", {"place": place.code, **_months()})
        assert r.status_code == 200
        body = json.loads(r.content)
        texts.append(r.content.decode())
        assert body["suppression"]["threshold"] == opendata.THRESHOLD
        assert {d["field"] for d in body["dictionary"]} == set(opendata.HEADER)
        assert len(body["rows"]) == len(rows)
    # The community's rows are its rows in the street's file (suppressed as one table).
    street_rows = list(csv.DictReader(io.StringIO(texts[1])))
    community_rows = list(csv.DictReader(io.StringIO(texts[3])))
    assert community_rows == [r for r in street_rows if r["place_code"] == community.code]
    # Published figures are those of the data centre.
    total = next(
        r for r in community_rows if r["category_code"] == "all" and r["month"] == _months()["to"]
    )
    month = reports.last_month()
    expected = reports.selectors.case_totals(community, month, reports.month_end(month))
    if total["received"]:
        assert int(total["received"]) == expected["received"]
    dictionary = anonymous.get("/datacentre/open/dictionary.csv")
    assert dictionary.status_code == 200
    texts.append(dictionary.content.decode("utf-8-sig"))

    # No personal data: the leak scanner's patterns, no resident's name, no case reference,
    # no address, no case's text.
    from tongxin.people.models import Person

    everything = "\n".join(texts)
    assert testing.find_pii(everything) == []
    names = {n for n in Person.objects.values_list("name", flat=True)[:3000] if len(n) >= 2}
    place_names = set(Place.objects.values_list("name", flat=True))
    assert [n for n in names - place_names if n in everything] == []
    assert not re.search(r"SQ\d{8}-\d{6}", everything)
    addresses = {a for a in Place.objects.exclude(address="").values_list("address", flat=True)}
    assert [a for a in addresses if a in everything] == []
    descriptions = {
        d for d in Case.objects.values_list("description", flat=True)[:2000] if len(d) >= 8
    }
    assert [d for d in descriptions if d in everything] == []


def test_bad_input_is_a_clear_error(built: Any) -> None:
    anonymous = Client()
    street = Place.objects.filter(kind="street").order_by("path").first()
    assert anonymous.get("/datacentre/open/data.csv", {"place": "nope"}).status_code == 404
    grid = built.grid(1)
    assert anonymous.get("/datacentre/open/data.json", {"place": grid.code}).status_code == 404
    future = reports.add_months(reports.last_month(), 1)
    r = anonymous.get("/datacentre/open/data.json", {"place": street.code, "to": f"{future:%Y-%m}"})
    assert r.status_code == 422 and "结束" in r.json()["message"]
    r = anonymous.get(
        "/datacentre/open/data.csv", {"place": street.code, "from": "2000-01", "to": "2026-01"}
    )
    assert r.status_code == 422
