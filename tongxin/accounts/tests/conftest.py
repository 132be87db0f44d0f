"""Fixtures for the login, session and second-factor tests: a clock that stands still until
told to move (time-machine), clients from distinct addresses, and the demo flag switched off."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from tongxin.core import clock as system_clock

PASSWORD = "Tongxin-2026"  # the demo accounts' password (settings.TONGXIN_DEMO_PASSWORD)
_addresses = itertools.count(1)


class Clock:
    """The whole process's clock frozen (time-machine); ``advance`` moves it forward."""

    def __init__(self, traveller: Any) -> None:
        self._traveller = traveller

    @property
    def now(self) -> dt.datetime:
        return system_clock.now()

    def advance(self, **delta: float) -> dt.datetime:
        self._traveller.shift(dt.timedelta(**delta))
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    with time_machine.travel(system_clock.now().replace(microsecond=0), tick=False) as t:
        yield Clock(t)


def new_ip() -> str:
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


@pytest.fixture
def make_client() -> Any:
    """A client from an address of its own (lockouts count per address)."""

    def make(ip: str | None = None) -> Client:
        return Client(REMOTE_ADDR=ip or new_ip())

    return make


@pytest.fixture
def no_demo(demo: Any) -> Any:
    """The database is not a demo database: the second factor is required."""
    from tongxin.accounts.demo import clear_demo_flag

    clear_demo_flag()
    return demo


def login(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password, **extra})


def text(response: Any) -> str:
    return response.content.decode()
