import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tongxin.core import vault
from tongxin.core.validators import (
    id_birth_date,
    id_check_char,
    id_gender,
    validate_id_number,
    validate_phone,
)


def make_id(body17: str) -> str:
    return body17 + id_check_char(body17)


def test_known_id_number_checksum():
    # The GB 11643 worked example.
    assert validate_id_number("11010519491231002x") == "11010519491231002X"
    assert id_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert id_gender("11010519491231002X") == "F"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491331002X", "id_birth"),
        ("1101051949123100", "id_format"),
        ("11010519491231002Y", "id_format"),
    ],
)
def test_bad_id_numbers_say_why(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == code
    assert exc.value.messages[0]  # a Chinese sentence, not an empty refusal


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_every_generated_id_validates_and_one_wrong_digit_fails(birth, seq):
    body = f"420902{birth:%Y%m%d}{seq:03d}"
    good = make_id(body)
    assert validate_id_number(good) == good
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError):
        validate_id_number(wrong)


@pytest.mark.parametrize("raw", ["13812345678", "+86 138-1234-5678", "0712-2881234"])
def test_phone_formats_accepted(raw):
    assert validate_phone(raw)


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "abc"])
def test_phone_formats_refused(raw):
    with pytest.raises(ValidationError):
        validate_phone(raw)


def test_vault_round_trip_is_bound_to_context_and_not_clear():
    token = vault.encrypt("13812345678", context="person.phone")
    assert "13812345678" not in token
    assert vault.decrypt(token, context="person.phone") == "13812345678"
    with pytest.raises(Exception):  # noqa: B017 - AES-GCM refuses a ciphertext moved to another field
        vault.decrypt(token, context="person.id_number")
    # Same value, same keyed hash; different context, different hash.
    assert vault.lookup_hash("x", context="a") == vault.lookup_hash("x", context="a")
    assert vault.lookup_hash("x", context="a") != vault.lookup_hash("x", context="b")


def test_masks():
    assert vault.mask_phone("13812345678") == "138****5678"
    assert vault.mask_id_number("002X") == "**************002X"
