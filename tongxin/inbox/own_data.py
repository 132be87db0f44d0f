"""The messages a person received, for their right of access (我的数据)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {"inbox.message": "messages"}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import Message

    section = Section("messages", _("收到的消息"), True)
    for m in Message.objects.filter(recipient=person).order_by("created_at", "id"):
        section.records.append(
            [
                Item("created_at", _("时间"), m.created_at),
                Item("subject", _("标题"), m.subject),
                Item("body", _("内容"), m.body),
                Item("read_at", _("已读时间"), m.read_at),
            ]
        )
    return [section]
