"""The case pages: reporting through the form (photos, map point, errors), the worklists, the
case page's act forms (allowed, refused, out of order), the reveal, "me too" and the
workbench figures."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from tongxin.cases import services
from tongxin.cases.models import Case, CaseEvent, DepartmentCall
from tongxin.cases.workflow import State
from tongxin.core.models import StoredUpload
from tongxin.core.testing import png_upload
from tongxin.orgs.models import Organisation, OrgKind

pytestmark = pytest.mark.django_db


def png(name: str = "photo.png", colour: str = "red") -> SimpleUploadedFile:
    return png_upload(name, colour=colour)


def text(response) -> str:
    return response.content.decode()


def report(demo, who="resident", grid=1, category="env.garbage", **kwargs):
    g = demo.grid(grid)
    return services.case_report(
        actor=demo.user(who),
        category=category,
        description=kwargs.pop("description", "楼下垃圾堆了三天没人清"),
        lat=g.centroid_lat,
        lng=g.centroid_lng,
        **kwargs,
    )


def case_uploads(case):
    ct = ContentType.objects.get_for_model(Case)
    return StoredUpload.objects.filter(owner_type=ct, owner_id=str(case.pk))


# ------------------------------------------------------------------------------ report form


def test_resident_reports_with_a_photo_on_a_map_point(demo, django_capture_on_commit_callbacks):
    client = demo.client("resident")
    page = client.get("/cases/new/")
    assert page.status_code == 200
    body = text(page)
    assert 'id="case-map"' in body and "leaflet/leaflet.js" in body
    assert '"FeatureCollection"' in body  # the grids of the resident's community
    assert "来源渠道" not in body  # staff-only fields are not offered to residents
    grid = demo.grid(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/cases/new/",
            {
                "category": "municipal.manhole",
                "description": "小区门口井盖缺失，晚上很危险",
                "priority": "urgent",
                "where": "point",
                "lat": f"{grid.centroid_lat:.6f}",
                "lng": f"{grid.centroid_lng:.6f}",
                "photos": [png("a.png"), png("b.png", "blue")],
            },
        )
    assert response.status_code == 302
    case = Case.objects.get(pk=int(re.search(r"/cases/(\d+)/", response["Location"]).group(1)))
    assert case.grid == grid and case.priority == "urgent" and case.channel == "app"
    assert case.reporter_person_id == demo.user("resident").person_id
    assert case_uploads(case).count() == 2
    page = client.get(response["Location"])
    body = text(page)
    assert "已提交，编号" in body and case.ref in body
    assert body.count("/files/") >= 2  # thumbnails of the photos
    assert 'id="case-map-view"' in body


def test_failed_report_leaves_the_photos_unattached_and_shows_the_form(demo):
    client = demo.client("resident")
    before = Case.objects.count()
    response = client.post(
        "/cases/new/",
        {
            "category": "env.garbage",
            "description": "垃圾满了",
            "priority": "normal",
            "where": "point",
            "lat": "10.0",  # far outside every grid
            "lng": "10.0",
            "photos": [png()],
        },
    )
    assert response.status_code == 422
    assert "不在本系统管辖的网格内" in text(response)
    assert Case.objects.count() == before
    stored = StoredUpload.objects.filter(uploaded_by=demo.user("resident"), purpose="case_photo")
    assert stored.count() == 1 and stored.get().owner_type_id is None


def test_report_form_says_what_is_missing(demo):
    client = demo.client("resident")
    response = client.post("/cases/new/", {"category": "", "where": "point", "priority": "normal"})
    assert response.status_code == 422
    body = text(response)
    assert "请在地图上点选问题发生的位置" in body
    assert body.count('class="form-error"') >= 3  # category, description, location


def test_report_by_address_and_by_home(demo):
    client = demo.client("resident")
    home = text(client.get("/cases/new/"))
    assert 'value="home"' in home
    response = client.post(
        "/cases/new/",
        {
            "category": "suggestion",
            "description": "希望增加健身器材",
            "where": "home",
            "priority": "normal",
        },
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.location_source == "place" and case.grid == demo.grid(1)


def test_staff_take_a_hotline_report_on_behalf_of_a_resident(demo):
    client = demo.client("grid1")
    page = text(client.get("/cases/new/"))
    assert "来源渠道" in page and "反映人电话" in page
    grid = demo.grid(1)
    response = client.post(
        "/cases/new/",
        {
            "category": "env.garbage",
            "description": "居民来电：楼道堆放杂物",
            "priority": "normal",
            "where": "point",
            "lat": grid.centroid_lat,
            "lng": grid.centroid_lng,
            "channel": "hotline",
            "reporter_name": "张阿姨",
            "reporter_phone": "13912345678",
            "anonymous": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.channel == "hotline" and case.anonymous and case.reporter_name == "张阿姨"
    body = text(client.get(response["Location"]))
    assert "张阿姨" in body and "139****5678" in body and "13912345678" not in body
    assert "查看完整电话" in body


def test_administrators_may_not_report(demo):
    assert demo.client("sysadmin").get("/cases/new/").status_code == 404


# ------------------------------------------------------------------------------ worklists


def test_worklists_are_scoped_and_filtered(demo):
    case = report(demo)
    grid1 = demo.client("grid1")
    body = text(grid1.get("/cases/"))
    assert f"/cases/{case.pk}/" in body and "我的待办" in body and "待受理" in body
    assert f"/cases/{case.pk}/" in text(grid1.get("/cases/?view=accept"))
    assert f"/cases/{case.pk}/" in text(grid1.get(f"/cases/?view=all&q={case.ref}"))
    assert f"/cases/{case.pk}/" not in text(grid1.get("/cases/?view=all&state=closed"))
    assert f"/cases/{case.pk}/" in text(grid1.get("/cases/?view=all&category=env"))
    assert f"/cases/{case.pk}/" not in text(grid1.get("/cases/?view=all&category=traffic"))
    assert f"/cases/{case.pk}/" not in text(demo.client("grid2").get("/cases/?view=all"))
    # The resident has one tab, their own reports; bad filter values are ignored.
    resident = text(demo.client("resident").get("/cases/?view=dispatch&state=bogus&grid=x"))
    assert f"/cases/{case.pk}/" in resident and "我反映的" in resident and "待分派" not in resident
    secretary = text(demo.client("secretary").get("/cases/"))
    assert "待分派" in secretary and "吹哨报到" in secretary


def test_empty_worklist_says_so(demo):
    body = text(demo.client("member").get("/cases/?view=reported"))
    assert "您还没有反映过问题" in body or "/cases/" in body
    body = text(demo.client("grid1").get("/cases/?view=all&q=没有这样的描述xyz"))
    assert "没有符合条件的诉求" in body


# ------------------------------------------------------------------------------ case page


def test_handle_on_the_case_page_until_closed(demo, django_capture_on_commit_callbacks):
    case = report(demo)
    grid1 = demo.client("grid1")
    page = text(grid1.get(f"/cases/{case.pk}/"))
    assert "确认受理立案" in page and "办理时限" in page
    assert grid1.post(f"/cases/{case.pk}/act/accept/", {"note": ""}).status_code == 302
    # The same act again is out of order: a clear message and 409.
    again = grid1.post(f"/cases/{case.pk}/act/accept/", {})
    assert again.status_code == 409
    assert "不能执行“受理立案”" in text(again)
    assert (
        grid1.post(f"/cases/{case.pk}/act/start/", {"note": "已到现场", "on_site": "1"}).status_code
        == 302
    )
    missing = grid1.post(f"/cases/{case.pk}/act/resolve/", {"result": ""})
    assert missing.status_code == 422 and "请填写处置结果" in text(missing)
    with django_capture_on_commit_callbacks(execute=True):
        done = grid1.post(
            f"/cases/{case.pk}/act/resolve/", {"result": "已清运完毕", "photos": [png()]}
        )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RESOLVED and case_uploads(case).count() == 1

    resident = demo.client("resident")
    page = text(resident.get(f"/cases/{case.pk}/"))
    assert "已清运完毕" in page and "满意" in page and "确认回访评价" in page
    assert "分拨" not in page  # internal events are for staff only
    assert (
        resident.post(f"/cases/{case.pk}/act/feedback/", {"rating": "satisfied"}).status_code == 302
    )
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.feedback == "satisfied"
    assert "分拨" in text(grid1.get(f"/cases/{case.pk}/"))


def test_acts_the_viewer_may_not_do_are_refused(demo):
    case = report(demo)
    resident = demo.client("resident")
    page = text(resident.get(f"/cases/{case.pk}/"))
    assert "受理立案" not in page
    assert resident.post(f"/cases/{case.pk}/act/accept/", {}).status_code == 403
    assert demo.client("grid2").post(f"/cases/{case.pk}/act/accept/", {}).status_code == 404
    assert demo.client("grid1").post(f"/cases/{case.pk}/act/fly/", {}).status_code == 404
    assert demo.client("grid1").get(f"/cases/{case.pk}/act/accept/").status_code == 405


def test_escalate_to_a_department_which_reports_in(demo):
    case = report(demo, who="resident", category="illegal_build")
    secretary = demo.client("secretary")
    services.case_act(actor=demo.user("secretary"), case_id=case.pk, act="accept")
    dept = Organisation.objects.get(kind=OrgKind.DEPARTMENT, department_kind="urban_management")
    page = text(secretary.get(f"/cases/{case.pk}/"))
    assert f'name="org_ids" value="{dept.pk}"' in page
    no_dept = secretary.post(f"/cases/{case.pk}/act/escalate/", {"note": "请城管到场"})
    assert no_dept.status_code == 422 and "请选择至少一个职能部门" in text(no_dept)
    response = secretary.post(
        f"/cases/{case.pk}/act/escalate/", {"org_ids": [dept.pk], "note": "违建需执法"}
    )
    assert response.status_code == 302
    officer = demo.client("dept")
    assert f"/cases/{case.pk}/" in text(officer.get("/cases/?view=escalated"))
    page = text(officer.get(f"/cases/{case.pk}/"))
    assert "确认部门报到" in page
    response = officer.post(
        f"/cases/{case.pk}/act/report_in/",
        {"org_id": dept.pk, "note": "已到场", "result": "已拆除", "done": "1"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    assert DepartmentCall.objects.get(case=case).status == "done"


def test_dispatch_to_a_person_and_merge_by_reference(demo):
    first, second = report(demo), report(demo, description="垃圾桶满了溢出来")
    secretary = demo.client("secretary")
    grid2_person = demo.user("grid2").person_id
    response = secretary.post(
        f"/cases/{first.pk}/act/dispatch/", {"target": f"person:{grid2_person}", "reason": "就近"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.assignee_person_id == grid2_person
    response = secretary.post(f"/cases/{second.pk}/act/merge/", {"into": first.ref})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == State.MERGED and second.merged_into_id == first.pk


def test_reveal_the_reporters_phone_with_a_reason(demo):
    case = report(demo)
    grid1 = demo.client("grid1")
    refused = grid1.post(f"/cases/{case.pk}/reveal/", {"reason": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "请填写查看理由" in text(refused)
    shown = grid1.post(
        f"/cases/{case.pk}/reveal/", {"reason": "回访需联系"}, HTTP_HX_REQUEST="true"
    )
    assert shown.status_code == 200 and re.search(r"1\d{10}", text(shown))
    assert (
        demo.client("resident").post(f"/cases/{case.pk}/reveal/", {"reason": "看看"}).status_code
        == 403
    )


def test_possible_duplicates_and_me_too(demo):
    case = report(demo)
    g = demo.grid(1)
    query = {"category": "env.garbage", "lat": g.centroid_lat, "lng": g.centroid_lng}
    building = demo.client("building")
    near = text(building.get("/cases/nearby/", query))
    assert f'data-case="{case.pk}"' in near and "我也遇到" in near
    assert f'href="/cases/{case.pk}/"' not in near  # not theirs to open
    assert text(building.get("/cases/nearby/", {**query, "category": "traffic"})).strip() == ""
    first = building.post(f"/cases/{case.pk}/act/support/", HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and "已附议（1人）" in text(first)
    again = building.post(f"/cases/{case.pk}/act/support/", HTTP_HX_REQUEST="true")
    assert again.status_code == 422 and "已经附议" in text(again)
    # The reporter sees their own case there, without a "me too" button.
    mine = text(demo.client("resident").get("/cases/nearby/", query))
    assert f'href="/cases/{case.pk}/"' in mine and f"/cases/{case.pk}/act/support/" not in mine
    assert CaseEvent.objects.filter(case=case, act="support").count() == 1


# ------------------------------------------------------------------------------ workbench


def test_workbench_shows_case_figures(demo):
    report(demo)
    secretary = text(demo.client("secretary").get("/"))
    assert "办理情况（按网格）" in secretary and "满意率" in secretary and "第1网格" in secretary
    assert "?view=dispatch" in secretary
    grid1 = text(demo.client("grid1").get("/"))
    assert "在办" in grid1 and "?view=grid&amp;grid=" in grid1 and "办理情况" not in grid1
    resident = text(demo.client("resident").get("/"))
    assert "我要反映" in resident
    assert "民情诉求" not in text(demo.client("sysadmin").get("/"))


def test_the_dispatcher_sees_possible_duplicates_on_the_case_page(demo):
    """A second report of the same problem nearby shows the first as a possible duplicate to
    staff, not to the resident who reported it."""
    from tongxin.cases import services

    resident = demo.user("resident")
    lat, lng = demo.grid(1).centroid_lat, demo.grid(1).centroid_lng
    first = services.case_report(
        actor=resident, category="env.litter", description="楼道里堆满纸箱", lat=lat, lng=lng
    )
    second = services.case_report(
        actor=resident, category="env.litter", description="楼道纸箱还没清", lat=lat, lng=lng
    )
    page = demo.client("grid1").get(f"/cases/{second.pk}/").content.decode()
    assert "疑似重复" in page and first.ref in page
    assert "疑似重复" not in demo.client("resident").get(f"/cases/{second.pk}/").content.decode()
