"""API for the in-app inbox: each person reads and marks only their own messages
(``Message.objects.visible_to``); anyone else's answers 404 like a missing one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from tongxin.core.api_support import caller, paginate
from tongxin.core.i18n import lazy_str

from .models import Message
from .schemas import MarkedOut, MessageOut, MessagePage
from .services import message_mark_read, messages_mark_all_read

router = Router(tags=["inbox"])


def message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "subject": message.subject,
        "body": message.body,
        "link": message.link,
        "topic": message.topic,
        "created_at": message.created_at,
        "read_at": message.read_at,
        "read": message.read_at is not None,
    }


@router.get("/inbox", response=MessagePage, summary=lazy_str("我的消息"))
def list_messages(request: HttpRequest, unread: bool = False, page: int = 1) -> Any:
    """The caller's messages, newest first; ``unread=true`` lists the unread ones only.
    ``unread_count`` counts all unread messages, whatever the filter."""
    user = caller(request)
    mine = Message.objects.visible_to(user)
    qs = mine.filter(read_at__isnull=True) if unread else mine
    sl = paginate(qs.order_by("-created_at", "-pk"), page)
    return {
        **sl.answer([message_out(m) for m in sl.items]),
        "unread_count": mine.filter(read_at__isnull=True).count(),
    }


@router.post("/inbox/{message_id}/read", response=MessageOut, summary=lazy_str("标记为已读"))
def read_message(request: HttpRequest, message_id: int) -> Any:
    """Mark one of the caller's messages read (again: no change)."""
    return message_out(message_mark_read(actor=caller(request), message_id=message_id))


@router.post("/inbox/read-all", response=MarkedOut, summary=lazy_str("全部标记为已读"))
def read_all_messages(request: HttpRequest) -> Any:
    """Mark every unread message of the caller read; answers how many were marked."""
    return {"marked": messages_mark_all_read(actor=caller(request))}
