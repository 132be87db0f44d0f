"""Login, logout and disabling: session bookkeeping and audit rows, whatever the way in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from tongxin.core import audit, clock

from . import second_factor
from .models import User
from .services import end_sessions, forget_session, track_session

LOGIN_AT = "_tongxin_login_at"
SEEN_AT = "_tongxin_seen_at"
LOGOUT_REASON = "_tongxin_logout_reason"


@receiver(user_logged_in, dispatch_uid="tongxin_accounts_logged_in")
def on_logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """Django has already given the session a new key; start its clocks, forget any second
    factor done under the previous login, and note which account holds it."""
    now = clock.now().timestamp()
    session = request.session
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.pop(second_factor.SESSION_KEY, None)
    state = second_factor.state_for(user, request)
    if state == second_factor.NOT_NEEDED:
        # Saves the first request a look-up; SecondFactorMiddleware checks again later.
        session[second_factor.SESSION_KEY] = now
    track_session(request, user)
    audit.record(actor=user, action="login", detail={"second_factor": state})


@receiver(user_logged_out, dispatch_uid="tongxin_accounts_logged_out")
def on_logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    forget_session(request.session.session_key)
    if user is not None:
        reason = getattr(request, LOGOUT_REASON, "user")
        audit.record(actor=user, action="logout", detail={"reason": reason})


@receiver(pre_save, sender=User, dispatch_uid="tongxin_accounts_note_disabling")
def note_disabling(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    instance._tongxin_disabled_now = False  # type: ignore[attr-defined]
    if instance.is_active or instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
    instance._tongxin_disabled_now = was_active  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="tongxin_accounts_end_sessions_of_disabled")
def end_sessions_of_disabled_accounts(sender: Any, instance: User, **kwargs: Any) -> None:
    """However an account is disabled (the service, the admin, a script), its sessions and
    API tokens end on the server at once."""
    if getattr(instance, "_tongxin_disabled_now", False):
        instance._tongxin_disabled_now = False  # type: ignore[attr-defined]
        end_sessions(instance)
