"""The alarm's tasks: the clock's act on one alarm at its moment (queued by the services with
``run_after``), and the periodic sweep that catches any lost moment and silent devices."""

from __future__ import annotations

from django_tasks import task


@task()
def alarm_tick(alarm_id: int) -> str:
    from .services import alarm_tick as tick

    return tick(alarm_id)


def alarms_sweep() -> str:
    from .services import sweep

    return sweep()


def alarms_prune_log() -> str:
    from .services import prune_device_log

    return prune_device_log()
