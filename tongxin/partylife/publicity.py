"""The publicity window (公示) with objections — one mechanism for the scorecards and the
评先评优 nomination lists: a published thing is open to objections until the last day of its
window (``publish_until``); it becomes final only once the window has passed and every
objection (``CardObjection``) has its answer.

A window counts calendar days (the scorecards: 5 days) or working days (the nomination
lists: 公示不少于 5 个工作日), the working days by the one work calendar
(``cases.worktime``: the State Council's arrangement, the Spring Festival and New Year
holidays and their make-up days, the admin's overrides).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from tongxin.core import clock


def window_end(start: dt.date, days: int, *, working: bool) -> dt.date:
    """The last day of a window of ``days`` days after ``start`` (the day it is published):
    ``start + days``, or the ``days``-th working day after ``start``."""
    if not working:
        return start + dt.timedelta(days=days)
    from tongxin.cases.worktime import Calendar

    calendar = Calendar(start, start + dt.timedelta(days=days * 3 + 30))
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return day


def is_open(published: bool, until: dt.date | None) -> bool:
    return published and (until is None or clock.today() <= until)


def require_open(published: bool, until: dt.date | None, message: str | None = None) -> None:
    """Objections only within the window (409 ``SCORECARD_NOT_OPEN`` otherwise)."""
    from tongxin.alliance.errors import ScorecardNotOpen

    if not is_open(published, until):
        raise ScorecardNotOpen(message or _("成绩不在公示期内，不能提出异议"))


def require_closable(*, window_open: bool, unanswered: bool) -> None:
    """Final only after the window and with every objection answered (409
    ``PUBLICATION_WINDOW_OPEN`` otherwise)."""
    from tongxin.alliance.errors import PublicationWindowOpen

    if window_open:
        raise PublicationWindowOpen(_("公示期尚未结束"))
    if unanswered:
        raise PublicationWindowOpen(_("还有异议未答复"))
