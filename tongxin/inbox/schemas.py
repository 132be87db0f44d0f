"""API schemas for the in-app inbox."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from tongxin.core.api_support import PageMeta


class MessageOut(Schema):
    """One notification to the caller. ``link`` is the page it is about (a case…)."""

    id: int
    kind: str
    subject: str
    body: str
    link: str
    topic: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    read: bool


class MessagePage(PageMeta):
    """A page of messages, and how many of all the caller's messages are unread."""

    unread_count: int
    items: list[MessageOut]


class MarkedOut(Schema):
    marked: int
