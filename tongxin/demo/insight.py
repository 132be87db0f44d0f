"""Demo for the trends (tongxin/insight): last week, the residents of grid 1 kept telling
their grid worker about the water (a burst main, days of low pressure), so the trend page
shows a spike of 供水 against its quiet baseline. Deterministic from the seed; dated from the
clock. The weekly alert is not run here (the secretary's inbox stays as the other loaders
left it): ``manage.py run_job insight_spikes`` sends it."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from tongxin.accounts.models import User
from tongxin.core import clock
from tongxin.insight.trends import week_of
from tongxin.notices.models import LogEntry, LogSource
from tongxin.places.models import Place

WATER = (
    "3号楼居民反映这两天又停水了，没有看到通知",
    "老人说楼上水压太小，做饭都接不到水",
    "几户居民反映自来水发黄，有铁锈味",
    "楼前路面在冒水，可能是水管爆了",
    "居民问什么时候恢复供水，家里老人洗不了澡",
    "走访时好几家都说这周断断续续停水",
    "居民反映二次供水水箱很久没清洗",
    "停水影响了小饭馆营业，店主来问情况",
    "六楼以上一到晚上就没水",
    "居民说水表走得不对，怀疑管道漏水",
    "独居老人家里没水了，帮忙送了两桶水",
    "楼栋长反映整个单元早上没水",
)


def build(gen: Any) -> dict[str, int]:
    rng = random.Random(gen.seed * 53 + 23)
    grid = Place.objects.filter(kind="grid").order_by("path").first()
    author = User.objects.filter(username="grid1").first()
    if grid is None or author is None:
        return {}
    buildings = list(
        Place.objects.filter(kind="building", path__startswith=grid.path).order_by("path")
    ) or [grid]
    last_week = week_of(clock.today()) - dt.timedelta(days=7)
    start = clock.start_of_day(last_week)
    rows = []
    for i, raised in enumerate(WATER):
        place = rng.choice(buildings)
        at = start + dt.timedelta(days=i % 6, hours=9 + rng.randint(0, 8))
        rows.append(
            LogEntry(
                author=author,
                place=place,
                place_path=place.path,
                occurred_at=at,
                source=LogSource.VISIT if i % 3 else LogSource.CALL,
                raised=raised,
                done="已记录，联系自来水公司核实" if i % 2 else "已告知居民，跟进中",
                tags="供水",
                created_at=at,
            )
        )
    LogEntry.objects.bulk_create(rows)
    return {"insight_log_entries": len(rows)}
