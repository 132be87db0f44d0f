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
