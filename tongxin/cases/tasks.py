"""Background tasks of the case workflow: thin adapters around the services."""

from __future__ import annotations

from django_tasks import task


@task()
def check_case_clocks(case_id: int) -> int:
    """Act on the case's deadline moments that have come (queued for each of them)."""
    from .services import case_check_clocks

    return len(case_check_clocks(case_id=case_id))
