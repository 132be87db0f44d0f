"""Who may read the data centre: staff with a case scope. The figures of a place are counts
(no personal data) and are shown to staff who may see the place; the records behind a figure
only as far as the viewer's own scope reaches (``selectors.case_records``)."""

from __future__ import annotations

from tongxin.core.actors import Actor
from tongxin.core.scoping import scope_for


def may_view_datacentre(user: Actor | None) -> bool:
    return bool(user is not None and user.is_authenticated and scope_for(user).case_paths)


def may_view_dashboards(user: Actor | None) -> bool:
    """The dashboards and the big screen: staff who handle the cases of a community or more
    (the community's secretary and staff, the street's and district's)."""
    return bool(user is not None and user.is_authenticated and scope_for(user).dispatch_paths)
