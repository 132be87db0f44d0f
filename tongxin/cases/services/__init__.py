"""Writes to cases, in three parts: intake (``intake.case_report``), the acts of the workflow
(``acts.case_act``) and the clock worker's act (``clocks.case_check_clocks``). Callers import
``tongxin.cases.services`` and use the names below."""

from .acts import HANDLERS, Outcome, case_act, case_reveal_phone
from .clocks import case_check_clocks, case_sweep_clocks
from .common import MAX_DESCRIPTION, MAX_PHOTOS, case_link
from .intake import Location, case_report, nearby_open_cases, resolve_location

__all__ = [
    "HANDLERS",
    "MAX_DESCRIPTION",
    "MAX_PHOTOS",
    "Location",
    "Outcome",
    "case_act",
    "case_check_clocks",
    "case_link",
    "case_report",
    "case_reveal_phone",
    "case_sweep_clocks",
    "nearby_open_cases",
    "resolve_location",
]
