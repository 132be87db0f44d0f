"""Nothing we mint reads as personal data: 10,000 of each token, key, id and ref, searched with
the leak scanner's own patterns and for any run of 11 digits at all.

Where each is minted: ``core.tokens.mint`` for API tokens (``accounts.models.ApiToken.issue``,
43 letters), Open311 partner keys (``open311.models.Partner.set_key``, 32) and request tokens
(``open311.services``, 32), stored-file names (``core.uploads``, 40), request ids
(``core.middleware``, 24), check-in codes (``volunteering.services``, 24), form keys
(``volunteering.views``, 22) and temporary case refs (``cases.services``, ``T`` + 16);
``core.tokens.mint_uuid`` for stored-file ids; ``accounts.second_factor`` for recovery codes
(no 0/1, groups of four) and ``accounts.totp`` for TOTP secrets (RFC 4648 base32: digits 2–7
only, so no ``1`` to start a mobile number and no ``19``/``20`` to make a birth year); case
refs are ``SQ`` + the local date + ``-`` + the id.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tongxin.accounts import second_factor, totp
from tongxin.cases.models import case_ref
from tongxin.core import tokens
from tongxin.core.testing import find_pii
from tongxin.open311.models import Partner

N = 10_000
ANY_MOBILE_RUN = re.compile(r"1[3-9]\d{9}")
SEVENTEEN_DIGITS = re.compile(r"\d{17}")


def assert_never_personal(values: list[str]) -> None:
    assert len(set(values)) == len(values), "minted values must not repeat"
    text = "\n".join(values)
    assert find_pii(text) == []
    # Stricter than the scanner: no mobile-shaped run even inside a longer run of digits.
    assert not ANY_MOBILE_RUN.search(text)
    assert not SEVENTEEN_DIGITS.search(text)


@pytest.mark.parametrize("length", [16, 22, 24, 32, 40, 43])
def test_minted_tokens(length):
    values = [tokens.mint(length) for _ in range(N)]
    assert all(len(v) == length and v.isalpha() for v in values)
    assert_never_personal(values)


def test_minted_uuids():
    values = [tokens.mint_uuid() for _ in range(N)]
    assert all(v.version == 4 for v in values)
    assert_never_personal([str(v) for v in values] + [v.hex for v in values])


def test_the_uuid_filter_can_refuse():
    assert tokens.has_long_digit_run("a13812345678b")
    assert not tokens.has_long_digit_run("SQ20261203-000123")


def test_open311_partner_keys():
    assert_never_personal([Partner().set_key() for _ in range(N)])


def test_recovery_codes_and_totp_secrets():
    assert_never_personal([second_factor._new_recovery_code() for _ in range(N)])
    assert_never_personal([totp.new_secret() for _ in range(N)])


def test_case_refs():
    start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    refs = [case_ref(start + dt.timedelta(hours=7 * i), (i * 99_991) % 10**9) for i in range(N)]
    assert_never_personal(refs)
