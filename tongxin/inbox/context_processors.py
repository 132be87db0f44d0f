"""The unread count beside 消息 in the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.person_id:
        return {}
    from .models import Message

    return {"inbox_unread": Message.objects.visible_to(user).filter(read_at__isnull=True).count()}
