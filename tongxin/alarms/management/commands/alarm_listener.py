"""``manage.py alarm_listener``: subscribe to every 爱心铃's topics and turn each message into
the database through the protocol (``tongxin.alarms.protocol``). Runs until stopped; started
by ``manage.py serve`` (``make run``) next to the web server, the worker and the scheduler."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any

from django.utils.translation import gettext as _

from tongxin.alarms.config import broker, listener_id, topic_root
from tongxin.alarms.mqtt import Listener
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("爱心铃消息监听：订阅设备主题，把按铃、取消、心跳写入系统")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--client-id", default="")

    def handle(self, *args: Any, client_id: str, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_a: stop.set())
        host, port = broker()
        self.stdout.write(
            _("爱心铃监听已启动：{host}:{port} {root}/+/event").format(
                host=host, port=port, root=topic_root()
            )
        )
        with contextlib.suppress(KeyboardInterrupt):
            Listener(client_id=client_id or listener_id()).run(stop)
