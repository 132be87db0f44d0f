"""Who may do what with alarms: responders (anyone an active alarm paged, or who took it) may
reveal the resident's and the family's phone numbers while it is active; managers of devices
are the care staff over the dwelling (``Device.objects.visible_to``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tongxin.core.actors import Actor, person_id_of

from .models import ACTIVE_STATES, Alarm, AlarmPage


def active_alarms_paging(actor: Actor) -> Any:
    me = person_id_of(actor)
    if me is None:
        return Alarm.objects.none()
    paged = AlarmPage.objects.filter(person_id=me).values("alarm_id")
    return Alarm.objects.filter(Q(pk__in=paged) | Q(acked_by_id=me), state__in=ACTIVE_STATES)


def responder_may_reveal(user: Actor, person: Any, field: str) -> bool:
    if field != "phone":
        return False
    alarms = active_alarms_paging(user)
    return alarms.filter(Q(person_id=person.pk) | Q(device__family=person)).exists()
