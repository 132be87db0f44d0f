"""The disclosure's state machine (三务公开), as data (``core.statemachine``): drafted,
submitted to the committee, approved (or sent back to draft), published. Publication is only
from "approved": the committee's approval comes first."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.statemachine import StateMachine

from .models import BookingStatus, DisclosureStatus


class DisclosureAct(models.TextChoices):
    SUBMIT = "submit", gettext_lazy("提交审核")
    APPROVE = "approve", gettext_lazy("审核通过")
    REJECT = "reject", gettext_lazy("退回修改")
    PUBLISH = "publish", gettext_lazy("公开")


DISCLOSURE_MACHINE = StateMachine(
    "notices.disclosure",
    states=DisclosureStatus,
    acts=DisclosureAct,
    subject=gettext_lazy("该公开事项"),
    table={
        DisclosureAct.SUBMIT: {DisclosureStatus.DRAFT: frozenset({DisclosureStatus.SUBMITTED})},
        DisclosureAct.APPROVE: {DisclosureStatus.SUBMITTED: frozenset({DisclosureStatus.APPROVED})},
        DisclosureAct.REJECT: {DisclosureStatus.SUBMITTED: frozenset({DisclosureStatus.DRAFT})},
        DisclosureAct.PUBLISH: {DisclosureStatus.APPROVED: frozenset({DisclosureStatus.PUBLISHED})},
    },
)


class BookingAct(models.TextChoices):
    CANCEL = "cancel", gettext_lazy("取消预约")
    ATTEND = "attend", gettext_lazy("到场")
    NO_SHOW = "no_show", gettext_lazy("记为爽约")


BOOKING_MACHINE = StateMachine(
    "notices.booking",
    states=BookingStatus,
    acts=BookingAct,
    subject=gettext_lazy("该预约"),
    table={
        BookingAct.CANCEL: {BookingStatus.BOOKED: frozenset({BookingStatus.CANCELLED})},
        BookingAct.ATTEND: {
            BookingStatus.BOOKED: frozenset({BookingStatus.ATTENDED}),
            BookingStatus.NO_SHOW: frozenset({BookingStatus.ATTENDED}),
        },
        BookingAct.NO_SHOW: {BookingStatus.BOOKED: frozenset({BookingStatus.NO_SHOW})},
    },
)
