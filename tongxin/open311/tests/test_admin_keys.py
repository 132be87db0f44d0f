"""Admins issue and rotate partner keys in the admin: the key is shown once, only its hash is
kept, and the old key stops working at once."""

from __future__ import annotations

import re

from tongxin.core.models import AuditEvent
from tongxin.open311.models import Jurisdiction, Partner

KEY = re.compile(r"（只显示这一次[^）]*）：([A-Za-z0-9_-]+)")


def test_a_new_partner_gets_a_key_shown_once(demo, open311):
    client = demo.client("sysadmin")
    jurisdiction = Jurisdiction.objects.get(jurisdiction_id="demo.tongxin")
    response = client.post(
        "/admin/open311/partner/add/",
        {
            "name": "随手拍",
            "contact": "a@b.cn",
            "jurisdictions": [jurisdiction.pk],
            "is_active": "on",
        },
        follow=True,
    )
    text = response.content.decode()
    raw = KEY.search(text).group(1)
    partner = Partner.objects.get(name="随手拍")
    assert Partner.by_key(raw) == partner
    assert raw not in partner.key_hash and partner.key_prefix == raw[:8]
    assert AuditEvent.objects.filter(action="open311_key_issued").exists()
    # The list never shows the key again.
    assert raw not in client.get("/admin/open311/partner/").content.decode()


def test_rotating_a_key_retires_the_old_one(demo, open311):
    client = demo.client("sysadmin")
    old = "demo-open311-key"
    response = client.post(
        "/admin/open311/partner/",
        {"action": "rotate_key", "_selected_action": [open311.pk]},
        follow=True,
    )
    new = KEY.search(response.content.decode()).group(1)
    assert Partner.by_key(old) is None
    assert Partner.by_key(new) == open311


def test_only_the_system_admin_manages_partners(demo, open311):
    for role in ("secretary", "secadmin", "auditor"):
        response = demo.client(role).get("/admin/open311/partner/")
        assert response.status_code in (302, 403), role
