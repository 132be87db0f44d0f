"""Template context every page needs from accounts: whether to show the demo banner."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .demo import DEMO_BANNER, is_demo_database


def demo(request: HttpRequest) -> dict[str, Any]:
    if not is_demo_database(request):
        return {"demo_database": False}
    return {"demo_database": True, "demo_banner": DEMO_BANNER}
