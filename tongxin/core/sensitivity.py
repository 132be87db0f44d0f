"""Every field that holds personal information, classified (GB/T 35273).

- ``SENSITIVE``: sensitive personal information — identity numbers, phone numbers, care tags
  (health, disability, low income, criminal record, minors in difficulty), secrets. Encrypted
  or kept out of every output unless a role needs it; full values only through an audited
  reveal.
- ``GENERAL``: personal information that is not sensitive — names, relations, posts, dates.
  Shown only within scope (``visible_to``).
- ``STRUCTURAL``: no personal information by itself — keys, timestamps, places, statuses.

``tongxin/core/tests/test_sensitivity.py`` fails when a model that holds personal data has a
field that is not classified, or when an entry names a field that no longer exists: a new field
is a decision, not an accident. Each app classifies its own models in ``<app>/sensitivity.py``
and registers them from ``AppConfig.ready`` (``register``); the core classifies its own here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

SENSITIVE = "sensitive"
GENERAL = "general"
STRUCTURAL = "structural"


@dataclass(frozen=True)
class Classes:
    sensitive: tuple[str, ...] = ()
    general: tuple[str, ...] = ()
    structural: tuple[str, ...] = ()

    def of(self, field: str) -> str | None:
        for name, fields in (
            (SENSITIVE, self.sensitive),
            (GENERAL, self.general),
            (STRUCTURAL, self.structural),
        ):
            if field in fields:
                return name
        return None

    def all(self) -> set[str]:
        return {*self.sensitive, *self.general, *self.structural}


_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "core.auditevent": Classes(
        general=("actor_name", "role", "action", "object_type", "object_id", "ip", "detail"),
        structural=(
            "id",
            "seq",
            "at",
            "actor",
            "subject_person_id",
            "result",
            "request_id",
            "prev_hash",
            "row_hash",
        ),
    ),
    "core.storedupload": Classes(
        general=("original_name",),
        structural=(
            "id",
            "purpose",
            "kind",
            "storage_name",
            "size",
            "sha256",
            "width",
            "height",
            "uploaded_by",
            "owner_type",
            "owner_id",
            "created_at",
        ),
    ),
}


def register(entries: dict[str, Classes]) -> None:
    """Add an app's classification (``<app>/sensitivity.py``, from its ``AppConfig.ready``):
    each app classifies its own fields, so a new field of an app is a change to that app."""
    for label, classes in entries.items():
        if CLASSIFICATION.get(label, classes) != classes:
            raise ValueError(f"{label} is classified twice, differently")
        CLASSIFICATION[label] = classes


def classify(model_label: str, field: str) -> str | None:
    entry = CLASSIFICATION.get(model_label.lower())
    return entry.of(field) if entry else None


def sensitive_fields(model_label: str) -> tuple[str, ...]:
    entry = CLASSIFICATION.get(model_label.lower())
    return entry.sensitive if entry else ()


# Numbers the system publishes on purpose (a post's public phone on the contact card and the
# wall, 电话公开): whoever publishes such numbers registers a function that lists them, so
# that the test suite's leak scanner (``core.testing``) tells a published number from a
# private one that escaped.
_PUBLISHED_SOURCES: list[Callable[[], Iterable[str]]] = []


def register_published_numbers(source: Callable[[], Iterable[str]]) -> None:
    if source not in _PUBLISHED_SOURCES:
        _PUBLISHED_SOURCES.append(source)


def published_numbers() -> set[str]:
    found: set[str] = set()
    for source in _PUBLISHED_SOURCES:
        found.update(source())
    return found
