"""The phone-first pages: the resident reads a notice, the grid worker sees who has not, the
resident opens their contact card."""

from __future__ import annotations

import pytest

from tongxin.notices import services
from tongxin.notices.models import NoticeReceipt
from tongxin.orgs.models import Post

pytestmark = pytest.mark.django_db


def test_resident_reads_and_grid_worker_follows_up(demo):
    head = demo.user("building")
    building = Post.objects.active().get(person=head.person, role="building_head").place
    notice = services.notice_publish(
        actor=demo.user("secretary"), audience_place=building, title="电梯检修通知", body="周三停运"
    )
    resident = demo.client("resident")
    page = resident.get("/notices/").content.decode()
    assert f'data-notice="{notice.pk}"' in page and "电梯检修通知" in page
    assert "周三停运" in resident.get(f"/notices/{notice.pk}/").content.decode()
    assert NoticeReceipt.objects.get(notice=notice, person=demo.user("resident").person).read_at
    receipts = demo.client("grid1").get(f"/notices/{notice.pk}/receipts/").content.decode()
    assert f'data-person="{demo.user("resident").person_id}"' not in receipts
    assert f'data-person="{head.person_id}"' in receipts
    assert demo.client("resident").get(f"/notices/{notice.pk}/receipts/").status_code == 403


def test_contact_card_page(demo):
    page = demo.client("resident").get("/contact-card/").content.decode()
    assert 'id="contact-card"' in page and 'data-role="grid_worker"' in page
    admin = demo.client("sysadmin").get("/contact-card/")
    assert admin.status_code == 200 and 'id="contact-card"' not in admin.content.decode()
