"""Helpers for the page tests: which people and households a page links to, clear values."""

from __future__ import annotations

import re
from typing import Any

from tongxin.core import vault
from tongxin.people.services import ID_CONTEXT, PHONE_CONTEXT

PERSON_LINK = re.compile(r'href="/people/(\d+)/"')
HOUSEHOLD_LINK = re.compile(r'href="/households/(\d+)/"')
PLACE_LINK = re.compile(r'href="/places/(\d+)/"')
CSRF = re.compile(r"[A-Za-z0-9]{64}")


def html(response: Any) -> str:
    return response.content.decode()


def linked_person_ids(response: Any) -> set[int]:
    return {int(x) for x in PERSON_LINK.findall(html(response))}


def linked_household_ids(response: Any) -> set[int]:
    return {int(x) for x in HOUSEHOLD_LINK.findall(html(response))}


def linked_place_ids(response: Any) -> set[int]:
    return {int(x) for x in PLACE_LINK.findall(html(response))}


def clear_id_number(person: Any) -> str:
    return vault.decrypt(person.id_number_cipher, context=ID_CONTEXT)


def clear_phone(person: Any) -> str:
    return vault.decrypt(person.phone_cipher, context=PHONE_CONTEXT) if person.phone_cipher else ""


def without_tokens(text: str) -> str:
    """The page with its per-request CSRF token taken out, to compare two responses."""
    return CSRF.sub("", text)
