"""Configuration that every request reads, kept per process: the one configuration cache.

Some tables are configuration, not data: a few dozen rows that admins change now and then
and that the hot paths read on every request (the case categories, the deadlines, the working
calendar's overrides, the routing and duty rules). Reading them from the database each time
was most of the intake's avoidable statements. An app names an entry, says how to load it and
which models it is made of (``entry``, from ``AppConfig.ready`` or at import), and reads it
with ``get``:

- each process keeps the loaded value and reuses it;
- a change to one of the entry's models (``save``/``delete`` through their signals, and
  ``update``/``delete``/``bulk_create``/``bulk_update`` through ``ConfigQuerySet``, which those
  models use as their manager) drops the value in this process at once and bumps the entry's
  version in Django's cache, which Redis shares between processes in production;
- another process sees the new version within ``CHECK_SECONDS`` and reloads. With the
  local-memory cache (a single-machine install) versions are per process, so every value is
  also reloaded after ``MAX_AGE_SECONDS``.

Values are shared between requests and threads: they are treated as read-only (model instances
are assigned to foreign keys, never changed). Tests start each one from an empty cache
(``clear``, an autouse fixture).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

CHECK_SECONDS = 1.0  # how stale another process's change may be seen
MAX_AGE_SECONDS = 300.0  # a value is reloaded at least this often


@dataclass
class _Entry:
    load: Callable[[], Any]
    models: tuple[type[models.Model], ...]


@dataclass
class _Held:
    value: Any
    version: int
    loaded: float
    checked: float


_entries: dict[str, _Entry] = {}
_held: dict[str, _Held] = {}
_by_model: dict[type[models.Model], set[str]] = {}
_lock = threading.Lock()


def entry(name: str, load: Callable[[], Any], *watched: type[models.Model]) -> None:
    """Declare the entry ``name``: ``load()`` builds its value from ``watched`` models."""
    _entries[name] = _Entry(load, watched)
    for model in watched:
        if model not in _by_model:
            _by_model[model] = set()
            post_save.connect(_on_change, sender=model, dispatch_uid=f"config:{model._meta.label}")
            post_delete.connect(
                _on_change, sender=model, dispatch_uid=f"config-del:{model._meta.label}"
            )
        _by_model[model].add(name)


def get(name: str) -> Any:
    """The entry's value, loaded at most once per change (and per ``MAX_AGE_SECONDS``)."""
    now = time.monotonic()
    held = _held.get(name)
    if held is not None and now - held.loaded < MAX_AGE_SECONDS:
        if now - held.checked < CHECK_SECONDS:
            return held.value
        if _version(name) == held.version:
            held.checked = now
            return held.value
    version = _version(name)
    value = _entries[name].load()
    with _lock:
        _held[name] = _Held(value, version, now, now)
    return value


def changed(model: type[models.Model]) -> None:
    """Rows of ``model`` changed: drop and bump every entry made of it, now (this process
    reads its own transaction) and again once the transaction commits (other processes may
    have reloaded the old rows meanwhile)."""
    names = tuple(_by_model.get(model, ()))
    if names:
        _drop_and_bump(names)
        transaction.on_commit(lambda: _drop_and_bump(names))


def _drop_and_bump(names: tuple[str, ...]) -> None:
    for name in names:
        with _lock:
            _held.pop(name, None)
        key = _key(name)
        try:
            cache.incr(key)
        except ValueError:  # no version yet
            cache.set(key, 1, None)


def clear() -> None:
    """Forget every value held by this process (tests: before each one)."""
    with _lock:
        _held.clear()


def _version(name: str) -> int:
    return int(cache.get(_key(name)) or 0)


def _key(name: str) -> str:
    return f"tongxin:config:{name}"


def _on_change(sender: type[models.Model], **kwargs: Any) -> None:
    changed(sender)


class ConfigQuerySet(models.QuerySet):
    """The queryset of a configuration model: bulk writes bump its entries too (they send
    no per-row signals)."""

    def update(self, **kwargs: Any) -> int:
        rows = super().update(**kwargs)
        changed(self.model)
        return rows

    def delete(self) -> tuple[int, dict[str, int]]:
        result = super().delete()
        changed(self.model)
        return result

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(*args, **kwargs)
        changed(self.model)
        return created

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        rows = super().bulk_update(*args, **kwargs)
        changed(self.model)
        return rows


ConfigManager = models.Manager.from_queryset(ConfigQuerySet)
