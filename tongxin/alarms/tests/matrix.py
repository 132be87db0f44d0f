"""The alarm's rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and the
subject it is tried on: a resident living alone in the building head's building (grid A) with
a 爱心铃, paired for 天天敲门 with the building head and grid1; the button was pressed and the
first step paged the helpers (building, grid1).

- the desk and the alarm list: anyone signed in, each seeing only their own alarms; the subject
  alarm reaches the care staff over grid A (grid1, secretary) and whoever it paged (building);
- one alarm, its acts, a phone's reveal: the same three (the reveal through people's audited
  reveal: the building head as a paged responder, grid1 and the secretary by their posts);
- the device registry and the registration page: care staff anywhere (grid1, grid2,
  secretary), the list scoped; registering a button for the subject person (the matrix's
  resident in grid A) and revoking the subject's device: the care staff over them;
- the measures: anyone signed in (numbers of their own scope only).
"""

from __future__ import annotations

from typing import Any

from tongxin.core.tests.matrix_roles import SIGNED_IN

RESPONDERS = frozenset({"building", "grid1", "secretary"})
CARE = frozenset({"grid1", "secretary"})
CARE_ANYWHERE = frozenset({"grid1", "grid2", "secretary"})

# name → (allowed, kind, method, data)
RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "alarms:desk": (RESPONDERS, "list", "GET", {}),
    "alarms:detail": (RESPONDERS, "object", "GET", {}),
    "alarms:act": (RESPONDERS, "object", "POST", {}),
    "alarms:reveal": (RESPONDERS, "object", "POST", {}),
    "alarms:devices": (CARE_ANYWHERE, "object", "GET", {}),
    "alarms:revoke": (CARE, "object", "POST", {}),
    "alarms:device_new": (CARE_ANYWHERE, "object", "GET", {}),
    "alarms:device_register": (CARE, "object", "POST", {"conditions": "矩阵测试"}),
    "api:list_alarms": (RESPONDERS, "list", "GET", {}),
    "api:alarm_measures": (SIGNED_IN, "signed_in", "GET", {}),
    "alarms:measures": (SIGNED_IN, "signed_in", "GET", {}),
    "api:get_alarm": (RESPONDERS, "object", "GET", {}),
    "api:alarm_action": (RESPONDERS, "object", "POST", {"outcome": "handled"}),
    "api:list_alarm_devices": (CARE_ANYWHERE, "object", "GET", {}),
}

ARGUMENTS = {"alarm_id": "alarm", "device_id": "alarm_device", "contact_id": "alarm_person"}


def subject(demo: Any) -> dict[str, Any]:
    import datetime as dt

    from tongxin.alarms import services
    from tongxin.alarms.services import protocol
    from tongxin.alarms.tests.helpers import body, topic
    from tongxin.core import clock
    from tongxin.visits import services as visits
    from tongxin.visits.tests.helpers import fresh, head_building, tag

    (person,) = fresh(demo, under=head_building(demo), n=1, skip=30)
    tag(person, "living_alone")
    visits.pair_create(
        person=person,
        helpers=[
            (demo.user("building").person, "building_head"),
            (demo.user("grid1").person, "grid_worker"),
        ],
    )
    device, _secret = services.device_register(actor=None, person=person, code="axl-matrix")
    alarm = protocol.handle(topic(device.code), body(device.code, "press", 1)).alarm
    assert alarm is not None
    alarm.next_at = clock.now() - dt.timedelta(seconds=1)
    alarm.save(update_fields=["next_at"])
    services.alarm_tick(alarm.pk)
    return {"alarm": alarm, "alarm_device": device, "alarm_person": person}


def marker(name: str, s: dict[str, Any]) -> str:
    if name == "alarms:desk":
        return f'data-alarm="{s["alarm"].pk}"'
    return f'"id": {s["alarm"].pk}, "kind"'


def list_query(name: str, s: dict[str, Any]) -> dict[str, Any]:
    return {}
