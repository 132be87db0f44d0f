"""Publishing a notice from its page (the form, its errors in Chinese), attachments (limits,
scoped downloads through the page and the API), the unread list grouped by stairwell, and the
printed 简报 (HTML and PDF, rendered to PNG to be looked at)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongxin.core.models import StoredUpload
from tongxin.core.testing import png_upload
from tongxin.notices import selectors, services
from tongxin.notices.models import Notice, NoticeReceipt
from tongxin.orgs.models import Post
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def pdf_upload(name: str = "停水安排.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(), content_type="application/pdf")


def form(place, **kw):
    data = {
        "audience_place": place.pk,
        "audience": "residents",
        "care_tag": "",
        "kind": "notice",
        "title": "周六停水",
        "body": "9 点至 12 点停水",
    }
    data.update(kw)
    return data


def outsider(demo):
    """An account for a resident of grid 2 (the demo has none)."""
    from tongxin.accounts.models import User

    person = (
        Person.objects.filter(place_path__startswith=demo.grid(2).path, is_active=True)
        .exclude(pk__in=Post.objects.values("person_id"))
        .order_by("pk")
        .first()
    )
    return User.objects.create_user(username="grid2resident", person=person)


def test_the_secretary_publishes_to_a_grid_with_attachments(demo):
    grid = demo.grid(1)
    client = demo.client("secretary")
    page = client.get("/notices/new/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'value="{grid.pk}"' in body and f'value="{demo.grid(2).pk}"' in body
    response = client.post(
        "/notices/new/",
        {
            **form(grid, pinned="on", valid_until="2099-12-31"),
            "attachments": [png_upload("示意图.png"), pdf_upload()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = Notice.objects.get(title="周六停水")
    assert response["Location"] == f"/notices/{notice.pk}/"
    assert notice.audience_place == grid and notice.pinned and notice.recipient_count > 0
    files = selectors.attachments_of([notice])[notice.pk]
    assert sorted(f.original_name for f in files) == ["停水安排.pdf", "示意图.png"]
    # The resident of grid A reads the notice and its attachments…
    resident = demo.client("resident")
    detail = resident.get(f"/notices/{notice.pk}/").content.decode()
    assert "停水安排.pdf" in detail
    for f in files:
        assert resident.get(f"/files/{f.pk}/").status_code == 200
        api = demo.api("resident").get(f"/api/v1/notices/{notice.pk}/attachments/{f.pk}")
        assert api.status_code == 200
    listed = demo.api("resident").get(f"/api/v1/notices/{notice.pk}").json()
    assert {a["name"] for a in listed["attachments"]} == {"停水安排.pdf", "示意图.png"}
    # …a resident of another grid gets a 404 for both, as for a notice that does not exist.
    other = outsider(demo)
    c = demo.client(other.username)
    assert c.get(f"/notices/{notice.pk}/").status_code == 404
    for f in files:
        assert c.get(f"/files/{f.pk}/").status_code == 404
        api = demo.api(other.username).get(f"/api/v1/notices/{notice.pk}/attachments/{f.pk}")
        assert api.status_code == 404
    assert demo.client("grid2").get(f"/files/{files[0].pk}/").status_code == 404


def test_a_grid_worker_may_publish_to_their_grid_only(demo):
    client = demo.client("grid1")
    body = client.get("/notices/new/").content.decode()
    assert f'value="{demo.grid(1).pk}"' in body and f'value="{demo.grid(2).pk}"' not in body
    refused = client.post("/notices/new/", form(demo.grid(2)))
    assert refused.status_code == 422
    assert "选择一个有效的选项" in refused.content.decode() or "有效" in refused.content.decode()
    assert not Notice.objects.filter(title="周六停水").exists()
    assert demo.client("resident").get("/notices/new/").status_code == 403


@pytest.mark.parametrize(
    ("extra", "field", "says"),
    [
        ({"title": " "}, "title", "必填"),
        ({"kind": "bulletin", "issue_number": ""}, "issue_number", "简报须填写期号"),
        ({"audience": "care_tag"}, "care_tag", "请选择关爱类别"),
        ({"audience": "staff", "is_public": "on"}, "is_public", "只有发给全体居民的通知"),
        ({"valid_until": "2001-01-01"}, "valid_until", "有效期不能早于今天"),
        ({"valid_until": "9999-01-01"}, "valid_until", "日期应在 2000 到 2100 年之间"),
    ],
)
def test_invalid_forms_say_why_next_to_the_field(demo, extra, field, says):
    response = demo.client("secretary").post("/notices/new/", form(demo.grid(1), **extra))
    assert response.status_code == 422
    page = response.content.decode()
    assert says in page and "提交未成功" in page
    assert f'id="id_{field}"' in page
    assert not Notice.objects.exists() or not Notice.objects.filter(title="周六停水").exists()


def test_attachments_are_refused_by_type_and_size_and_nothing_is_published(demo, settings):
    client = demo.client("secretary")
    exe = SimpleUploadedFile("通知.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = client.post("/notices/new/", {**form(demo.grid(1)), "attachments": [exe]})
    assert response.status_code == 422 and "已拒收" in response.content.decode()
    html = SimpleUploadedFile("通知.html", b"<html></html>")
    response = client.post("/notices/new/", {**form(demo.grid(1)), "attachments": [html]})
    assert response.status_code == 422 and "不支持文件" in response.content.decode()
    settings.TONGXIN_UPLOAD_MAX_BYTES = 100
    response = client.post(
        "/notices/new/", {**form(demo.grid(1)), "attachments": [png_upload(size=(64, 64))]}
    )
    assert response.status_code == 422 and "过大" in response.content.decode()
    assert not Notice.objects.filter(title="周六停水").exists()
    assert not StoredUpload.objects.filter(purpose="notice_attachment").exists()


def test_the_api_attaches_files_for_the_publishers_only(demo):
    notice = services.notice_publish(
        actor=demo.user("secretary"), audience_place=demo.grid(1), title="附件测试"
    )
    url = f"/api/v1/notices/{notice.pk}/attachments"
    added = demo.api("grid1").post(url, {"file": [pdf_upload("a.pdf"), png_upload("b.png")]})
    assert added.status_code == 201, added.content
    assert [a["name"] for a in added.json()["items"]] == ["a.pdf", "b.png"]
    assert demo.api("resident").post(url, {"file": [pdf_upload()]}).status_code == 403
    assert demo.api("grid2").post(url, {"file": [pdf_upload()]}).status_code == 404
    empty = demo.api("grid1").post(url, {})
    assert empty.status_code == 422
    bad = demo.api("grid1").post(url, {"file": [SimpleUploadedFile("x.png", b"GIF89a....")]})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "attachments"


def test_the_unread_list_is_grouped_by_building_and_unit(demo):
    notice = services.notice_publish(
        actor=demo.user("secretary"), audience_place=demo.grid(1), title="分组测试"
    )
    resident = demo.user("resident")
    services.notice_open(actor=resident, notice=notice)
    groups = selectors.unread_by_building(demo.user("grid1"), notice)
    unread = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True).count()
    assert sum(g.count for g in groups) == unread
    assert len(groups) > 1 and all(g.building for g in groups)
    keys = [(g.building, g.unit) for g in groups]
    assert len(keys) == len(set(keys))
    for g in groups:  # everyone in a group lives in that building (and unit)
        ids = [p["id"] for p in g.people]
        homes = Person.objects.filter(pk__in=ids).values_list("place_path", flat=True)
        assert g.path and all(h.startswith(g.path) for h in homes)
    client = demo.client("grid1")
    summary = client.get(f"/notices/{notice.pk}/receipts/").content.decode()
    # A whole grid is too long to list at once: the stairwells and their counts first.
    assert summary.count('href="?group=') == len(groups) and 'class="round-group"' not in summary
    page = client.get(f"/notices/{notice.pk}/receipts/?all=1").content.decode()
    assert page.count('class="round-group"') == len(groups)
    assert f'data-person="{resident.person_id}"' not in page
    assert "打印走访单" in page
    one = client.get(f"/notices/{notice.pk}/receipts/?group={groups[1].key}").content.decode()
    assert one.count('class="round-group"') == 1 and one.count("data-person=") == groups[1].count
    api = demo.api("grid1").get(f"/api/v1/notices/{notice.pk}/receipts").json()
    assert [g["count"] for g in api["groups"]] == [g.count for g in groups]
    # grid 2's worker sees none of grid A's people.
    assert selectors.unread_by_building(demo.user("grid2"), notice) == []


def out_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("TONGXIN_PRINT_OUT") or tmp_path)


def test_a_bulletin_prints_on_a4_with_its_masthead(demo, tmp_path):
    notice = services.notice_publish(
        actor=demo.user("secretary"),
        audience_place=demo.grid(1),
        kind="bulletin",
        issue_number=42,
        title="第一网格开展楼道清洁行动",
        body="本周六上午，第一网格党员和志愿者共 30 余人清理楼道杂物。\n居民纷纷点赞。",
    )
    client = demo.client("resident")
    page = client.get(f"/notices/{notice.pk}/bulletin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "简报" in html and "第 42 期" in html and "编印" in html
    response = client.get(f"/notices/{notice.pk}/bulletin.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    plain = services.notice_publish(
        actor=demo.user("secretary"), audience_place=demo.grid(1), title="不是简报"
    )
    assert client.get(f"/notices/{plain.pk}/bulletin.pdf").status_code == 404
    assert demo.client("grid2").get(f"/notices/{notice.pk}/bulletin.pdf").status_code == 404
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF was not rendered")
    out = out_dir(tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bulletin.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 — poppler on the PDF we just wrote
        [pdftoppm, "-png", "-r", "50", str(out / "bulletin.pdf"), str(out / "bulletin")],
        check=True,
    )
    pages = sorted(out.glob("bulletin*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 5000
    from PIL import Image

    with Image.open(pages[0]) as img:  # A4 portrait at 50 dpi
        assert abs(img.width - 413) <= 2 and abs(img.height - 585) <= 2
