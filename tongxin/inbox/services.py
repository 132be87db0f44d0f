"""Sending notifications: the inbox row now, the other channels after the commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tongxin.core import clock, taskqueue
from tongxin.core.actors import Actor
from tongxin.core.scoping import access

from .models import Message


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    subject: str,
    body: str = "",
    link: str = "",
    topic: str = "",
    address: str = "",
) -> list[Message]:
    """One message per recipient person (duplicates and ``None`` dropped); with no person but
    an ``address`` (a reporter known by phone only), one message for the external channels.
    The channels run in the task worker once the transaction commits."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    rows = [
        Message(recipient_id=pid, kind=kind, subject=subject, body=body, link=link, topic=topic)
        for pid in ids
    ]
    if not rows and address:
        rows = [Message(address=address, kind=kind, subject=subject, body=body, topic=topic)]
    if not rows:
        return []
    rows = Message.objects.bulk_create(rows)
    from .tasks import deliver

    # With the write's other tasks, in one statement when the transaction commits.
    taskqueue.defer(deliver, [m.pk for m in rows])
    return rows


def message_mark_read(*, actor: Actor, message_id: int) -> Message:
    message = access(Message.objects.visible_to(actor), message_id)
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


def messages_mark_all_read(*, actor: Actor) -> int:
    return (
        Message.objects.visible_to(actor).filter(read_at__isnull=True).update(read_at=clock.now())
    )
