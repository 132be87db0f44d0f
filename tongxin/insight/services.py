"""The weekly spike alert: last week's topics in each community against their own baseline;
a spike is told to the community's secretary (inbox), once per community, topic and week."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.inbox.services import notify
from tongxin.orgs.models import Post
from tongxin.orgs.roles import Role
from tongxin.places.models import Place

from . import selectors, trends
from .models import TrendAlert

NOTIFY_KIND = "trend_spike"


def secretaries_of(community: Place, on: dt.date) -> list[int]:
    """The persons holding the community's secretary post (else its deputies) on ``on``."""
    for role in (Role.SECRETARY, Role.DEPUTY_SECRETARY):
        ids = list(
            Post.objects.active(on)
            .filter(place=community, role=role)
            .order_by("rank", "pk")
            .values_list("person_id", flat=True)
        )
        if ids:
            return ids
    return []


def alert_spikes(*, today: dt.date | None = None) -> str:
    """For every community: the last complete week's count of each topic against the weeks
    before it (``trends.is_spike``); each new spike is recorded (``TrendAlert``) and its
    secretary told. Idempotent: a spike already told is not told again."""
    today = today or clock.today()
    last_week = trends.week_of(today) - dt.timedelta(days=7)
    sent = 0
    for community in Place.objects.filter(kind="community").order_by("path"):
        table = selectors.trend_table(None, community, weeks=1, today=last_week)
        for row in table.topics:
            if not row.spikes[-1]:
                continue
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        alert = TrendAlert.objects.create(
                            community=community,
                            topic=row.code,
                            week=last_week,
                            count=row.counts[-1],
                            baseline=_baseline(community, row.code, last_week),
                        )
                except IntegrityError:
                    continue  # told already
                link = (
                    reverse("insight:texts")
                    + "?"
                    + urlencode(
                        {"place": community.pk, "topic": row.code, "week": last_week.isoformat()}
                    )
                )
                notify(
                    recipients=secretaries_of(community, today),
                    kind=NOTIFY_KIND,
                    subject=_("民情热点突增：{name}").format(name=row.name),
                    body=_(
                        "{place}{week}这一周“{name}”共 {count} 条，明显高于此前每周平均 "
                        "{baseline} 条，请关注居民的集体诉求。"
                    ).format(
                        place=community.name,
                        week=last_week.isoformat(),
                        name=row.name,
                        count=row.counts[-1],
                        baseline=f"{alert.baseline:.1f}",
                    ),
                    link=link,
                    topic=f"trend:{alert.pk}",
                )
                audit.record(
                    actor=None,
                    action="insight.spike_alert",
                    obj=alert,
                    detail={"topic": row.code, "count": alert.count},
                )
                sent += 1
    return f"{sent}"


def _baseline(community: Place, topic: str, week: dt.date) -> float:
    start = week - dt.timedelta(weeks=trends.BASELINE_WEEKS)
    items = selectors.weekly_items(None, community, start, week)
    return sum(1 for _w, t, _k, _pk in items if t == topic) / trends.BASELINE_WEEKS
