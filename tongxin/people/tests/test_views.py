"""Resident search, person and household pages, and the import and export pages.

Each page is tried from the side that must not see: grid 1's worker (who also stands in as
B角 for grid 4) must receive nothing located in grid 2.
"""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from tongxin.conftest import run_queued_tasks
from tongxin.core.validators import id_check_char
from tongxin.people import importer
from tongxin.people.models import CareTag, Household, ImportJob, Person
from tongxin.places.models import Place
from tongxin.workbench.tests.helpers import (
    clear_id_number,
    clear_phone,
    html,
    linked_household_ids,
    linked_person_ids,
)

MASKED_PHONE = re.compile(r"^\d{3}\*{4}\d{4}$")
MASKED_ID = re.compile(r"^\*{14}[\dX]{4}$")


def in_grid(n_grid, demo):
    return Person.objects.filter(place_path__prefix=demo.grid(n_grid).path, is_active=True)


def resident_of(demo, n_grid, **filters):
    return (
        in_grid(n_grid, demo)
        .filter(household__isnull=False, **filters)
        .exclude(phone_cipher="")
        .order_by("id")
        .first()
    )


def assert_nothing_of_grid2(demo, response):
    shown = linked_person_ids(response)
    assert not Person.objects.filter(pk__in=shown, place_path__prefix=demo.grid(2).path).exists()
    households = linked_household_ids(response)
    assert not Household.objects.filter(
        pk__in=households, place_path__prefix=demo.grid(2).path
    ).exists()
    visible = set(Person.objects.visible_to(demo.user("grid1")).values_list("pk", flat=True))
    assert shown <= visible


# ---------------------------------------------------------------------------- search


@pytest.mark.parametrize("q", ["", "王", "zh", "l", "1234", "0"])
def test_search_results_stay_in_scope(demo, q):
    response = demo.client("grid1").get("/people/", {"q": q})
    assert response.status_code == 200
    assert_nothing_of_grid2(demo, response)
    for person in response.context["page_obj"].object_list:
        assert not person.place_path.startswith(demo.grid(2).path)


def test_search_by_pinyin_initials(demo):
    target = resident_of(demo, 1)
    response = demo.client("grid1").get("/people/", {"q": target.name_initials})
    assert target.pk in {p.pk for p in response.context["page_obj"].paginator.object_list}
    assert all(
        p.name_initials.startswith(target.name_initials)
        or p.name_pinyin.startswith(target.name_initials)
        for p in response.context["page_obj"].object_list
    )


def test_search_by_last_four_and_by_full_number(demo):
    target = resident_of(demo, 1)
    client = demo.client("grid1")
    by_last4 = client.get("/people/", {"q": target.phone_last4})
    assert target.pk in {p.pk for p in by_last4.context["page_obj"].paginator.object_list}
    by_phone = client.get("/people/", {"q": clear_phone(target)})
    assert target.pk in linked_person_ids(by_phone)
    by_id = client.get("/people/", {"q": clear_id_number(target)})
    assert [p.pk for p in by_id.context["page_obj"].object_list] == [target.pk]


def test_search_never_finds_another_grids_resident(demo):
    outsider = resident_of(demo, 2)
    client = demo.client("grid1")
    for q in (clear_phone(outsider), clear_id_number(outsider), outsider.name):
        response = client.get("/people/", {"q": q})
        assert outsider.pk not in {p.pk for p in response.context["page_obj"].paginator.object_list}
    response = client.get("/people/", {"q": clear_id_number(outsider)})
    assert "没有找到符合条件的居民" in html(response)


def test_search_is_paginated_with_the_query_kept(demo, settings):
    settings.TONGXIN_PAGE_SIZE = 5
    client = demo.client("grid1")
    first = client.get("/people/", {"q": "w"})
    assert first.context["page_obj"].paginator.num_pages > 1
    assert "?q=w&amp;page=2" in html(first)
    second = client.get("/people/", {"q": "w", "page": 2})
    assert not set(first.context["page_obj"].object_list) & set(
        second.context["page_obj"].object_list
    )
    assert client.get("/people/", {"q": "w", "page": "abc"}).status_code == 200


def test_list_query_count_is_bounded(demo, settings, django_assert_max_num_queries):
    client = demo.client("grid1")
    for size in (5, 40):
        settings.TONGXIN_PAGE_SIZE = size
        # Every page costs one query for the unread-message badge in the navigation.
        with django_assert_max_num_queries(13):
            assert client.get("/people/").status_code == 200
        with django_assert_max_num_queries(13):
            assert client.get("/people/", {"q": "zh", "page": 2}).status_code == 200


# ---------------------------------------------------------------------------- detail pages


def test_person_and_household_of_another_grid_are_404(demo):
    outsider = resident_of(demo, 2)
    client = demo.client("grid1")
    assert client.get(f"/people/{outsider.pk}/").status_code == 404
    assert client.get(f"/households/{outsider.household_id}/").status_code == 404
    assert client.get("/households/999999999/").status_code == 404
    # …while grid 2's own worker opens them.
    assert demo.client("grid2").get(f"/people/{outsider.pk}/").status_code == 200


def test_person_page_shows_masked_values_only(demo):
    target = resident_of(demo, 1)
    response = demo.client("grid1").get(f"/people/{target.pk}/")
    page = html(response)
    assert target.id_number_masked in page and target.phone_masked in page
    assert clear_id_number(target) not in page and clear_phone(target) not in page
    assert f'href="/households/{target.household_id}/"' in page
    assert "no-store" in response["Cache-Control"]


def test_household_page_lists_members_with_relation_and_tenure(demo):
    target = resident_of(demo, 1)
    household = target.household
    response = demo.client("grid1").get(f"/households/{household.pk}/")
    page = html(response)
    members = Person.objects.filter(household=household, is_active=True)
    for m in members:
        assert m.name in page
        assert m.get_relation_display() in page
        assert m.id_number_masked in page
        assert clear_id_number(m) not in page
        if m.phone_cipher:
            assert clear_phone(m) not in page
    assert household.get_tenure_display() in page
    assert household.dwelling.name in page  # breadcrumb ends at the dwelling
    listed = [m for m, _tags in response.context["members"]]
    assert listed[0].relation == "head"


def test_grid_worker_sees_care_tags_building_head_does_not(demo):
    user = demo.user("building")
    neighbour = (
        Person.objects.visible_to(user)
        .exclude(pk=user.person_id)
        .filter(household__isnull=False)
        .first()
    )
    tag = CareTag.objects.create(person=neighbour, kind="low_income", note="测试")
    head_view = demo.client("building")
    for url in (f"/people/{neighbour.pk}/", f"/households/{neighbour.household_id}/"):
        page = html(head_view.get(url))
        assert "关爱标签" not in page and tag.get_kind_display() not in page
    staff_view = demo.client("secretary")
    assert tag.get_kind_display() in html(staff_view.get(f"/people/{neighbour.pk}/"))
    assert tag.get_kind_display() in html(staff_view.get(f"/households/{neighbour.household_id}/"))


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_admins_see_no_residents(demo, username):
    client = demo.client(username)
    response = client.get("/people/")
    assert not response.context["page_obj"].object_list
    assert not linked_person_ids(response)
    target = resident_of(demo, 1)
    assert client.get(f"/people/{target.pk}/").status_code == 404
    assert client.get(f"/households/{target.household_id}/").status_code == 404


def test_resident_finds_only_their_household(demo):
    user = demo.user("resident")
    response = demo.client("resident").get("/people/")
    shown = {p.pk for p in response.context["page_obj"].paginator.object_list}
    assert shown == set(
        Person.objects.filter(household=user.person.household, is_active=True).values_list(
            "pk", flat=True
        )
    )


def test_detail_pages_query_count_is_bounded(demo, django_assert_max_num_queries):
    target = resident_of(demo, 1)
    client = demo.client("grid1")
    with django_assert_max_num_queries(20):
        assert client.get(f"/people/{target.pk}/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(f"/households/{target.household_id}/").status_code == 200


# ---------------------------------------------------------------------------- export


def test_export_downloads_what_the_user_may_see_masked(demo):
    client = demo.client("grid1")
    page = client.get("/people/export/")
    visible = Person.objects.visible_to(demo.user("grid1")).filter(is_active=True)
    assert page.context["count"] == visible.count()
    response = client.post("/people/export/", {"q": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == visible.count()
    phone_col, id_col, grid_col = (
        header.index("手机号"),
        header.index("身份证号"),
        header.index("所属网格"),
    )
    assert all(not r[phone_col] or MASKED_PHONE.match(r[phone_col]) for r in body)
    assert all(not r[id_col] or MASKED_ID.match(r[id_col]) for r in body)
    assert demo.grid(2).name not in {r[grid_col] for r in body}


def test_export_with_a_filter(demo):
    target = resident_of(demo, 1)
    client = demo.client("grid1")
    assert client.get("/people/export/", {"q": target.phone_last4}).context["count"] >= 1
    response = client.post("/people/export/", {"q": clear_id_number(target)})
    rows = list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert len(rows) == 2 and rows[1][0] == target.name
    none = client.post("/people/export/", {"q": "不存在的人名"})
    assert none.status_code == 400 and "没有符合条件的居民" in html(none)


@pytest.mark.parametrize("username", ["building", "resident", "sysadmin"])
def test_export_and_import_are_refused_to_non_staff(demo, username):
    client = demo.client(username)
    for url in ("/people/export/", "/people/import/", "/people/import/template/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/people/export/").status_code == 403


# ---------------------------------------------------------------------------- import


def make_id(birth: str, seq: int) -> str:
    body = f"420902{birth}{seq:03d}"
    return body + id_check_char(body)


def workbook_upload(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append([c.title for c in importer.COLUMNS])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("居民.xlsx", buf.getvalue())


def row(code, name, id_number, relation):
    return [code, name, id_number, "", relation, "群众", "户籍人口", "汉族", "退休", "", "自有"]


def empty_dwelling(grid: Place) -> Place:
    return (
        Place.objects.filter(path__prefix=grid.path, kind="dwelling")
        .exclude(households__isnull=False)
        .order_by("path")
        .first()
    )


def test_import_template_downloads(demo):
    response = demo.client("grid1").get("/people/import/template/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    header = [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert "姓名" in header and "身份证号" in header


def test_import_page_refuses_a_missing_or_unreadable_file(demo):
    client = demo.client("grid1")
    page = client.get("/people/import/")
    assert page.status_code == 200 and "下载导入模板" in html(page)
    assert "请选择" in html(client.post("/people/import/", {}))
    bad = client.post("/people/import/", {"file": SimpleUploadedFile("a.xlsx", b"not excel")})
    assert bad.status_code == 400 and "无法读取" in html(bad)
    assert not ImportJob.objects.exists()


def test_import_with_a_bad_row_shows_each_error_and_writes_nothing(
    demo, django_capture_on_commit_callbacks
):
    client = demo.client("grid1")
    d = empty_dwelling(demo.grid(1))
    good = make_id("19700101", 33)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            "/people/import/",
            {
                "file": workbook_upload(
                    [
                        row(d.code, "王建国", good, "户主"),
                        row(d.code, "王小明", bad, "子女"),
                    ]
                )
            },
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/import/{job.pk}/"
    # While queued, the page polls itself; the htmx poll gets only the fragment.
    waiting = client.get(f"/people/import/{job.pk}/")
    assert 'hx-trigger="every 1s"' in html(waiting) and "排队等待中" in html(waiting)
    fragment = client.get(f"/people/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert "<html" not in html(fragment) and 'hx-trigger="every 1s"' in html(fragment)
    for enqueue in queued:
        enqueue()
    assert run_queued_tasks() == 1
    done = client.get(f"/people/import/{job.pk}/", HTTP_HX_REQUEST="true")
    page = html(done)
    assert "hx-trigger" not in page  # finished: polling stops
    assert "第3行" in page and "身份证号" in page and "校验位" in page
    assert "未导入任何数据" in page
    assert Person.objects.count() == before


def test_import_of_a_valid_file_reports_success(demo, django_capture_on_commit_callbacks):
    client = demo.client("grid1")
    d = empty_dwelling(demo.grid(1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/people/import/",
            {
                "file": workbook_upload(
                    [
                        row(d.code, "欧阳明", make_id("19600101", 11), "户主"),
                        row(d.code, "李秀兰", make_id("19620202", 22), "配偶"),
                    ]
                )
            },
        )
    assert run_queued_tasks() == 1
    job = ImportJob.objects.get()
    page = html(client.get(f"/people/import/{job.pk}/"))
    assert "导入成功" in page and "新增居民 2 人" in page
    listing = html(client.get("/people/import/"))
    assert f'href="/people/import/{job.pk}/"' in listing


def test_import_jobs_are_private_to_their_author(demo, django_capture_on_commit_callbacks):
    d = empty_dwelling(demo.grid(1))
    with django_capture_on_commit_callbacks(execute=False):
        demo.client("grid1").post(
            "/people/import/",
            {
                "file": workbook_upload(
                    [
                        row(d.code, "欧阳明", make_id("19600101", 11), "户主"),
                    ]
                )
            },
        )
    job = ImportJob.objects.get()
    other = demo.client("secretary")
    assert other.get(f"/people/import/{job.pk}/").status_code == 404
    assert f"/people/import/{job.pk}/" not in html(other.get("/people/import/"))
