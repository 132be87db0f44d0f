"""The password policy: the 等保 profile for staff, a basic one for residents, in Chinese."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError

from tongxin.accounts.models import UserSession
from tongxin.accounts.validators import PasswordPolicyValidator, is_staff_account
from tongxin.core.models import AuditEvent

from .conftest import PASSWORD, login


def problems(password: str, user: object = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [str(m) for m in exc.messages]
    return []


@pytest.mark.parametrize("username", ["grid1", "secretary", "street", "sysadmin", "auditor"])
def test_staff_accounts_get_the_dengbao_profile(demo, username):
    assert is_staff_account(demo.user(username))


@pytest.mark.parametrize("username", ["resident", "member", "building"])
def test_residents_and_neighbours_get_the_basic_profile(demo, username):
    assert not is_staff_account(demo.user(username))


def test_a_good_staff_password_passes(demo):
    assert problems(PASSWORD, demo.user("grid1")) == []
    assert problems("春风-Spring-42", demo.user("secretary")) == []


def test_too_short(demo):
    assert problems("Ab1!xyz9", demo.user("grid1")) == ["密码太短：至少需要 10 个字符。"]


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abcdefghijkl", False),  # one class
        ("abcdefgh1234", False),  # two classes
        ("abcdefgh12!!", True),  # lower, digit, symbol
        ("ABCDEFGHijkl", False),  # two classes
        ("ABCDEFGHijk!", True),  # upper, lower, symbol
        ("ABCDEFGH1234", False),
        ("ABCDEFGH123中", True),  # a Chinese character counts as a symbol
    ],
)
def test_three_of_four_character_classes(demo, password, ok):
    found = problems(password, demo.user("grid1"))
    if ok:
        assert found == []
    else:
        assert found == ["密码须包含大写字母、小写字母、数字、符号中的至少三类。"]


def test_common_passwords_are_refused_even_with_capitals(demo):
    # "password123" is on Django's list of 20,000 common passwords.
    found = problems("Password123", demo.user("grid1"))
    assert found == ["这个密码太常见，很容易被猜到，请换一个。"]


def test_the_username_may_not_be_in_the_password(demo):
    found = problems("My-Grid1-Pass", demo.user("grid1"))
    assert "密码不能包含用户名。" in found


def test_every_problem_is_reported_at_once(demo):
    found = problems("grid1", demo.user("grid1"))
    assert set(found) >= {
        "密码太短：至少需要 10 个字符。",
        "密码须包含大写字母、小写字母、数字、符号中的至少三类。",
        "密码不能包含用户名。",
    }


def test_residents_may_use_a_shorter_password(demo):
    resident = demo.user("resident")
    assert problems("lanhua2024", resident) == []
    assert problems("lanhua2024", demo.user("grid1"))  # not for staff
    assert problems("zx9q", resident) == ["密码太短：至少需要 8 个字符。"]


def test_an_unknown_account_gets_the_strict_profile():
    assert problems("lanhua2024") == ["密码须包含大写字母、小写字母、数字、符号中的至少三类。"]


def test_profiles_are_configurable(demo, settings):
    settings.TONGXIN_PASSWORD_PROFILES = {"dengbao": {"min_length": 14, "min_classes": 4}}
    found = problems("Tongxin2026", demo.user("grid1"))
    assert "密码太短：至少需要 14 个字符。" in found
    assert "密码须包含大写字母、小写字母、数字、符号中的至少四类。" in found
    validator = PasswordPolicyValidator(staff_profile="basic")
    validator.validate("lanhua2024", demo.user("grid1"))  # no error


def test_help_text_is_in_chinese():
    assert any("至少 10 个字符" in t for t in password_validators_help_texts())


def test_the_password_change_page_applies_the_policy(demo, make_client):
    client, other = make_client(), make_client()
    login(client, "grid1")
    login(other, "grid1")
    page = client.get("/account/password/")
    assert page.status_code == 200 and "至少 10 个字符" in page.content.decode()
    weak = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "abcdefgh1", "new_password2": "abcdefgh1"},
    )
    assert weak.status_code == 200
    assert "密码太短：至少需要 10 个字符。" in weak.content.decode()
    good = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Wang-Jia-Dun-88",
            "new_password2": "Wang-Jia-Dun-88",
        },
    )
    assert good.status_code == 302
    assert demo.user("grid1").check_password("Wang-Jia-Dun-88")
    assert client.get("/").status_code == 200  # this session goes on, under a new key
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert UserSession.objects.filter(user=demo.user("grid1")).get().session_key == key
    assert other.get("/").status_code == 302  # the other session of the account ended
    assert AuditEvent.objects.filter(action="password_change").exists()
