"""The nightly credit sweep (``core.schedule``): post the records whose response window has
ended, and gather records from cases, resolutions and rectification orders. Idempotent."""

from __future__ import annotations

import datetime as dt

from tongxin.core import clock


def credit_sweep() -> str:
    from .services import credit

    today = clock.today()
    since = today - dt.timedelta(days=62)
    raised = (
        credit.records_from_cases(since)
        + credit.records_from_resolutions(today)
        + credit.records_from_rectifications(today)
    )
    posted = credit.post_due(today)
    return f"raised {raised}, posted {posted}"


def survey_draw() -> str:
    """Draw this month's satisfaction sample at every estate under contract that has none
    yet (daily, so a contract starting mid-month gets its sample; a drawn sample is kept)."""
    from .services import survey

    return f"drawn {survey.draw_month(clock.today())}"
