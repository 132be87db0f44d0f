from __future__ import annotations

from typing import Any

import pytest

from tongxin.datacentre import module_rollups, rollups


@pytest.fixture
def built(demo: Any) -> Any:
    """The demo with the case rollups built."""
    rollups.rebuild_all()
    return demo


@pytest.fixture
def all_built(built: Any) -> Any:
    """The demo with the case rollups and every module's built."""
    module_rollups.rebuild_every()
    return built
