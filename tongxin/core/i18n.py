"""Translation helpers: the few places where text must *not* follow the reader's language.

Simplified Chinese is the source language: every msgid is the Chinese text, and English (or
any other catalogue) is a translation of it. File formats and stored data — the headers and
choice labels of the residents' import template, a category's name — stay in the source
language whatever language the reader has chosen; ``source_text`` gives that text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


def source_text(text: Any) -> str:
    """``text`` (a string or a lazy translation) in the source language."""
    with translation.override(None):
        return str(text)


def source_labels(choices: Any) -> list[str]:
    """The labels of a ``TextChoices`` class in the source language, in declaration order."""
    with translation.override(None):
        return [str(label) for label in choices.labels]


def source_choices(choices: Any) -> Iterable[tuple[str, str]]:
    """``(value, label)`` pairs of a ``TextChoices`` class, labels in the source language."""
    with translation.override(None):
        return [(value, str(label)) for value, label in choices.choices]


# A text that may still be a lazy translation (a choice's label, a module-level message).
StrOrLazy = str | Promise

# A lazy translation typed as ``str``, for the interfaces that are typed ``str`` but only turn
# the text into characters late, in the reader's language: an API operation's ``summary`` (the
# OpenAPI document is rendered per request) and a management command's ``help`` (turned into a
# str when the parser is built: commands derive from ``core.commands.TranslatedCommand``).
# Anywhere the text is used at once (joined, dumped to JSON), use gettext().
lazy_str = cast("Callable[[str], str]", gettext_lazy)
