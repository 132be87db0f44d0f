"""The device registry's pages: register a button for a resident of one's care scope (find
them, fill in the card, see the password once), list with status and search filters a page at
a time, revoke; a grid worker sees and registers only in their own grid."""

from __future__ import annotations

import pytest
import time_machine

from tongxin.alarms.models import Device, DeviceState
from tongxin.visits.tests.helpers import fresh, head_building, tag

from .helpers import at, elder

pytestmark = pytest.mark.dates


def test_a_grid_worker_registers_a_button_and_sees_it_listed_with_its_password_once(demo):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        (person,) = fresh(demo, under=head_building(demo), n=1, skip=40)
        tag(person, "living_alone")
        grid1 = demo.client("grid1")
        found = grid1.get("/alarms/devices/new/", {"q": person.name})
        assert found.status_code == 200
        assert f'data-person="{person.pk}"' in found.content.decode()
        form = grid1.get("/alarms/devices/new/", {"person": person.pk}).content.decode()
        assert f'action="/alarms/devices/new/{person.pk}/"' in form
        done = grid1.post(
            f"/alarms/devices/new/{person.pk}/", {"code": "axl-page-1", "conditions": "糖尿病"}
        )
        assert done.status_code == 200
        assert "no-store" in done.get("Cache-Control", "") or "max-age=0" in done.get(
            "Cache-Control", ""
        )
        device = Device.objects.get(code="axl-page-1")
        assert device.person == person and device.conditions == "糖尿病"
        assert device.place_id == person.place_id and device.credential_hash
        page = done.content.decode()
        assert 'id="device-done"' in page
        # A bad code is refused with a message, nothing registered.
        bad = grid1.post(f"/alarms/devices/new/{person.pk}/", {"code": "a b/c"}, follow=True)
        assert "设备编号只能包含" in bad.content.decode()
        assert not Device.objects.filter(code="a b/c").exists()
        listed = grid1.get("/alarms/devices/").content.decode()
        assert f'data-device="{device.pk}"' in listed and "从未上线" in listed
        # grid2 (care staff of another grid) finds nobody here and may not register them.
        grid2 = demo.client("grid2")
        assert (
            f'data-person="{person.pk}"'
            not in grid2.get("/alarms/devices/new/", {"q": person.name}).content.decode()
        )
        assert grid2.post(f"/alarms/devices/new/{person.pk}/", {}).status_code == 404
        assert f'data-device="{device.pk}"' not in grid2.get("/alarms/devices/").content.decode()
        # A building head holds no care scope: not for them.
        assert demo.client("building").get("/alarms/devices/new/").status_code == 403


def test_the_registry_filters_by_status_and_resident_and_pages(demo, settings):
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        e = elder(demo)
        device = e["device"]
        Device.objects.filter(pk=device.pk).update(online=True, battery=12)
        grid1 = demo.client("grid1")

        def shown(**query) -> bool:
            page = grid1.get("/alarms/devices/", query).content.decode()
            return f'data-device="{device.pk}"' in page

        assert shown(status="low_battery") and shown(status="online")
        assert not shown(status="offline") and not shown(status="revoked")
        assert shown(q="axl-test") and shown(q=e["person"].name)
        assert not shown(q="no-such-device")
        grid1.post(f"/alarms/devices/{device.pk}/revoke/")
        device.refresh_from_db()
        assert device.state == DeviceState.REVOKED
        assert shown(status="revoked") and not shown(status="online")
        # A page at a time.
        settings.TONGXIN_PAGE_SIZE = 2
        total = Device.objects.visible_to(demo.user("grid1")).count()
        first = grid1.get("/alarms/devices/").content.decode()
        assert first.count('data-device="') == min(2, total)
        if total > 2:
            assert 'rel="next"' in first
