"""六个一 of an alliance for a year, computed from the records: a joint meeting every quarter,
the agreements signed, the wishes claimed, the activities held, the problems found and the
problems solved — each with the records it counts (``core.scoring.Evidence``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.scoring import Evidence
from tongxin.meetings import selectors as meeting_selectors
from tongxin.meetings.models import Meeting

from ..models import Agreement, Alliance, Membership
from . import records

JOINT_MEETING = "joint"  # the meeting kind of a 联席会 (tongxin.meetings)


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def quarters_ended(year: int, today: dt.date | None = None) -> list[int]:
    """The quarters of ``year`` that have ended by ``today`` (all four for a past year)."""
    today = today or clock.today()
    out = []
    for q in range(1, 5):
        end = dt.date(year, 12, 31) if q == 4 else dt.date(year, 3 * q + 1, 1) - dt.timedelta(1)
        if end < today:
            out.append(q)
    return out


@dataclass
class One:
    """One of the six: its code, label, count and evidence."""

    code: str
    label: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.evidence)


@dataclass
class SixOnes:
    alliance: Alliance
    year: int
    ones: list[One]
    # quarter → the joint meetings held in it; ``missing`` the ended quarters without one
    meetings_by_quarter: dict[int, list[Evidence]]
    missing_quarters: list[int]


def meeting_evidence(meeting: Meeting) -> Evidence:
    return Evidence(
        "meetings.meeting",
        meeting.pk,
        _("{day} {title}").format(
            day=clock.local_date(meeting.starts_at).isoformat(), title=meeting.title
        ),
        meeting_url(meeting.pk),
    )


def meeting_url(pk: int) -> str:
    """The meeting's page, once the meetings app serves one (its URL name: ``detail``)."""
    for name in ("meetings:detail", "meetings:meeting"):
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return ""


def compute(alliance: Alliance, year: int) -> SixOnes:
    start, end = records.year_bounds(year)
    units = list(Membership.objects.filter(alliance=alliance).values_list("unit_id", flat=True))
    held = meeting_selectors.meetings_held(
        [alliance.organisation_id], start, end, kind=JOINT_MEETING
    )
    by_quarter: dict[int, list[Evidence]] = {q: [] for q in range(1, 5)}
    for m in held:
        by_quarter[quarter_of(clock.local_date(m.starts_at))].append(meeting_evidence(m))
    missing = [q for q in quarters_ended(year) if not by_quarter[q]]
    signed = (
        Agreement.objects.filter(membership__alliance=alliance, year=year, signed_on__isnull=False)
        .select_related("membership__unit")
        .order_by("signed_on", "id")
    )

    def flat(by_unit: records.ByUnit) -> list[Evidence]:
        rows = [r for unit_rows in by_unit.values() for r in unit_rows]
        rows.sort(key=lambda r: (r.day, str(r.evidence.id)))
        return [r.evidence for r in rows]

    ones = [
        One("meetings", _("联席会议"), [e for q in range(1, 5) for e in by_quarter[q]]),
        One(
            "agreements",
            _("签订共建协议"),
            [
                Evidence(
                    "alliance.agreement",
                    a.pk,
                    _("{unit} {day} 签订").format(unit=a.membership.unit.name, day=a.signed_on),
                    _agreement_url(a.pk),
                )
                for a in signed
            ],
        ),
        One("wishes", _("认领微心愿"), flat(records.wishes(units, start, end))),
        One("activities", _("开展志愿活动"), flat(records.activities(units, start, end))),
        One("found", _("发现问题"), flat(records.reported(units, start, end))),
        One("solved", _("解决问题"), flat(records.problems(units, start, end))),
    ]
    return SixOnes(alliance, year, ones, by_quarter, missing)


def _agreement_url(pk: int) -> str:
    return reverse("alliance:agreement", args=[pk])
