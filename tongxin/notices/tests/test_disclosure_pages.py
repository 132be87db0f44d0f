"""三务公开 on the public board (published ones only) and the managers' disclosure desk."""

from __future__ import annotations

import pytest
from django.test import Client

from tongxin.notices import services
from tongxin.notices.models import Disclosure, DisclosureItem
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def community(demo):
    return Place.objects.get(path=demo.grid(1).path[:8])


def drafted(demo, title):
    return services.disclosure_draft(
        actor=demo.user("secretary"),
        community=community(demo),
        title=title,
        body=f"{title}的内容",
        kind="finance",
        cadence="immediate",
    )


def test_the_board_shows_published_disclosures_only(demo):
    published = drafted(demo, "甲乙丙公开的财务")
    for act, note in (("submit", ""), ("approve", "两委会议 3 月 2 日"), ("publish", "")):
        services.disclosure_act(
            actor=demo.user("secretary"), disclosure_id=published.pk, act=act, note=note
        )
    approved = drafted(demo, "甲乙丙已审未公开")
    for act, note in (("submit", ""), ("approve", "两委会议")):
        services.disclosure_act(
            actor=demo.user("secretary"), disclosure_id=approved.pk, act=act, note=note
        )
    draft = drafted(demo, "甲乙丙草稿")
    body = Client().get(f"/board/{community(demo).pk}/").content.decode()
    assert f'data-disclosure="{published.pk}"' in body and "甲乙丙公开的财务的内容" in body
    assert f'data-disclosure="{approved.pk}"' not in body
    assert f'data-disclosure="{draft.pk}"' not in body


def test_the_desk_shows_the_calendar_and_moves_a_disclosure(demo):
    client = demo.client("secretary")
    items = DisclosureItem.objects.filter(community=community(demo)).count()
    page = client.get("/disclosures/?year=2026")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2026 年公开日历" in html and ('data-status="overdue"' in html or items == 0)
    d = drafted(demo, "季度收支")
    html = client.get("/disclosures/").content.decode()
    assert f'data-disclosure="{d.pk}"' in html and 'data-act="submit"' in html
    assert client.post(f"/disclosures/{d.pk}/act/", {"act": "submit"}).status_code == 302
    no_note = client.post(f"/disclosures/{d.pk}/act/", {"act": "approve"}, follow=True)
    assert "请填写审核意见" in no_note.content.decode()
    client.post(f"/disclosures/{d.pk}/act/", {"act": "approve", "note": "两委会议 12 月 1 日"})
    client.post(f"/disclosures/{d.pk}/act/", {"act": "publish"})
    d.refresh_from_db()
    assert d.status == "published"
    assert Disclosure.objects.get(pk=d.pk).approval_note == "两委会议 12 月 1 日"
    assert demo.client("grid1").get("/disclosures/").status_code == 403
    assert demo.client("resident").get("/disclosures/").status_code == 403
    assert demo.client("grid1").post(
        f"/disclosures/{d.pk}/act/", {"act": "publish"}
    ).status_code in (
        403,
        404,
    )
    assert client.get("/disclosures/?year=abc").status_code == 200


def test_the_desk_drafts_from_the_calendar(demo):
    from tongxin.notices.models import DisclosureItem

    client = demo.client("secretary")
    item = DisclosureItem.objects.filter(community=community(demo), cadence="periodic").first()
    assert item is not None
    page = client.get(f"/disclosures/new/?item={item.pk}&period=2026-Q4")
    assert page.status_code == 200 and 'value="2026-Q4"' in page.content.decode()
    bad = client.post(
        "/disclosures/new/", {"item": item.pk, "period": "2026", "title": "t", "body": "b"}
    )
    assert bad.status_code == 422 and "公开期间的格式" in bad.content.decode()
    ok = client.post(
        "/disclosures/new/",
        {"item": item.pk, "period": "2026-Q4", "title": "第四季度", "body": "内容"},
    )
    assert ok.status_code == 302
    d = Disclosure.objects.get(title="第四季度")
    assert (d.kind, d.cadence, d.status) == (item.kind, item.cadence, "draft")
    immediate = client.post(
        "/disclosures/new/", {"item": "", "kind": "", "title": "即时", "body": "内容"}
    )
    assert immediate.status_code == 422 and "请选择党务、居务或财务" in immediate.content.decode()
    assert demo.client("grid1").get("/disclosures/new/").status_code == 403
