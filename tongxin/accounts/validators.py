"""The password policy: one validator with named profiles.

The 等保 (MLPS level 3) profile applies to staff — any account with an admin duty, an
``is_staff`` account, or one whose person holds a post with a staff view — and, to be safe,
whenever the account is not known: at least 10 characters, three of the four character
classes (upper case, lower case, digits, symbols), not in Django's list of 20,000 common
passwords, not containing the username. Everyone else gets the ``basic`` profile. Profiles are
configured with ``TONGXIN_PASSWORD_PROFILES`` and chosen with the validator's OPTIONS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from .models import User

CLASS_NAMES = gettext_lazy("大写字母、小写字母、数字、符号")
NUMBERS_ZH = {
    1: gettext_lazy("一"),
    2: gettext_lazy("两"),
    3: gettext_lazy("三"),
    4: gettext_lazy("四"),
}


@dataclass(frozen=True)
class Profile:
    min_length: int
    min_classes: int
    reject_common: bool = True
    reject_username: bool = True


DEFAULT_PROFILES: dict[str, Profile] = {
    "dengbao": Profile(min_length=10, min_classes=3),
    "basic": Profile(min_length=8, min_classes=2),
}


def profiles() -> dict[str, Profile]:
    configured = getattr(settings, "TONGXIN_PASSWORD_PROFILES", None) or {}
    merged = dict(DEFAULT_PROFILES)
    for name, value in configured.items():
        merged[name] = value if isinstance(value, Profile) else Profile(**value)
    return merged


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def character_classes(password: str) -> int:
    upper = any(c.isupper() for c in password)
    lower = any(c.islower() for c in password)
    digit = any(c.isdigit() for c in password)
    # Anything else — punctuation, spaces, Chinese characters — counts as a symbol.
    other = any(not (c.isupper() or c.islower() or c.isdigit()) for c in password)
    return sum((upper, lower, digit, other))


def is_staff_account(user: User | None) -> bool:
    """Whether the 等保 profile applies. An unknown account is treated as staff."""
    if user is None:
        return True
    if user.admin_duty or user.is_staff:
        return True
    if user.is_superuser:
        return True
    if not user.pk or not user.person_id:
        return False
    from tongxin.core.scoping import holds_staff_post

    return holds_staff_post(user)


class PasswordPolicyValidator:
    """Django password validator (``AUTH_PASSWORD_VALIDATORS``) applying a profile."""

    def __init__(self, staff_profile: str = "dengbao", default_profile: str = "basic") -> None:
        self.staff_profile = staff_profile
        self.default_profile = default_profile

    def profile_for(self, user: User | None) -> Profile:
        name = self.staff_profile if is_staff_account(user) else self.default_profile
        return profiles()[name]

    def validate(self, password: str, user: User | None = None) -> None:
        profile = self.profile_for(user)
        errors: list[ValidationError] = []
        if len(password) < profile.min_length:
            errors.append(
                ValidationError(
                    _("密码太短：至少需要 {min_length} 个字符。").format(
                        min_length=profile.min_length
                    ),
                    code="password_too_short",
                )
            )
        if character_classes(password) < profile.min_classes:
            errors.append(
                ValidationError(
                    _("密码须包含{classes}中的至少{min_classes}类。").format(
                        classes=CLASS_NAMES,
                        min_classes=NUMBERS_ZH.get(profile.min_classes, profile.min_classes),
                    ),
                    code="password_too_simple",
                )
            )
        if profile.reject_common and password.lower().strip() in _common_passwords():
            errors.append(
                ValidationError(
                    _("这个密码太常见，很容易被猜到，请换一个。"), code="password_too_common"
                )
            )
        username = str(user.username or "") if user is not None else ""
        if profile.reject_username and len(username) >= 3 and username.lower() in password.lower():
            errors.append(
                ValidationError(_("密码不能包含用户名。"), code="password_contains_username")
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        staff = profiles()[self.staff_profile]
        return _(
            "工作人员账号的密码至少 {min_length} 个字符，包含{classes}中的至少{min_classes}类；"
            "不能是常见密码，也不能包含用户名。"
        ).format(
            min_length=staff.min_length,
            classes=CLASS_NAMES,
            min_classes=NUMBERS_ZH.get(staff.min_classes, staff.min_classes),
        )
