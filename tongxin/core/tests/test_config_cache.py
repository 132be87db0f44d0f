"""The configuration cache (``core.config_cache``): a configuration table is read once per
process, and every way of changing it (save, delete, queryset update, bulk create) or another
process's change (a new version in the shared cache) makes the next read load it again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongxin.cases import config
from tongxin.cases.models import WorkCalendarDay
from tongxin.core import config_cache

DAY = dt.date(2031, 5, 6)
SPAN = (dt.date(2031, 1, 1), dt.date(2031, 12, 31))


def reads() -> tuple[dict[dt.date, bool], int]:
    with CaptureQueriesContext(connection) as ctx:
        value = config.calendar_overrides(*SPAN)
    return value, len(ctx.captured_queries)


@pytest.mark.django_db
def test_read_once_then_from_memory():
    assert reads() == ({}, 1)
    assert reads() == ({}, 0)


@pytest.mark.django_db
def test_every_kind_of_write_is_seen_at_once():
    reads()
    row = WorkCalendarDay.objects.create(date=DAY, is_workday=False, note="test")
    assert reads() == ({DAY: False}, 1)
    row.is_workday = True
    row.save()
    assert reads()[0] == {DAY: True}
    WorkCalendarDay.objects.filter(date=DAY).update(is_workday=False)  # no per-row signal
    assert reads()[0] == {DAY: False}
    WorkCalendarDay.objects.bulk_create([WorkCalendarDay(date=DAY.replace(day=7), is_workday=True)])
    assert reads()[0] == {DAY: False, DAY.replace(day=7): True}
    WorkCalendarDay.objects.filter(date__gte=DAY).delete()
    assert reads() == ({}, 1)


@pytest.mark.django_db
def test_another_processs_change_is_seen_within_the_check_interval(monkeypatch):
    reads()
    # Another process changed the table: the rows and the shared version, not our memory.
    WorkCalendarDay.objects.bulk_create([WorkCalendarDay(date=DAY, is_workday=False)])
    config_cache.clear()
    reads()
    key = "tongxin:config:cases.calendar"
    WorkCalendarDay.objects.all()._raw_delete(connection.alias)  # bypasses our queryset
    assert reads() == ({DAY: False}, 0)  # still held: the version did not move
    cache.set(key, int(cache.get(key) or 0) + 1, None)
    monkeypatch.setattr(config_cache, "CHECK_SECONDS", 0.0)
    assert reads() == ({}, 1)


@pytest.mark.django_db
def test_values_expire_after_their_maximum_age(monkeypatch):
    reads()
    monkeypatch.setattr(config_cache, "MAX_AGE_SECONDS", 0.0)
    assert reads()[1] == 1
