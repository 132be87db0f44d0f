"""The alliance's forms: the agreement written and signed on the page, a unit's suggestion
adopted, the formulas edited and refused with the place of the mistake; nothing half-written."""

from __future__ import annotations

import json

import pytest

from tongxin.alliance.models import Agreement, Alliance, Suggestion
from tongxin.core import clock

pytestmark = pytest.mark.django_db


def test_the_agreement_is_written_with_its_errors_on_the_form_then_signed(ally):
    m = ally.units[1]
    client = ally.demo.client("secretary")
    year = clock.today().year
    url = f"/alliance/units/{m.pk}/agreement/?year={year}"
    assert client.get(url).status_code == 200
    bad = client.post(
        url, {"kind_0": "activities", "text_0": "每季度两次共建活动", "target_0": "零"}
    )
    assert bad.status_code == 200
    assert "请填写数字" in bad.content.decode()
    assert not Agreement.objects.filter(membership=m, year=year).exists()
    good = client.post(
        url,
        {
            "kind_0": "activities",
            "text_0": "每季度两次共建活动",
            "target_0": "8",
            "kind_1": "hours",
            "text_1": "在职党员服务",
            "target_1": "200",
            "note": "双方各派联络员一名",
        },
    )
    assert good.status_code == 302
    a = Agreement.objects.get(membership=m, year=year)
    assert [(c.kind, int(c.target)) for c in a.commitments.order_by("id")] == [
        ("activities", 8),
        ("hours", 200),
    ]
    signed = client.post(f"/alliance/agreements/{a.pk}/sign/", {"signed_on": f"{year}-01-05"})
    assert signed.status_code == 302
    a.refresh_from_db()
    assert a.signed_on and a.signed_on.year == year
    page = client.get(url).content.decode()
    assert "不能再修改" in page
    # The liaison of the unit may not write agreements.
    assert ally.demo.client("member").get(url).status_code in (403, 404)


def test_a_units_suggestion_is_adopted_by_a_manager(ally):
    m = ally.units[0]
    liaison = ally.demo.client("member")
    r = liaison.post(f"/alliance/units/{m.pk}/suggestions/", {"text": "建议每月开放单位食堂"})
    assert r.status_code == 302
    s = Suggestion.objects.get(membership=m, text="建议每月开放单位食堂")
    # The liaison cannot adopt their own suggestion.
    assert liaison.post(f"/alliance/suggestions/{s.pk}/adopt/").status_code in (302, 403, 404)
    s.refresh_from_db()
    assert s.adopted_on is None
    ally.demo.client("secretary").post(f"/alliance/suggestions/{s.pk}/adopt/")
    s.refresh_from_db()
    assert s.adopted_on == clock.today()


def test_a_bad_formula_is_refused_with_its_place_and_a_good_one_kept(ally):
    client = ally.demo.client("secretary")
    url = f"/alliance/{ally.alliance.pk}/formula/"
    assert "regular" in client.get(url).content.decode()
    r = client.post(url, {"which": "units", "formula": "{not json"})
    assert "不是有效的 JSON 对象" in r.content.decode()
    broken = {"parts": [{"code": "p", "label": "平时", "weight": "x", "rules": []}]}
    r = client.post(url, {"which": "units", "formula": json.dumps(broken)})
    assert r.status_code == 200 and "评分办法有误" in r.content.decode()
    assert Alliance.objects.get(pk=ally.alliance.pk).formula == {}
    fine = {
        "parts": [
            {
                "code": "p",
                "label": "平时",
                "weight": "1",
                "rules": [
                    {"code": "a", "label": "活动", "kind": "per_fact", "fact": "x", "points": "1"}
                ],
            }
        ],
        "bands": [{"grade": "合格", "min": "0"}],
    }
    r = client.post(url, {"which": "members", "formula": json.dumps(fine)})
    assert r.status_code == 302
    assert Alliance.objects.get(pk=ally.alliance.pk).member_formula["parts"][0]["code"] == "p"
