"""The in-app inbox, and the record of what other channels (SMS, WeChat…) delivered."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.models import AppendOnlyModel
from tongxin.core.scoping import Scope, ScopedManager
from tongxin.people.models import Person


class Message(models.Model):
    """One notification to one person: a new assignment, a deadline warning, a change of
    state for the reporter. ``recipient`` is empty for a reporter known only by a phone
    number; then only the external channels carry it (``address`` is the masked number)."""

    recipient = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("收件人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    address = models.CharField(gettext_lazy("外部地址"), max_length=40, blank=True)
    kind = models.CharField(gettext_lazy("类型"), max_length=32)
    subject = models.CharField(gettext_lazy("标题"), max_length=120)
    body = models.TextField(gettext_lazy("内容"), max_length=2000, blank=True)
    link = models.CharField(gettext_lazy("链接"), max_length=200, blank=True)
    topic = models.CharField(gettext_lazy("关联对象"), max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(gettext_lazy("时间"), default=clock.now)
    read_at = models.DateTimeField(gettext_lazy("已读时间"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("消息")
        verbose_name_plural = gettext_lazy("消息")
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return self.subject

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Each person reads only their own messages."""
        return Q(recipient_id__in=scope.person_ids) & Q(recipient__isnull=False)


class Delivery(AppendOnlyModel):
    """What one channel did with one message (sent, logged, failed).

    Append-only (``AppendOnlyModel``, ``AppendOnlyManager``): it is the record of what a
    gateway was handed, so it must not be rewritten afterwards; a retry is a new row. It goes
    with its message when the message itself is deleted (the foreign key cascades)."""

    class Status(models.TextChoices):
        SENT = "sent", gettext_lazy("已发送")
        LOGGED = "logged", gettext_lazy("已记录")
        FAILED = "failed", gettext_lazy("发送失败")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices)
    at = models.DateTimeField(default=clock.now)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = gettext_lazy("消息投递")
        verbose_name_plural = gettext_lazy("消息投递")

    def __str__(self) -> str:
        return f"{self.message_id} {self.channel} {self.status}"
