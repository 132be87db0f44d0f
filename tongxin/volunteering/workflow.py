"""Volunteering's state machines, as data (``core.statemachine``): a volunteer's review, a
signup from sign-up to confirmed minutes, and a reward order. The services move the models'
``status`` through these, and only these."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from tongxin.core.statemachine import StateMachine

from .models import OrderStatus, SignupStatus, VolunteerStatus


class ReviewAct(models.TextChoices):
    APPROVE = "approve", gettext_lazy("审核通过")
    DECLINE = "decline", gettext_lazy("审核不通过")


# Review: pending → approved / rejected; approved → suspended; suspended or rejected →
# approved (on a second look).
REVIEW_MACHINE = StateMachine(
    "volunteering.review",
    states=VolunteerStatus,
    acts=ReviewAct,
    subject=gettext_lazy("该志愿者"),
    table={
        ReviewAct.APPROVE: {
            VolunteerStatus.PENDING: frozenset({VolunteerStatus.APPROVED}),
            VolunteerStatus.SUSPENDED: frozenset({VolunteerStatus.APPROVED}),
            VolunteerStatus.REJECTED: frozenset({VolunteerStatus.APPROVED}),
        },
        ReviewAct.DECLINE: {
            VolunteerStatus.PENDING: frozenset({VolunteerStatus.REJECTED}),
            VolunteerStatus.APPROVED: frozenset({VolunteerStatus.SUSPENDED}),
        },
    },
)


class SignupAct(models.TextChoices):
    SIGN_UP = "sign_up", gettext_lazy("报名")
    PROMOTE = "promote", gettext_lazy("候补转正")
    CANCEL = "cancel", gettext_lazy("取消报名")
    CHECK_IN = "check_in", gettext_lazy("签到")
    CHECK_OUT = "check_out", gettext_lazy("签退")
    CONFIRM = "confirm", gettext_lazy("确认时长")


# The signup state machine (``core.statemachine``): act → {from: allowed next states}.
# Signing up (again) takes a place when there is one, else a place on the waiting list.
SIGNUP_MACHINE = StateMachine(
    "volunteering.signup",
    states=SignupStatus,
    acts=SignupAct,
    subject=gettext_lazy("报名"),
    table={
        SignupAct.SIGN_UP: {
            SignupStatus.CANCELLED: frozenset({SignupStatus.SIGNED_UP, SignupStatus.WAITLISTED}),
            SignupStatus.WAITLISTED: frozenset({SignupStatus.SIGNED_UP}),
        },
        SignupAct.PROMOTE: {SignupStatus.WAITLISTED: frozenset({SignupStatus.SIGNED_UP})},
        SignupAct.CANCEL: {
            SignupStatus.SIGNED_UP: frozenset({SignupStatus.CANCELLED}),
            SignupStatus.WAITLISTED: frozenset({SignupStatus.CANCELLED}),
        },
        SignupAct.CHECK_IN: {SignupStatus.SIGNED_UP: frozenset({SignupStatus.CHECKED_IN})},
        SignupAct.CHECK_OUT: {SignupStatus.CHECKED_IN: frozenset({SignupStatus.CHECKED_OUT})},
        SignupAct.CONFIRM: {SignupStatus.CHECKED_OUT: frozenset({SignupStatus.CONFIRMED})},
    },
)


class OrderAct(models.TextChoices):
    FULFIL = "fulfil", gettext_lazy("领取")
    CANCEL = "cancel", gettext_lazy("取消兑换")


ORDER_MACHINE = StateMachine(
    "volunteering.order",
    states=OrderStatus,
    acts=OrderAct,
    subject=gettext_lazy("订单"),
    table={
        OrderAct.FULFIL: {OrderStatus.PLACED: frozenset({OrderStatus.FULFILLED})},
        OrderAct.CANCEL: {OrderStatus.PLACED: frozenset({OrderStatus.CANCELLED})},
    },
)
