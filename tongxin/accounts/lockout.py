"""Locking out password guessing, per account and per address.

Every attempt is a ``LoginAttempt`` row (in the database, so every web and worker process
sees the same count, on SQLite and PostgreSQL alike). ``TONGXIN_LOCKOUT_FAILURES`` failures
within ``TONGXIN_LOCKOUT_WINDOW``

- for one username lock that account for ``TONGXIN_LOCKOUT_DURATION`` (a successful password
  resets the account's count), whoever tries it and from wherever;
- from one IP address block that address for the same time, whichever accounts it tried
  (successes do not reset it: an attacker holding one good account must not be able to wipe
  their count by logging in to it).

So an attacker guessing passwords runs into the address block after a handful of tries and
cannot go on to lock everyone else's account. Attempts refused because of a lock are recorded
(``locked``) but do not extend it: the lock ends ``DURATION`` after the failure that set it.
A username that does not exist is counted and locked exactly like one that does, so the
answers never reveal which usernames exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, metrics
from tongxin.core.actors import Actor
from tongxin.core.models import AuditEvent

from .models import LoginAttempt

Outcome = LoginAttempt.Outcome


def _duration(name: str, default: dt.timedelta) -> dt.timedelta:
    value = getattr(settings, name, default)
    if isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(seconds=float(value))


def max_failures() -> int:
    return int(getattr(settings, "TONGXIN_LOCKOUT_FAILURES", 5))


def window() -> dt.timedelta:
    return _duration("TONGXIN_LOCKOUT_WINDOW", dt.timedelta(minutes=15))


def duration() -> dt.timedelta:
    return _duration("TONGXIN_LOCKOUT_DURATION", dt.timedelta(minutes=30))


@dataclass(frozen=True)
class Lock:
    """An account (``scope="account"``) or an address (``scope="ip"``) locked until ``until``."""

    scope: str
    until: dt.datetime

    @property
    def message(self) -> str:
        when = format_until(self.until)
        if self.scope == "ip":
            return _("您所在的网络登录失败次数过多，已暂时禁止登录，请于 {when} 后再试。").format(
                when=when
            )
        return _("该账号连续登录失败次数过多，已暂时锁定，请于 {when} 后再试。").format(when=when)


def format_until(moment: dt.datetime) -> str:
    local = clock.local(moment)
    # Round up to the minute so "please try after 14:31" is never a minute early.
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if local.date() == clock.today():
        return f"{local:%H:%M}"
    return _("{month}月{day}日 {time:%H:%M}").format(month=local.month, day=local.day, time=local)


def _locked_until(failures: list[dt.datetime], now: dt.datetime) -> dt.datetime | None:
    """The end of the latest lock still running, given the failure times (ascending)."""
    n = max_failures()
    until = None
    for i in range(n - 1, len(failures)):
        if failures[i] - failures[i - n + 1] <= window():
            end = failures[i] + duration()
            if end > now and (until is None or end > until):
                until = end
    return until


def _lookback(now: dt.datetime) -> dt.datetime:
    return now - window() - duration()


def account_lock(username: str, now: dt.datetime | None = None) -> Lock | None:
    now = now or clock.now()
    rows = (
        LoginAttempt.objects.filter(
            username=username[:150],
            at__gt=_lookback(now),
            at__lte=now,
            outcome__in=[Outcome.FAILED, Outcome.OK],
        )
        .order_by("at", "pk")
        .values_list("at", "outcome")
    )
    failures: list[dt.datetime] = []
    for at, outcome in rows:
        if outcome == Outcome.OK:
            failures = []  # a good password starts the count again
        else:
            failures.append(at)
    until = _locked_until(failures, now)
    return Lock("account", until) if until else None


def ip_lock(ip: str, now: dt.datetime | None = None) -> Lock | None:
    if not ip:
        return None
    now = now or clock.now()
    failures = list(
        LoginAttempt.objects.filter(
            ip=ip, at__gt=_lookback(now), at__lte=now, outcome=Outcome.FAILED
        )
        .order_by("at", "pk")
        .values_list("at", flat=True)
    )
    until = _locked_until(failures, now)
    return Lock("ip", until) if until else None


def current_lock(username: str, ip: str, now: dt.datetime | None = None) -> Lock | None:
    """The lock that refuses this attempt, if any (the account's first)."""
    now = now or clock.now()
    return account_lock(username, now) or ip_lock(ip, now)


def register_attempt(
    *,
    username: str,
    ip: str,
    outcome: str,
    channel: str,
    user: Actor | None = None,
    reason: str = "",
) -> Lock | None:
    """Record one attempt and audit it if it failed or was refused. Returns the lock now in
    force for this username and address (a fifth failure returns the lock it has just set)."""
    now = clock.now()
    username = username[:150]
    LoginAttempt.objects.create(
        username=username, ip=ip[:64], at=now, success=outcome == Outcome.OK, outcome=outcome
    )
    if outcome == Outcome.OK:
        return None
    metrics.LOGIN_FAILURES.labels(channel, outcome).inc()
    actor = user if user is not None and user.is_authenticated else None
    detail = {"username": username, "channel": channel}
    if outcome == Outcome.LOCKED:
        audit.record(
            actor=actor,
            action="login",
            result=AuditEvent.Result.DENIED,
            detail={**detail, "reason": "locked"},
        )
        return current_lock(username, ip, now)
    audit.record(
        actor=actor,
        action="login",
        result=AuditEvent.Result.FAILED,
        detail={**detail, "reason": reason or "bad_credentials"},
    )
    locks = (account_lock(username, now), ip_lock(ip, now))
    for started in locks:
        # Audit the lock once, when the failure just recorded is the one that set it.
        if started is not None and started.until == now + duration():
            audit.record(
                actor=actor,
                action="login_lockout",
                result=AuditEvent.Result.DENIED,
                detail={**detail, "scope": started.scope, "until": started.until.isoformat()},
            )
    return locks[0] or locks[1]


def prune(older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Delete attempts too old to matter for any lock (the audit log keeps the history)."""
    keep = max(older_than, window() + duration())
    deleted, _kinds = LoginAttempt.objects.filter(at__lt=clock.now() - keep).delete()
    return deleted


def unlock(*, username: str, actor: Actor) -> int:
    """Lift an account's lock early (the security admin, after checking who is asking)."""
    now = clock.now()
    deleted, _kinds = LoginAttempt.objects.filter(
        username=username[:150], outcome=Outcome.FAILED, at__gt=_lookback(now)
    ).delete()
    audit.record(actor=actor, action="login_unlock", detail={"username": username})
    return deleted
