"""Delivering messages through the configured channels (in the task worker)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver(message_ids: list[int]) -> int:
    from .channels import configured_channels
    from .models import Delivery, Message

    sent = 0
    channels = configured_channels()
    for message in Message.objects.filter(pk__in=message_ids).order_by("pk"):
        for channel in channels:
            try:
                status, detail = channel.send(message)
            except Exception as exc:  # a gateway failure must not lose the other deliveries
                status, detail = Delivery.Status.FAILED, f"{type(exc).__name__}: {exc}"[:500]
            Delivery.objects.create(
                message=message, channel=channel.name, status=status, detail=detail
            )
            sent += 1
    return sent
