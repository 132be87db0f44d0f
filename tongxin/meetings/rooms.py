"""Rooms: the page where a kind of online meeting is held, registered by the app that holds it
(``deliberation`` registers the 微会议 room from its ``AppConfig.ready``; the meeting mechanism
sits below it and links to the room without importing it)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

_ROOMS: dict[str, str] = {}


def register_room(kind_code: str, url_name: str) -> None:
    """The page (a URL name taking ``meeting_id``) of the meetings of kind ``kind_code``."""
    _ROOMS[kind_code] = url_name


def room_url(meeting: Any) -> str:
    """The room of an online meeting, or ``""``."""
    name = _ROOMS.get(meeting.kind.code) if meeting.kind.online else None
    if not name:
        return ""
    try:
        return reverse(name, args=[meeting.pk])
    except NoReverseMatch:
        return ""
