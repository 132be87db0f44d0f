"""Sweep every open case's clocks now: the safety net behind the queued clock checks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tongxin.cases.models import Case
from tongxin.cases.services import case_check_clocks
from tongxin.cases.workflow import OPEN_STATES
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


class Command(TranslatedCommand):
    help = lazy_str("对所有未办结案件检查时限（预警与超时升级），补做错过的检查。")

    def handle(self, *args: Any, **options: Any) -> None:
        acted = 0
        ids = Case.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True)
        for case_id in ids.iterator(chunk_size=2000):
            acted += len(case_check_clocks(case_id=case_id))
        self.stdout.write(_("检查完毕：处理了 {acted} 个到点的时限节点").format(acted=acted))
