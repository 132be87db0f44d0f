"""Background tasks of volunteering: thin adapters around the services."""

from __future__ import annotations

from django_tasks import task


@task()
def expire_points() -> int:
    """Post the expiry of lapsed points (idempotent: run it daily)."""
    from .services import points_expire

    return points_expire()
