"""Background tasks of notices: thin adapters around the services."""

from __future__ import annotations

from django_tasks import task


@task()
def remind_booking(booking_id: int) -> bool:
    """Remind the resident of their booking the day before (nothing if it was cancelled)."""
    from .services import booking_remind

    return booking_remind(booking_id=booking_id)
