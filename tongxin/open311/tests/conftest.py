from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def open311(demo: Any) -> Any:
    """The demo jurisdiction and partner (created here if the demo run did not)."""
    from tongxin.demo.open311 import DEMO_KEY, build_demo_open311
    from tongxin.open311.models import Partner

    partner = Partner.by_key(DEMO_KEY) or build_demo_open311()
    return partner
