"""The main pages and the API's error messages, rendered in English, carry no Chinese text.

Chinese is the source language; every interface text is translated through the English
catalogue. To tell interface text from data, the test first turns every stored text that
contains Chinese (names, addresses, category names, notes, skill words) into ASCII
("d<row id>"), inside the test's transaction: whatever Chinese is left on an English page is
an untranslated interface text — a literal that escaped gettext, or a catalogue entry that is
missing. The language switch names each language in itself, so its "简体中文" is allowed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.urls import reverse

HAN = re.compile(r"[\u3400-\u9fff]+")
OWN_NAME = re.compile(r'<option value="zh-hans" lang="zh-hans"[^>]*>简体中文</option>')

pytestmark = pytest.mark.django_db


def _ascii(value: Any, tag: str) -> Any:
    if isinstance(value, str):
        return HAN.sub(tag, value)
    if isinstance(value, list):
        return [_ascii(v, tag) for v in value]
    if isinstance(value, dict):
        return {k: _ascii(v, tag) for k, v in value.items()}
    return value


def asciify_stored_text() -> None:
    """Every stored text containing Chinese becomes ASCII (raw SQL: history tables refuse
    ``update()`` by design, and this is the test's own rolled-back transaction)."""
    regexp = "~" if connection.vendor == "postgresql" else "REGEXP"
    pattern = "'[一-龥]'"
    with connection.cursor() as cursor:
        for model in apps.get_models():
            meta = model._meta
            if not model.__module__.startswith("tongxin.") or meta.proxy or not meta.managed:
                continue
            table, pk = meta.db_table, meta.pk.column
            for field in meta.concrete_fields:
                if isinstance(field, models.JSONField):
                    column = field.column
                    cursor.execute(f'SELECT "{pk}", "{column}" FROM "{table}"')
                    for row_id, raw in cursor.fetchall():
                        # SQLite keeps JSON as text with \u escapes: look at the decoded value.
                        value = json.loads(raw) if isinstance(raw, str) else raw
                        if value is None or not HAN.search(json.dumps(value, ensure_ascii=False)):
                            continue
                        cursor.execute(
                            f'UPDATE "{table}" SET "{column}" = %s WHERE "{pk}" = %s',
                            [json.dumps(_ascii(value, "d")), row_id],
                        )
                elif isinstance(field, (models.CharField, models.TextField)) and not field.choices:
                    column = field.column
                    cursor.execute(
                        f'UPDATE "{table}" SET "{column}" = \'d\' || CAST("{pk}" AS TEXT) '
                        f'WHERE "{column}" {regexp} {pattern}'
                    )


def chinese_in(html: str) -> list[str]:
    html = OWN_NAME.sub("", html)
    found = []
    for m in HAN.finditer(html):
        found.append(html[max(0, m.start() - 60) : m.end() + 20].replace("\n", " "))
    return found


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def _pages(demo: Any) -> dict[str, list[str]]:
    from tongxin.cases.models import Case
    from tongxin.orgs.models import Organisation
    from tongxin.people.models import Household, Person
    from tongxin.places.models import Place
    from tongxin.volunteering.models import Activity

    grid_worker = demo.user("grid1")
    case = Case.objects.visible_to(grid_worker).order_by("-id").first()
    person = Person.objects.visible_to(grid_worker).order_by("id").first()
    household = Household.objects.visible_to(grid_worker).order_by("id").first()
    place = Place.objects.visible_to(grid_worker).filter(kind="building").first()
    org = Organisation.objects.visible_to(grid_worker).order_by("id").first()
    activity = Activity.objects.order_by("-id").first()
    assert case and person and household and place and org and activity
    staff = [
        reverse("workbench:home"),
        reverse("cases:worklist"),
        reverse("cases:detail", args=[case.pk]),
        reverse("people:list"),
        reverse("people:detail", args=[person.pk]),
        reverse("people:household", args=[household.pk]),
        reverse("places:browser"),
        reverse("places:detail", args=[place.pk]),
        reverse("orgs:tree"),
        reverse("orgs:detail", args=[org.pk]),
        reverse("emap:map"),
        reverse("inbox:list"),
        reverse("volunteering:home"),
        reverse("volunteering:activities"),
        reverse("volunteering:activity", args=[activity.pk]),
        reverse("people:import"),
        reverse("second_factor_setup"),
        reverse("password_change"),
    ]
    resident = [
        reverse("workbench:home"),
        reverse("cases:report"),
        reverse("cases:worklist"),
        reverse("people:my_data"),
        reverse("volunteering:home"),
        reverse("volunteering:rewards"),
        reverse("volunteering:leaderboard"),
    ]
    return {"grid1": staff, "secretary": [reverse("volunteering:volunteers")], "resident": resident}


def test_the_main_pages_render_in_english_without_chinese(demo: Any) -> None:
    pages = _pages(demo)
    asciify_stored_text()
    problems: dict[str, list[str]] = {}
    for role, urls in pages.items():
        client = english(demo.client(role))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            assert 'lang="en"' in response.content.decode()
            if found := chinese_in(response.content.decode()):
                problems[f"{role} {url}"] = found[:8]
    login = english(Client()).get(reverse("login"))
    if found := chinese_in(login.content.decode()):
        problems["anonymous /login/"] = found[:8]
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_the_api_answers_errors_in_the_callers_language(demo: Any) -> None:
    client = demo.api("grid1")
    missing = client.get("/api/v1/cases/999999999", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert not HAN.search(missing.json()["message"]), missing.json()
    bad = client.post(
        "/api/v1/cases", data={}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["fields"] and not HAN.search(json.dumps(body, ensure_ascii=False)), body
    chinese = client.get("/api/v1/cases/999999999", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert HAN.search(chinese.json()["message"])


def test_the_language_switch_sets_the_language_for_the_next_pages(demo: Any) -> None:
    client = demo.client("grid1")
    home = client.get(reverse("workbench:home")).content.decode()
    assert 'name="language"' in home and 'lang="zh-CN"' in home
    answer = client.post(reverse("set_language"), {"language": "en", "next": "/cases/"})
    assert answer.status_code == 302 and answer["Location"] == "/cases/"
    assert 'lang="en"' in client.get("/cases/").content.decode()
