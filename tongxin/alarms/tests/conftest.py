from __future__ import annotations

import pytest

from tongxin.core import tokens


@pytest.fixture(autouse=True)
def _own_topics(settings):
    """Each test its own topic root, so that parallel runs on one broker never cross."""
    settings.TONGXIN_ALARM_TOPIC_ROOT = f"test-{tokens.mint(12).lower()}/alarm"
