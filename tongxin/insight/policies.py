"""Who may read the trends: staff with a case scope (they read only what that scope shows)."""

from __future__ import annotations

from tongxin.core.actors import Actor
from tongxin.core.scoping import scope_for


def may_view_trends(user: Actor | None) -> bool:
    return bool(user is not None and user.is_authenticated and scope_for(user).case_paths)
