"""What the security admin can do about an account: disable it, reset its second factor,
lift a lockout. And the housekeeping of login attempts."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from tongxin.accounts.models import LoginAttempt, TotpDevice, User
from tongxin.core import clock
from tongxin.core.models import AuditEvent

from .conftest import login, text
from .test_lockout import ACCOUNT_LOCKED, fail
from .test_second_factor import enrol

CHANGELIST = "/admin/accounts/user/"


def run_action(client, action: str, *users: User):  # type: ignore[no-untyped-def]
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [u.pk for u in users]}, follow=True
    )


def test_the_security_admin_disables_an_account(demo, make_client):
    victim = make_client()
    login(victim, "grid1")
    response = run_action(demo.client("secadmin"), "disable_accounts", demo.user("grid1"))
    assert "已停用 1 个账号" in text(response)
    assert not demo.user("grid1").is_active
    assert victim.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="user_disable", detail__reason="admin").exists()


def test_the_security_admin_resets_a_second_factor(demo):
    user = demo.user("grid1")
    enrol(user)
    run_action(demo.client("secadmin"), "reset_second_factor", user)
    assert not TotpDevice.objects.filter(user=user).exists()


def test_the_security_admin_lifts_a_lockout(demo, make_client, clock):
    fail(make_client(), "grid1", 5)
    assert ACCOUNT_LOCKED in text(login(make_client(), "grid1"))
    run_action(demo.client("secadmin"), "unlock_logins", demo.user("grid1"))
    assert login(make_client(), "grid1").status_code == 302
    assert AuditEvent.objects.filter(action="login_unlock").exists()


def test_the_system_admin_cannot_run_these_actions(demo):
    response = run_action(demo.client("sysadmin"), "disable_accounts", demo.user("grid1"))
    assert response.status_code == 403
    assert demo.user("grid1").is_active


def test_old_login_attempts_are_pruned(demo):
    old = LoginAttempt.objects.create(
        username="x", ip="10.0.0.1", at=clock.now() - dt.timedelta(days=40)
    )
    recent = LoginAttempt.objects.create(username="x", ip="10.0.0.1", at=clock.now())
    out = io.StringIO()
    call_command("prune_login_attempts", stdout=out)
    assert "已删除 1 条" in out.getvalue()
    assert not LoginAttempt.objects.filter(pk=old.pk).exists()
    assert LoginAttempt.objects.filter(pk=recent.pk).exists()


def test_create_admin_passwords_meet_the_staff_policy(db):
    from tongxin.accounts.management.commands.create_admin import one_time_password

    user = User(username="sec9", admin_duty="security", is_staff=True)
    for _ in range(50):
        validate_password(one_time_password(user), user)
