"""Writes about accounts: sessions on the server, disabling an account."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from tongxin.core import audit, clock
from tongxin.core.actors import Actor

from .models import ApiToken, User, UserSession


def session_absolute() -> dt.timedelta:
    return getattr(settings, "TONGXIN_SESSION_ABSOLUTE", dt.timedelta(hours=12))


def session_idle() -> dt.timedelta:
    return getattr(settings, "TONGXIN_SESSION_IDLE", dt.timedelta(minutes=30))


def track_session(request: HttpRequest, user: User, *, previous_key: str | None = None) -> None:
    """Remember which account holds the request's session (after a login or a key change)."""
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    if previous_key and previous_key != key:
        UserSession.objects.filter(session_key=previous_key).delete()
    UserSession.objects.update_or_create(
        session_key=key, defaults={"user": user, "created_at": clock.now()}
    )
    # Rows of sessions that have certainly expired by now are of no further use.
    UserSession.objects.filter(
        user=user, created_at__lt=clock.now() - session_absolute() - dt.timedelta(hours=1)
    ).delete()


def forget_session(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """End every session (but ``keep``) and every API token the account has, on the server."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = UserSession.objects.filter(user=user).exclude(session_key=keep or "")
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    ApiToken.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def user_disable(*, user: User, actor: Actor, reason: str = "") -> User:
    """Disable an account: it can no longer log in, and its sessions and tokens end now.
    (Saving ``is_active=False`` any other way, e.g. in the admin, ends them too: see
    ``signals.end_sessions_of_disabled_accounts``.)"""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active:
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action="user_disable",
            obj=locked,
            detail={"username": locked.username, "reason": reason},
        )
    return locked
