"""The service guide (办事指南): the community's and the general entries, searchable."""

from __future__ import annotations

import pytest

from tongxin.notices import selectors
from tongxin.notices.models import ServiceGuide
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def test_search_finds_the_communitys_and_the_general_services(demo):
    community = Place.objects.get(path=demo.grid(1).path[:8])
    low = ServiceGuide.objects.create(
        community=community,
        code="test-dibao",
        title="甲乙丙最低生活保障申请",
        category="民政",
        materials=["身份证", "户口簿", "收入证明"],
        steps=["提交申请", "入户调查", "公示"],
        responsible_role="community_worker",
        forms=[{"name": "申请表", "url": "/static/dibao.docx"}],
    )
    general = ServiceGuide.objects.create(
        code="test-juzhu", title="甲乙丙居住证明", category="综合"
    )
    other = Place.objects.filter(kind="community").exclude(pk=community.pk).first()
    if other is not None:
        ServiceGuide.objects.create(community=other, code="test-dibao", title="甲乙丙低保")
    resident = demo.user("resident")
    assert set(selectors.guide_for(resident, text="甲乙丙")) == {low, general}
    assert list(selectors.guide_for(resident, text="甲乙丙 收入证明")) == [low]
    body = demo.api("resident").get("/api/v1/service-guide", {"q": "甲乙丙居住"}).json()
    assert [g["id"] for g in body["items"]] == [general.pk]
    one = demo.api("resident").get(f"/api/v1/service-guide/{low.pk}").json()
    assert one["materials"] == ["身份证", "户口簿", "收入证明"]
    assert one["forms"][0]["name"] == "申请表" and one["responsible_role_label"]


def _online_service(demo, **extra):
    community = Place.objects.get(path=demo.grid(1).path[:8])
    return ServiceGuide.objects.create(
        community=community,
        code="test-online",
        title="甲乙丙高龄津贴",
        category="民政",
        conditions="年满80周岁",
        materials=["身份证", "户口簿"],
        steps=["提交申请", "审核", "发放"],
        case_category="livelihood.elderly",
        **extra,
    )


def test_the_guide_pages_search_and_show_a_service(demo):
    service = _online_service(demo)
    client = demo.client("resident")
    page = client.get("/guide/", {"q": "甲乙丙 高龄"})
    assert page.status_code == 200
    assert f'data-service="{service.pk}"' in page.content.decode()
    empty = client.get("/guide/", {"q": "没有这种事项甲乙丙"}).content.decode()
    assert 'id="guide-empty"' in empty
    detail = client.get(f"/guide/{service.pk}/").content.decode()
    assert "年满80周岁" in detail and 'id="materials"' in detail and 'id="request-online"' in detail
    # The demo community's one-stop window takes the appointments.
    window = selectors_window(demo, service)
    assert window is not None and f"/studios/{window.pk}/" in detail


def selectors_window(demo, service):
    from tongxin.notices import guide

    return guide.window_for(demo.user("resident"), service)


def test_asking_online_files_a_case_of_the_services_category_at_home(demo):
    from tongxin.cases.models import Case
    from tongxin.core.models import AuditEvent

    service = _online_service(demo)
    resident = demo.user("resident")
    before = Case.objects.count()
    response = demo.client("resident").post(
        f"/guide/{service.pk}/request/", {"note": "老人行动不便，希望上门受理"}
    )
    assert response.status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert Case.objects.count() == before + 1
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.category.code == "livelihood.elderly"
    assert case.place_id == resident.person.place_id
    assert "甲乙丙高龄津贴" in case.description and "上门受理" in case.description
    assert AuditEvent.objects.filter(action="service_guide.request").exists()


def test_a_service_without_online_requests_or_a_caller_without_a_home_is_refused(demo):
    from tongxin.cases.models import Case

    service = _online_service(demo)
    window_only = ServiceGuide.objects.create(
        community=service.community, code="test-window", title="甲乙丙残疾人证"
    )
    before = Case.objects.count()
    client = demo.client("resident")
    response = client.post(f"/guide/{window_only.pk}/request/", {"note": ""}, follow=True)
    assert "不受理在线申请" in response.content.decode()
    too_long = client.post(f"/guide/{service.pk}/request/", {"note": "长" * 501}, follow=True)
    assert "不能超过" in too_long.content.decode()
    assert Case.objects.count() == before
    # Another community's entry is not there at all.
    other = Place.objects.filter(kind="community").exclude(pk=service.community_id).first()
    if other is not None:
        foreign = ServiceGuide.objects.create(community=other, code="test-x", title="甲乙丙外")
        assert client.get(f"/guide/{foreign.pk}/").status_code == 404
        assert client.post(f"/guide/{foreign.pk}/request/").status_code == 404
