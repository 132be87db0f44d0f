"""The community's public notice board: public notices to everyone, without signing in."""

from __future__ import annotations

import pytest
from django.test import Client

from tongxin.core.errors import ValidationFailed
from tongxin.notices import services
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def test_anyone_reads_the_public_notices_and_only_those(demo):
    community = Place.objects.get(path=demo.grid(1).path[:8])
    secretary = demo.user("secretary")
    public = services.notice_publish(
        actor=secretary, audience_place=demo.grid(1), title="甲乙丙公开通知", is_public=True
    )
    private = services.notice_publish(
        actor=secretary, audience_place=demo.grid(1), title="甲乙丙内部通知"
    )
    page = Client().get(f"/board/{community.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-notice="{public.pk}"' in body and f'data-notice="{private.pk}"' not in body
    assert Client().get(f"/board/{demo.grid(1).pk}/").status_code == 404  # not a community
    with pytest.raises(ValidationFailed):
        services.notice_publish(
            actor=secretary,
            audience_place=demo.grid(1),
            title="x",
            audience="staff",
            is_public=True,
        )
