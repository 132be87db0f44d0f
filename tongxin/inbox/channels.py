"""Channels that carry a message beyond the in-app inbox.

A channel is a class with a ``name`` and ``send(message) -> (status, detail)``; the settings
list which ones run (``TONGXIN_NOTIFY_CHANNELS``). An SMS or WeChat sender is one more class:
it reads the recipient's number or openid itself and says what happened. ``LogChannel``
sends nothing: it writes what would be sent to the log and the delivery record, which is what
a deployment without a gateway (and every test) uses.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Delivery, Message

logger = logging.getLogger("tongxin.notify")


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> tuple[str, str]:
        """Deliver ``message``; answer a ``Delivery.Status`` and a short detail."""
        ...


class LogChannel:
    """Records what an SMS gateway would be asked to send; sends nothing."""

    name = "log"

    def send(self, message: Message) -> tuple[str, str]:
        to = message.address or (f"person:{message.recipient_id}" if message.recipient_id else "")
        text = _("【同心】{subject}").format(subject=message.subject) + (
            f"：{message.body}" if message.body else ""
        )
        logger.info("notify to=%s kind=%s text=%s", to, message.kind, text[:200])
        return Delivery.Status.LOGGED, f"to={to} {text}"[:500]


def configured_channels() -> list[Channel]:
    return [import_string(path)() for path in settings.TONGXIN_NOTIFY_CHANNELS]
