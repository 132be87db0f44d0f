"""What the alliance holds about a person, for their right of access (我的数据): their link as
an in-service party member to the unit that employs them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {"alliance.inservicemember": "in_service"}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import InServiceMember

    section = Section("in_service", _("在职党员（双报到）"), True)
    for m in InServiceMember.objects.filter(person=person).select_related("unit"):
        section.records.append(
            [Item("unit", _("工作单位"), m.unit.name), Item("since", _("起始日期"), m.since)]
        )
    return [section]
