"""Validation of Chinese identity numbers (GB 11643-1999) and phone numbers."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tongxin.core import clock

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def validate_id_number(value: str) -> str:
    """Return the normalised ID number, or raise ``ValidationError`` saying what is wrong."""
    v = normalize_id_number(value)
    if not _ID_RE.match(v):
        raise ValidationError(
            _("身份证号应为18位，前17位为数字，最后一位为数字或X"), code="id_format"
        )
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期无效"), code="id_birth") from None
    if birth > clock.today() or birth.year < 1890:
        raise ValidationError(_("身份证号中的出生日期无效"), code="id_birth")
    if id_check_char(v[:17]) != v[17]:
        raise ValidationError(_("身份证号校验位错误"), code="id_checksum")
    return v


def id_birth_date(v: str) -> dt.date:
    return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def id_gender(v: str) -> str:
    """'M' or 'F' from the sequence digit (odd: male)."""
    return "M" if int(v[16]) % 2 else "F"


def normalize_phone(value: str) -> str:
    v = re.sub(r"[\s\-()]", "", value.strip())
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("86") and len(v) == 13:
        v = v[2:]
    return v


def validate_phone(value: str) -> str:
    """Mainland mobile (11 digits starting 13–19) or a landline with area code."""
    v = normalize_phone(value)
    if _MOBILE_RE.match(v):
        return v
    if _LANDLINE_RE.match(value.strip()):
        return v
    raise ValidationError(
        _("手机号格式不正确，应为11位手机号或带区号的固定电话"), code="phone_format"
    )
