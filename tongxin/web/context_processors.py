"""What every page needs to know about the signed-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def workbench(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from tongxin.accounts.scopes import primary_role_label

    return {"role_label": primary_role_label(user)}
