"""Five failed logins within 15 minutes lock the account for 30 minutes, counted per account
and per address; the same on the API token endpoint; everything audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tongxin.accounts.lockout import format_until
from tongxin.accounts.models import LoginAttempt
from tongxin.core.models import AuditEvent

from .conftest import PASSWORD, login, new_ip, text

pytestmark = pytest.mark.dates

API_TOKEN = "/api/v1/auth/token"
ACCOUNT_LOCKED = "该账号连续登录失败次数过多，已暂时锁定"
IP_BLOCKED = "您所在的网络登录失败次数过多"
WRONG = "用户名或密码不正确"


def fail(client, username: str, times: int):  # type: ignore[no-untyped-def]
    response = None
    for _ in range(times):
        response = login(client, username, "not-the-password")
    return response


def error_box(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'<div class="errorbox" role="alert">\s*(.*?)\s*</div>', text(response), re.S)
    return found.group(1) if found else ""


def signed_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and response["Location"] == "/"


def test_four_failures_then_the_right_password_gets_in(demo, make_client, clock):
    client = make_client()
    last = fail(client, "grid1", 4)
    assert WRONG in text(last)
    assert signed_in(login(client, "grid1"))


def test_the_fifth_failure_locks_and_the_right_password_is_then_refused(demo, make_client, clock):
    client = make_client()
    assert WRONG in text(fail(client, "grid1", 4))
    fifth = fail(client, "grid1", 1)
    assert fifth.status_code == 200
    assert ACCOUNT_LOCKED in text(fifth)
    until = clock.now + dt.timedelta(minutes=30)
    assert f"请于 {format_until(until)} 后再试" in text(fifth)

    refused = login(client, "grid1")  # the right password, during the lock
    assert not signed_in(refused)
    assert ACCOUNT_LOCKED in text(refused)
    assert client.get("/").status_code == 302  # not signed in


def test_a_lock_looks_the_same_for_a_username_that_does_not_exist(demo, make_client, clock):
    real = fail(make_client(), "grid1", 5)
    ghost = fail(make_client(), "no-such-user", 5)
    assert ACCOUNT_LOCKED in error_box(real)
    assert error_box(real) == error_box(ghost)
    assert error_box(fail(make_client(), "grid2", 1)) == error_box(
        fail(make_client(), "no-such-user-2", 1)
    )


def test_a_locked_account_does_not_affect_other_accounts(demo, make_client, clock):
    attacker = make_client()
    fail(attacker, "grid1", 5)
    colleague = make_client()
    assert signed_in(login(colleague, "grid2"))
    # grid1 itself stays locked from every address.
    assert ACCOUNT_LOCKED in text(login(make_client(), "grid1"))


def test_failures_from_one_address_block_that_address_only(demo, make_client, clock):
    attacker = make_client()
    for name in ("grid1", "grid2", "secretary", "street", "building"):
        fail(attacker, name, 1)
    # The address is blocked, whichever account it tries, right password or not.
    blocked = login(attacker, "resident")
    assert IP_BLOCKED in text(blocked) and not signed_in(blocked)
    # Nobody's account is locked: each had one failure.
    for name in ("grid1", "grid2", "secretary", "street", "building"):
        assert signed_in(login(make_client(), name)), name


def test_a_success_resets_the_account_count_but_not_the_address_count(demo, make_client, clock):
    client = make_client()
    fail(client, "grid1", 4)
    assert signed_in(login(client, "grid1"))
    client.post("/logout/")
    other = make_client()
    assert WRONG in text(fail(other, "grid1", 4))  # four more: the count started again
    # The first address has four failures and one success: one more failure blocks it.
    assert IP_BLOCKED in text(fail(client, "grid2", 1))


def test_failures_further_apart_than_the_window_do_not_lock(demo, make_client, clock):
    client = make_client()
    fail(client, "grid1", 4)
    clock.advance(minutes=15, seconds=1)
    assert WRONG in text(fail(client, "grid1", 1))
    assert signed_in(login(client, "grid1"))


def test_the_lock_ends_after_thirty_minutes(demo, make_client, clock):
    client = make_client()
    fail(client, "grid1", 5)
    clock.advance(minutes=29, seconds=59)
    assert ACCOUNT_LOCKED in text(login(client, "grid1"))
    clock.advance(seconds=2)
    assert signed_in(login(client, "grid1"))


def test_attempts_during_the_lock_do_not_extend_it(demo, make_client, clock):
    client = make_client()
    fail(client, "grid1", 5)
    clock.advance(minutes=20)
    fail(client, "grid1", 3)
    clock.advance(minutes=10, seconds=1)
    assert signed_in(login(client, "grid1"))


def test_thresholds_come_from_the_settings(demo, make_client, clock, settings):
    settings.TONGXIN_LOCKOUT_FAILURES = 3
    settings.TONGXIN_LOCKOUT_DURATION = dt.timedelta(minutes=5)
    client = make_client()
    assert ACCOUNT_LOCKED in text(fail(client, "grid1", 3))
    clock.advance(minutes=5, seconds=1)
    assert signed_in(login(client, "grid1"))


def test_attempts_and_audit_rows_are_written(demo, make_client, clock):
    ip = new_ip()
    client = make_client(ip)
    fail(client, "grid1", 5)
    login(client, "grid1")
    attempts = list(
        LoginAttempt.objects.filter(username="grid1")
        .order_by("pk")
        .values_list("ip", "outcome", "success")
    )
    assert attempts == [(ip, "failed", False)] * 5 + [(ip, "locked", False)]
    events = AuditEvent.objects.filter(actor_name="grid1").order_by("pk")
    rows = [(e.action, e.result, e.detail.get("reason"), e.ip) for e in events]
    assert rows[:5] == [("login", "failed", "bad_credentials", ip)] * 5
    lockouts = [e for e in events if e.action == "login_lockout"]
    assert {e.detail["scope"] for e in lockouts} == {"account", "ip"}
    assert rows[-1] == ("login", "denied", "locked", ip)


def test_a_successful_login_is_audited(demo, make_client):
    client = make_client()
    assert signed_in(login(client, "grid1"))
    event = AuditEvent.objects.filter(action="login", result="ok").order_by("-pk").first()
    assert event is not None and event.actor_id == demo.user("grid1").pk
    assert event.role == "网格员"


def test_the_admin_login_form_sends_people_to_ours(demo, make_client):
    response = make_client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2F"


# ------------------------------------------------------------------ the API token endpoint


def token(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        API_TOKEN, {"username": username, "password": password}, content_type="application/json"
    )


def test_the_token_endpoint_locks_at_the_same_count(demo, make_client, clock):
    client = make_client()
    for _ in range(4):
        assert token(client, "grid1", "wrong").status_code == 401
    fifth = token(client, "grid1", "wrong")
    assert fifth.status_code == 429
    body = fifth.json()
    assert body["code"] == "LOGIN_LOCKED"
    assert ACCOUNT_LOCKED in body["message"]
    assert body["context"]["scope"] == "account"
    assert int(fifth["Retry-After"]) == 30 * 60
    assert token(client, "grid1", PASSWORD).status_code == 429
    # The same lock holds on the login page (one count for both ways in).
    assert ACCOUNT_LOCKED in text(login(make_client(), "grid1"))
    clock.advance(minutes=30, seconds=1)
    assert token(client, "grid1", PASSWORD).status_code == 200


@pytest.mark.parametrize("channel", ["web", "api"])
def test_failures_are_audited_with_their_channel(demo, make_client, channel):
    client = make_client()
    if channel == "web":
        fail(client, "grid1", 1)
    else:
        token(client, "grid1", "wrong")
    event = AuditEvent.objects.filter(action="login", result="failed").order_by("-pk").first()
    assert event is not None
    assert event.detail == {"username": "grid1", "channel": channel, "reason": "bad_credentials"}
