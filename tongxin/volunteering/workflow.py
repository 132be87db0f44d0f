"""Volunteering's state machines, as data (``core.statemachine``): a volunteer's review, a
signup from sign-up to confirmed minutes, and a reward order. The services move the models'
``status`` through these, and only these."""

from __future__ import annotations

from django.db import models

from tongxin.core.statemachine import StateMachine

from .models import OrderStatus, SignupStatus, VolunteerStatus


class ReviewAct(models.TextChoices):
    APPROVE = "approve", "审核通过"
    DECLINE = "decline", "审核不通过"


# Review: pending → approved / rejected; approved → suspended; suspended or rejected →
# approved (on a second look).
REVIEW_MACHINE = StateMachine(
    "volunteering.review",
    states=VolunteerStatus,
    acts=ReviewAct,
    subject="该志愿者",
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
    SIGN_UP = "sign_up", "报名"
    PROMOTE = "promote", "候补转正"
    CANCEL = "cancel", "取消报名"
    CHECK_IN = "check_in", "签到"
    CHECK_OUT = "check_out", "签退"
    CONFIRM = "confirm", "确认时长"


# The signup state machine (``core.statemachine``): act → {from: allowed next states}.
# Signing up (again) takes a place when there is one, else a place on the waiting list.
SIGNUP_MACHINE = StateMachine(
    "volunteering.signup",
    states=SignupStatus,
    acts=SignupAct,
    subject="报名",
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
    FULFIL = "fulfil", "领取"
    CANCEL = "cancel", "取消兑换"


ORDER_MACHINE = StateMachine(
    "volunteering.order",
    states=OrderStatus,
    acts=OrderAct,
    subject="订单",
    table={
        OrderAct.FULFIL: {OrderStatus.PLACED: frozenset({OrderStatus.FULFILLED})},
        OrderAct.CANCEL: {OrderStatus.PLACED: frozenset({OrderStatus.CANCELLED})},
    },
)
