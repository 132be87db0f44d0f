"""Sweep every open case's clocks now: the safety net behind the queued clock checks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tongxin.cases.services import case_sweep_clocks
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("对所有未办结案件检查时限（预警与超时升级），补做错过的检查。")

    def handle(self, *args: Any, **options: Any) -> None:
        acted = case_sweep_clocks()
        self.stdout.write(_("检查完毕：处理了 {acted} 个到点的时限节点").format(acted=acted))
