"""The messages a person received, for their right of access (我的数据)."""

from __future__ import annotations

from typing import Any

from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {"inbox.message": "messages"}


def sections(user: Any, person: Person) -> list[Section]:
    from .models import Message

    section = Section("messages", "收到的消息", True)
    for m in Message.objects.filter(recipient=person).order_by("created_at", "id"):
        section.records.append(
            [
                Item("created_at", "时间", m.created_at),
                Item("subject", "标题", m.subject),
                Item("body", "内容", m.body),
                Item("read_at", "已读时间", m.read_at),
            ]
        )
    return [section]
