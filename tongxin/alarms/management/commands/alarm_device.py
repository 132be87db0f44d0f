"""``manage.py alarm_device``: play a 爱心铃 through the broker, for the demo and the tests.
``--press``, ``--cancel``, ``--fall``, ``--heartbeat`` or ``--battery N`` on the device
``--device CODE``, or on a demo device in grid N (``--demo-grid N``). Exits 0 once the broker
has acknowledged the message (QoS 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tongxin.alarms.models import Device, DeviceState
from tongxin.alarms.mqtt import Button
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("模拟爱心铃：通过消息服务器按铃、取消、上报心跳或电量")

    def add_arguments(self, parser: Any) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--device", default="", help=lazy_str("设备编号"))
        which.add_argument("--demo-grid", type=int, default=0, help=lazy_str("演示网格序号"))
        act = parser.add_mutually_exclusive_group(required=True)
        for name in ("press", "cancel", "fall", "heartbeat"):
            act.add_argument(f"--{name}", action="store_true")
        act.add_argument("--battery", type=int, default=None)
        parser.add_argument("--password", default="")

    def handle(self, *args: Any, **o: Any) -> None:
        device = self._device(o["device"], o["demo_grid"])
        kind = (
            next(k for k in ("press", "cancel", "fall", "heartbeat") if o[k])
            if (o["battery"] is None)
            else "battery"
        )
        extra = {"level": o["battery"]} if kind == "battery" else {}
        button = Button(device.code, password=o["password"])
        try:
            button.connect()
            seq = button.send(kind, **extra)
        except (OSError, TimeoutError) as exc:
            raise CommandError(_("消息服务器不可用：{error}").format(error=exc)) from exc
        finally:
            button.close()
        self.stdout.write(
            _("已发送：{code} {kind} #{seq}").format(code=device.code, kind=kind, seq=seq)
        )

    def _device(self, code: str, grid: int) -> Device:
        from tongxin.places.models import Place

        qs = Device.objects.filter(state=DeviceState.ACTIVE)
        if code:
            found = qs.filter(code=code).first()
        else:
            grids = list(Place.objects.filter(kind="grid").order_by("path"))
            if not 1 <= grid <= len(grids):
                raise CommandError(_("没有第 {n} 个网格").format(n=grid))
            found = qs.filter(grid=grids[grid - 1]).order_by("-online", "code").first()
        if found is None:
            raise CommandError(_("找不到可用的爱心铃设备"))
        return found
