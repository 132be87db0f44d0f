"""The printed and exported records of party life: the organisation's 会议记录本 (record book)
of a year — every party meeting with its kind, topic, presenter, recorder, the numbers due,
present, excused and absent, the absentees with their reasons, the minutes and the superior's
review — and the 评先评优 list the 1 July commendations (七一表彰) start from.

Both read what the viewer may already see: the book is an officer's over the organisation
(the view checks it), the commendation list is built from the scorecards the viewer lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.orgs.models import Organisation

from ..models import AppraisalGrade, AppraisalResult, LifeRecord
from . import board, life
from . import scorecards as registry


@dataclass
class BookEntry:
    day: str
    kind: str
    title: str
    topic: str
    materials: str
    presenter: str
    recorder: str
    place: str
    due: int
    present: int
    excused: int
    absent: int
    absentees: str
    minutes: str
    review: str
    meeting_id: int


def record_book(org: Organisation, year: int) -> list[BookEntry]:
    """The year's party meetings of the organisation, oldest first (a book reads forward)."""
    rows = list(reversed(board.meeting_rows(org, year)))
    records = {
        r.meeting_id: r
        for r in LifeRecord.objects.filter(meeting_id__in=[r.meeting.pk for r in rows])
        .select_related("presenter", "recorder")
        .prefetch_related("materials")
    }
    out = []
    for r in rows:
        m = r.meeting
        rec = records.get(m.pk)
        review = ""
        if rec is not None:
            review = str(rec.get_review_state_display())
            if rec.review_note:
                review = f"{review}：{rec.review_note}"
        out.append(
            BookEntry(
                day=clock.local(m.starts_at).strftime("%Y-%m-%d %H:%M"),
                kind=str(m.kind.label),
                title=m.title,
                topic=rec.topic if rec else m.title,
                materials="、".join(f"《{mt.title}》" for mt in rec.materials.all()) if rec else "",
                presenter=rec.presenter.name if rec and rec.presenter else "",
                recorder=rec.recorder.name if rec and rec.recorder else "",
                place=m.place_text,
                due=r.due,
                present=r.present,
                excused=r.excused,
                absent=r.absent,
                absentees="、".join(f"{name}（{why or _('无故')}）" for name, why in r.absentees),
                minutes=m.minutes,
                review=review,
                meeting_id=m.pk,
            )
        )
    return out


def book_header() -> list[str]:
    return [
        _("日期"),
        _("类型"),
        _("主题"),
        _("学习材料"),
        _("主持人/主讲人"),
        _("记录人"),
        _("地点"),
        _("应到"),
        _("实到"),
        _("请假"),
        _("缺席"),
        _("缺席人员及事由"),
        _("会议记录"),
        _("上级审核"),
    ]


def book_rows(entries: list[BookEntry]) -> list[list[Any]]:
    return [
        [
            e.day,
            e.kind,
            e.topic,
            e.materials,
            e.presenter,
            e.recorder,
            e.place,
            e.due,
            e.present,
            e.excused,
            e.absent,
            e.absentees,
            e.minutes,
            e.review,
        ]
        for e in entries
    ]


def cadence_rows(org: Organisation, year: int) -> list[list[Any]]:
    """The book's summary sheet: each required kind, required, held, missing periods."""
    return [
        [k.label, k.required, k.held, "、".join(p.label for p in k.missing)]
        for k in life.life_of(org, year)
    ]


# ------------------------------------------------------------------------ 评先评优 / 七一表彰


@dataclass
class Honour:
    title: str  # 先进基层党组织 / 优秀共产党员
    subject: str
    card_id: str
    total: Decimal
    stars: int
    basis: str


def _all(viewer: Actor, kind: str, year: int) -> list[dict[str, Any]]:
    p = registry.provider(kind)
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        bodies, n = p.list(viewer, year, page)
        out.extend(bodies)
        if not bodies or len(out) >= n:
            return out
        page += 1


def honours(viewer: Actor, year: int) -> list[Honour]:
    """The 评先评优 candidates of ``year`` among the cards the viewer may see, the basis of
    the 1 July commendations: branches of five stars with no missing period of their cadence
    (先进基层党组织); members of five stars graded 优秀 in the year's 民主评议 (优秀共产党员;
    probationary members are not graded, so never listed). Best first."""
    out: list[Honour] = []
    for b in _all(viewer, "branch", year):
        missed = [i for i in b["items"] if i.get("rule") == "life_missed" and i["evidence"]]
        if b["stars"] == 5 and not missed:
            out.append(
                Honour(
                    _("先进基层党组织"),
                    b["subject"],
                    b["id"],
                    Decimal(str(b["total"])),
                    5,
                    _("五星党支部，组织生活无缺期"),
                )
            )
    members = [m for m in _all(viewer, "member", year) if m["stars"] == 5]
    excellent = set(
        AppraisalResult.objects.filter(
            appraisal__year=year,
            grade=AppraisalGrade.EXCELLENT,
            person_id__in=[int(m["id"].split("-")[1]) for m in members],
        ).values_list("person_id", flat=True)
    )
    for m in members:
        if int(m["id"].split("-")[1]) in excellent:
            out.append(
                Honour(
                    _("优秀共产党员"),
                    m["subject"],
                    m["id"],
                    Decimal(str(m["total"])),
                    5,
                    _("五星党员，民主评议优秀"),
                )
            )
    out.sort(key=lambda h: (str(h.title), -h.total, h.subject))
    return out
