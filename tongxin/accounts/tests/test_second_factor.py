"""The second factor: who must use it, enrolment by QR code, login with a TOTP code or a
recovery code, replays refused, forced enrolment, the API's ``otp``, the demo exemption."""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import re

import pytest
from django.conf import settings

from tongxin.accounts import second_factor, totp
from tongxin.accounts.demo import mark_demo_database
from tongxin.accounts.models import RecoveryCode, TotpDevice, UserSession
from tongxin.core import clock, vault
from tongxin.core.models import AuditEvent

from .conftest import PASSWORD, login, text

API_TOKEN = "/api/v1/auth/token"


def enrol(user) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """Enrol ``user`` directly (as the setup page does); returns the secret and the codes."""
    device = second_factor.pending_device(user)
    secret = second_factor.device_secret(device)
    codes = second_factor.confirm_enrolment(user=user, code=current_code(secret))
    assert codes is not None
    return secret, codes


def current_code(secret: str, steps: int = 0) -> str:
    return totp.code_at(secret, clock.now().timestamp() + steps * totp.PERIOD)


def session_key(client) -> str:  # type: ignore[no-untyped-def]
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# ------------------------------------------------------------------ the algorithm


@pytest.mark.parametrize(
    ("timestamp", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_totp_matches_the_rfc_6238_test_vectors(timestamp, code):
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_at(secret, timestamp) == code


def test_one_step_either_side_is_accepted_and_no_more():
    secret = totp.new_secret()
    now = 1_700_000_000.0
    step = totp.time_step(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(secret, totp.hotp(secret, step + offset), now) == step + offset
    for offset in (-2, 2):
        assert totp.matching_step(secret, totp.hotp(secret, step + offset), now) is None
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "abcdef", now) is None


def test_the_provisioning_uri_names_the_issuer_and_the_account():
    uri = totp.provisioning_uri("ABCDEFGH", account="grid1", issuer="同心")
    assert uri.startswith("otpauth://totp/%E5%90%8C%E5%BF%83%3Agrid1?secret=ABCDEFGH")
    assert "issuer=%E5%90%8C%E5%BF%83" in uri and "digits=6" in uri and "period=30" in uri


# ------------------------------------------------------------------ who needs it


@pytest.mark.parametrize(
    ("username", "needs"),
    [
        ("grid1", True),
        ("grid2", True),
        ("secretary", True),
        ("street", True),
        ("sysadmin", True),
        ("secadmin", True),
        ("auditor", True),
        ("building", False),
        ("member", False),
        ("resident", False),
        ("dept", False),
    ],
)
def test_every_account_that_sees_sensitive_data_needs_it(demo, username, needs):
    assert second_factor.sees_sensitive_data(demo.user(username)) is needs


def test_a_data_grant_makes_it_required(demo):
    from tongxin.accounts.models import AccessGrant

    dept = demo.user("dept")
    AccessGrant.objects.create(user=dept, place=demo.grid(1), reason="专项排查")
    assert second_factor.sees_sensitive_data(dept)


# ------------------------------------------------------------------ forced enrolment


def test_a_staff_account_without_a_device_must_enrol_before_anything_else(no_demo, make_client):
    client = make_client()
    assert login(client, "grid1").status_code == 302
    for url in ("/", "/people/", "/places/", "/account/password/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/2fa/?next="), url
    api = client.get("/api/v1/persons")
    assert api.status_code == 401 and api.json()["code"] == "SECOND_FACTOR_REQUIRED"
    fragment = client.get("/people/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"].startswith("/account/2fa/?next=")
    # The verification page sends it to enrolment too.
    assert client.get("/account/2fa/verify/")["Location"].startswith("/account/2fa/")


def test_force_login_sessions_are_held_to_it_outside_the_demo(no_demo):
    client = no_demo.client("secretary")
    assert client.get("/")["Location"] == "/account/2fa/?next=%2F"
    resident = no_demo.client("resident")
    assert resident.get("/").status_code == 200  # residents need no second factor


def test_enrolment_by_qr_code_then_recovery_codes(no_demo, make_client, clock):
    client = make_client()
    login(client, "grid1")
    page = client.get("/account/2fa/?next=/people/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    body = text(page)
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "<path" in svg and "script" not in svg and "http" not in svg  # drawn here
    user = no_demo.user("grid1")
    device = TotpDevice.objects.get(user=user)
    secret = second_factor.device_secret(device)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in body
    # Stored encrypted, with the vault, under its own context.
    assert secret not in device.secret_encrypted
    assert vault.decrypt(device.secret_encrypted, context="user.totp_secret") == secret
    # The same secret is shown until it is confirmed.
    assert secret in text(client.get("/account/2fa/")).replace(" ", "")

    wrong = client.post("/account/2fa/", {"code": "000000", "next": "/people/"})
    assert "验证码不正确" in text(wrong)
    assert client.get("/")["Location"].startswith("/account/2fa/")

    before = session_key(client)
    done = client.post("/account/2fa/", {"code": current_code(secret), "next": "/people/"})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", text(done))
    assert len(codes) == len(set(codes)) == 10
    assert 'href="/people/"' in text(done)
    stored = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert session_key(client) != before  # new key once the second factor is done
    assert UserSession.objects.filter(session_key=session_key(client), user=user).exists()
    assert client.get("/people/").status_code == 200
    assert AuditEvent.objects.filter(action="otp_enrol", result="ok", actor=user).exists()
    # The page now shows the status, and never the secret again.
    status = text(client.get("/account/2fa/"))
    assert "已启用" in status and secret not in status.replace(" ", "")


def test_login_with_a_totp_code(no_demo, make_client, clock):
    user = no_demo.user("grid1")
    secret, _codes = enrol(user)
    clock.advance(seconds=totp.PERIOD)
    client = make_client()
    login(client, "grid1", next="/people/")
    response = client.get("/people/")
    assert response["Location"] == "/account/2fa/verify/?next=%2Fpeople%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "验证器" in text(page)
    before = session_key(client)
    ok = client.post("/account/2fa/verify/", {"code": current_code(secret), "next": "/people/"})
    assert ok.status_code == 302 and ok["Location"] == "/people/"
    assert session_key(client) != before
    assert client.get("/people/").status_code == 200
    event = AuditEvent.objects.filter(action="otp_verify").order_by("-pk").first()
    assert event is not None and event.detail == {"method": "totp"} and event.actor == user


def test_a_code_is_accepted_once(no_demo, make_client, clock):
    secret, _codes = enrol(no_demo.user("grid1"))
    clock.advance(seconds=totp.PERIOD)
    code = current_code(secret)
    first = make_client()
    login(first, "grid1")
    assert first.post("/account/2fa/verify/", {"code": code})["Location"] == "/"
    second = make_client()
    login(second, "grid1")
    replay = second.post("/account/2fa/verify/", {"code": code})
    assert replay.status_code == 200 and "已经用过" in text(replay)
    # An older code that would still be inside the window is refused as well.
    older = second.post("/account/2fa/verify/", {"code": current_code(secret, -1)})
    assert older.status_code == 200
    # The next step's code works.
    clock.advance(seconds=totp.PERIOD)
    assert second.post("/account/2fa/verify/", {"code": current_code(secret)}).status_code == 302


def test_a_code_one_step_late_is_accepted_two_steps_late_is_not(no_demo, make_client, clock):
    secret, _codes = enrol(no_demo.user("grid1"))
    clock.advance(minutes=5)
    client = make_client()
    login(client, "grid1")
    late = client.post("/account/2fa/verify/", {"code": current_code(secret, -2)})
    assert late.status_code == 200
    just_in_time = client.post("/account/2fa/verify/", {"code": current_code(secret, -1)})
    assert just_in_time.status_code == 302


def test_a_recovery_code_works_once(no_demo, make_client, clock):
    user = no_demo.user("grid1")
    _secret, codes = enrol(user)
    client = make_client()
    login(client, "grid1")
    used = codes[3].upper().replace("-", " ")  # typed loosely
    ok = client.post("/account/2fa/verify/", {"code": used})
    assert ok.status_code == 302
    assert "还剩 9 个" in text(client.get("/"))
    client.post("/logout/")
    login(client, "grid1")
    again = client.post("/account/2fa/verify/", {"code": codes[3]})
    assert again.status_code == 200 and "验证码不正确" in text(again)
    assert second_factor.unused_recovery_codes(user) == 9
    event = AuditEvent.objects.filter(action="otp_verify").order_by("-pk").first()
    assert event is not None and event.detail == {"method": "recovery", "recovery_codes_left": 9}


def test_new_recovery_codes_replace_the_old_ones(no_demo, make_client, clock):
    user = no_demo.user("grid1")
    secret, old = enrol(user)
    clock.advance(seconds=totp.PERIOD)
    client = make_client()
    login(client, "grid1")
    client.post("/account/2fa/verify/", {"code": current_code(secret)})
    clock.advance(seconds=totp.PERIOD)
    page = client.post("/account/2fa/", {"code": current_code(secret)})
    new = re.findall(r"<code>([a-z2-9-]{14})</code>", text(page))
    assert len(new) == 10 and not set(new) & set(old)
    assert not second_factor.use_recovery_code(user=user, code=old[0])
    assert second_factor.use_recovery_code(user=user, code=new[0])


def test_wrong_codes_count_towards_the_lockout(no_demo, make_client, clock):
    enrol(no_demo.user("grid1"))
    client = make_client()
    login(client, "grid1")
    for _ in range(4):
        assert client.post("/account/2fa/verify/", {"code": "000000"}).status_code == 200
    locked = client.post("/account/2fa/verify/", {"code": "000000"})
    assert locked.status_code == 302 and locked["Location"] == "/login/"
    assert "已暂时锁定" in text(client.get("/login/"))
    assert client.get("/").status_code == 302  # signed out
    assert "已暂时锁定" in text(login(make_client(), "grid1"))
    failures = AuditEvent.objects.filter(action="login", result="failed", actor_name="grid1")
    assert failures.count() == 5
    assert {e.detail["reason"] for e in failures} == {"bad_code"}


def test_a_security_admin_reset_ends_sessions_and_asks_to_enrol_again(no_demo, make_client):
    user = no_demo.user("grid1")
    enrol(user)
    client = make_client()
    login(client, "grid1")
    second_factor.reset(user=user, actor=no_demo.user("secadmin"))
    assert not TotpDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert client.get("/").status_code == 302
    fresh = make_client()
    login(fresh, "grid1")
    assert fresh.get("/")["Location"].startswith("/account/2fa/?next=")
    assert AuditEvent.objects.filter(action="otp_reset", object_id=str(user.pk)).exists()


# ------------------------------------------------------------------ the API's otp


def token(client, username: str, otp: str | None = None):  # type: ignore[no-untyped-def]
    body = {"username": username, "password": PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return client.post(API_TOKEN, body, content_type="application/json")


def test_the_token_endpoint_asks_for_otp(no_demo, make_client, clock):
    client = make_client()
    r = token(client, "grid1")
    assert r.status_code == 403 and r.json()["code"] == "OTP_ENROLMENT_REQUIRED"
    secret, _codes = enrol(no_demo.user("grid1"))
    clock.advance(seconds=totp.PERIOD)
    r = token(client, "grid1")
    assert r.status_code == 401 and r.json()["code"] == "OTP_REQUIRED"
    r = token(client, "grid1", "123456" if current_code(secret) != "123456" else "654321")
    assert r.status_code == 401 and r.json()["code"] == "OTP_INVALID"
    r = token(client, "grid1", current_code(secret))
    assert r.status_code == 200 and r.json()["token"]
    assert token(client, "grid1", current_code(secret)).json()["code"] == "OTP_INVALID"  # replay
    # Accounts that need no second factor get their token as before.
    assert token(client, "resident").status_code == 200


def test_the_openapi_document_shows_the_otp_field(demo, make_client):
    doc = make_client().get("/api/v1/openapi.json").json()
    assert "otp" in doc["components"]["schemas"]["TokenIn"]["properties"]


# ------------------------------------------------------------------ the demo exemption


def test_demo_accounts_log_in_without_a_second_factor(demo, make_client):
    for username in ("grid1", "secretary", "sysadmin"):
        client = make_client()
        assert login(client, username).status_code == 302
        assert client.get("/").status_code == 200, username
    assert token(make_client(), "grid1").status_code == 200


def test_an_enrolled_demo_account_is_still_asked(demo, make_client):
    enrol(demo.user("grid1"))
    client = make_client()
    login(client, "grid1")
    assert client.get("/")["Location"].startswith("/account/2fa/verify/")


def test_the_exemption_needs_the_setting_as_well_as_the_flag(demo, make_client, settings):
    settings.TONGXIN_ALLOW_DEMO_EXEMPTION = False
    client = make_client()
    login(client, "grid1")
    assert client.get("/")["Location"].startswith("/account/2fa/?next=")
    assert token(make_client(), "grid1").json()["code"] == "OTP_ENROLMENT_REQUIRED"


def test_the_exemption_needs_the_flag_as_well_as_the_setting(no_demo, make_client):
    assert settings.TONGXIN_ALLOW_DEMO_EXEMPTION is True
    client = make_client()
    login(client, "grid1")
    assert client.get("/")["Location"].startswith("/account/2fa/?next=")
    mark_demo_database()
    fresh = make_client()
    login(fresh, "grid1")
    assert fresh.get("/").status_code == 200


def test_production_settings_never_allow_the_exemption(monkeypatch):
    monkeypatch.setenv("TONGXIN_SECRET_KEY", "x" * 64)
    production = importlib.import_module("config.settings.production")
    assert production.TONGXIN_ALLOW_DEMO_EXEMPTION is False
    dev = importlib.import_module("config.settings.dev")
    assert dev.TONGXIN_ALLOW_DEMO_EXEMPTION is True


def test_a_device_being_enrolled_is_not_asked_for(no_demo, make_client):
    # Opening the setup page and walking away must not lock anyone out of a residents' login.
    resident = no_demo.user("resident")
    second_factor.pending_device(resident)
    client = make_client()
    login(client, "resident")
    assert client.get("/").status_code == 200
    assert dt.timedelta(0) <= clock.now() - TotpDevice.objects.get(user=resident).created_at
