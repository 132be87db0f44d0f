"""Sessions: a new key at login, idle and absolute expiry under a frozen clock, logout and
disabling end sessions on the server."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from tongxin.accounts.models import ApiToken, UserSession
from tongxin.accounts.services import user_disable
from tongxin.core.models import AuditEvent

from .conftest import login, text

pytestmark = pytest.mark.dates


def session_key(client) -> str:  # type: ignore[no-untyped-def]
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def alive(key: str) -> bool:
    return Session.objects.filter(session_key=key).exists()


def test_login_gives_the_session_a_new_key(demo, make_client):
    client = make_client()
    before = client.session  # an anonymous session, as a visitor would have
    before["seen_the_form"] = True
    before.save()
    old_key = before.session_key
    assert session_key(client) == old_key
    assert login(client, "grid1").status_code == 302
    new_key = session_key(client)
    assert new_key != old_key
    assert not alive(old_key) and alive(new_key)
    assert UserSession.objects.get(session_key=new_key).user == demo.user("grid1")


def test_a_session_ends_after_thirty_idle_minutes(demo, make_client, clock):
    client = make_client()
    login(client, "grid1")
    key = session_key(client)
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=29, seconds=59)  # 29:59 since the last request
    assert client.get("/").status_code == 200
    clock.advance(minutes=30, seconds=1)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not alive(key)  # ended on the server, not only in the browser
    page = client.get(response["Location"])
    assert "为保护居民信息已自动退出" in text(page)
    event = AuditEvent.objects.filter(action="logout").order_by("-pk").first()
    assert event is not None and event.detail == {"reason": "idle_timeout"}


def test_a_session_ends_twelve_hours_after_login_however_busy(demo, make_client, clock):
    client = make_client()
    login(client, "grid1")
    key = session_key(client)
    for _ in range(47):  # a request every quarter of an hour: never idle
        clock.advance(minutes=15)
        assert client.get("/people/").status_code == 200
    clock.advance(minutes=14)  # 11:59 after the login
    assert client.get("/people/").status_code == 200
    clock.advance(minutes=2)  # 12:01
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not alive(key)
    assert "登录已超过最长时限" in text(client.get("/login/"))
    event = AuditEvent.objects.filter(action="logout").order_by("-pk").first()
    assert event is not None and event.detail == {"reason": "absolute_timeout"}


def test_expiry_follows_the_settings(demo, make_client, clock, settings):
    import datetime as dt

    settings.TONGXIN_SESSION_IDLE = dt.timedelta(minutes=5)
    client = make_client()
    login(client, "grid1")
    clock.advance(minutes=5, seconds=1)
    assert client.get("/").status_code == 302


def test_an_expired_session_in_the_api_is_401(demo, make_client, clock):
    client = make_client()
    login(client, "grid1")
    assert client.get("/api/v1/persons").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/api/v1/persons").status_code == 401


def test_logout_ends_the_session_on_the_server(demo, make_client):
    client = make_client()
    login(client, "grid1")
    key = session_key(client)
    assert client.post("/logout/").status_code == 302
    assert not alive(key)
    assert not UserSession.objects.filter(session_key=key).exists()
    # Replaying the old cookie gets nowhere.
    replay = make_client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get("/").status_code == 302
    event = AuditEvent.objects.filter(action="logout").order_by("-pk").first()
    assert event is not None and event.actor_id == demo.user("grid1").pk
    assert event.detail == {"reason": "user"}


def test_disabling_an_account_ends_its_sessions_and_tokens(demo, make_client):
    phone, desktop = make_client(), make_client()
    login(phone, "grid1")
    login(desktop, "grid1")
    keys = [session_key(phone), session_key(desktop)]
    token = demo.token("grid1")
    other = make_client()
    login(other, "grid2")
    user = demo.user("grid1")
    assert UserSession.objects.filter(user=user).count() == 2

    user_disable(user=user, actor=demo.user("secadmin"), reason="离职")

    assert not any(alive(k) for k in keys)
    assert not ApiToken.objects.filter(user=user).exists()
    assert phone.get("/").status_code == 302
    api = make_client()
    api.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert api.get("/api/v1/persons").status_code == 401
    assert other.get("/").status_code == 200  # nobody else is touched
    event = AuditEvent.objects.get(action="user_disable")
    assert event.detail == {"username": "grid1", "reason": "离职"}
    # And the account cannot log in again.
    assert login(make_client(), "grid1").status_code == 200


def test_disabling_by_saving_the_account_ends_its_sessions_too(demo, make_client):
    client = make_client()
    login(client, "grid1")
    key = session_key(client)
    demo.token("grid1")
    user = demo.user("grid1")
    user.is_active = False
    user.save()  # as the admin's change form does
    assert not alive(key)
    assert not ApiToken.objects.filter(user=user).exists()


def test_saving_an_active_account_leaves_its_sessions_alone(demo, make_client):
    client = make_client()
    login(client, "grid1")
    user = demo.user("grid1")
    user.display_name = "新名字"
    user.save()
    assert alive(session_key(client))
