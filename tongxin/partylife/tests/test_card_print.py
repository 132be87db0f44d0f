"""The printed scorecard says where the card stands: a draft is not a result, a published
card names the end of its publicity window (objections within it), a final one is final."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string


def _body(state: str) -> dict:
    return {
        "subject": "第一网格党支部",
        "year": 2026,
        "total": "91.5",
        "stars": 5,
        "state": state,
        "publish_until": dt.date(2026, 12, 30),
        "items": [],
    }


def test_the_printed_card_states_draft_publicity_or_final():
    draft = render_to_string("partylife/card_print.html", {"card": _body("draft")})
    assert "尚未公示" in draft
    published = render_to_string("partylife/card_print.html", {"card": _body("published")})
    assert "公示中，公示至 2026年12月30日" in published
    final = render_to_string("partylife/card_print.html", {"card": _body("final")})
    assert "结果已确定" in final and "公示中" not in final
