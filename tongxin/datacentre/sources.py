"""The modules the data centre rolls up besides the cases, each described once: its records,
the date that makes a record's day, its area (grid, else community), its breakdown key, and
each figure as the condition a record meets (a count) or an expression summed over those
that meet it. ``rollups`` writes ``ModuleRollup`` rows from these; ``selectors`` reads the
rows and lists the records behind a figure from the same conditions, under the viewer's
scope (``visible_to`` of the module's model: exactly what the module's own selectors read).

- visits: the visits owed (``VisitTask``), by the day they fell due (``due_by``), per grid (or
  the place cut at the grids' depth when a task has no grid)
  and care tag: due, done on time, done late, missed (cancelled ones are not owed);
- alarms: the presses (``Alarm``) by the day they were opened, per grid and kind: presses,
  false presses, acknowledged and arrived with the summed seconds from the press;
- volunteering: the confirmed service (``Signup`` with confirmed minutes) by the day it was
  confirmed, per community: services, minutes, points;
- needs (``Need``) by the day posted, per community and kind: raised, matched (claimed at
  some time), fulfilled (done, rated or closed after a claim);
- wishes (``Wish``) by the day collected, per community: raised, matched (claimed),
  fulfilled;
- votes (``Vote``, not cancelled) by the day opened, per grid (the vote's place cut at the
  grids' depth) and electorate: held, closed, passed, and over the closed ones the head
  totals stored in the result (eligible, participating: the turnout). Never a ballot, an
  elector or a choice; the records behind a count are the votes;
- meetings (``Meeting``, not cancelled) by the day they start, per grid (their place, else
  the convening organisation's first covered place) and kind: convened, held, minuted, and
  over the held ones the sign-ins and the seats invited;
- party life's scorecards (``PartyCard``, branch and member) by the day first stored, per
  grid (the member's home, else the branch's place) and star band: cards, branch and member
  cards, published, final, objected to;
- the alliance's scorecards, a unit's (``Scorecard``, at its alliance's place) and an
  in-service member's (``MemberScorecard``, where the member lives, else at the alliance's
  place), by the day first stored, per grid and grade: cards, published, final, objected to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, NullIf, Substr
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from tongxin.alarms.models import Alarm, Outcome
from tongxin.alliance.models import CardState as AllianceCardState
from tongxin.alliance.models import MemberScorecard, Objection, Scorecard
from tongxin.deliberation.models import Vote, VoteState
from tongxin.matching.models import Need, NeedState, Wish, WishState
from tongxin.meetings.models import (
    HELD_STATES,
    Attendance,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingState,
)
from tongxin.partylife.models import CardKind, CardObjection, CardState, PartyCard
from tongxin.visits.models import TaskState, VisitTask
from tongxin.volunteering.models import Signup, SignupStatus

# The ``grid`` of a source whose records name no grid: the grid whose path is the record's
# area (annotated by ``module_rollups.counted``), none when the area is above the grids.
AREA_GRID = "area_grid"


@dataclass(frozen=True)
class Figure:
    name: str
    label: Promise
    when: Q = field(default_factory=Q)
    summed: Any = None  # an expression summed over the records meeting ``when``
    seconds: bool = False  # ``summed`` is a duration (rolled up as whole seconds)

    @property
    def countable(self) -> bool:
        """A count of records (it clicks through); a sum does not."""
        return self.summed is None


@dataclass(frozen=True)
class Source:
    name: str
    label: Promise
    model: type[Model]
    at: str  # the datetime field that makes a record's day
    area: Callable[[int | None], Any]  # the area expression, given the community path length
    grid: str | None  # the grid field, if the records have one
    key: str | None  # the breakdown field (empty key when None)
    figures: tuple[Figure, ...]
    base: Q = field(default_factory=Q)  # the records counted at all
    describe: Callable[[Any], list[Any]] = lambda r: [str(r)]
    columns: tuple[Promise, ...] = ()
    related: tuple[str, ...] = ()
    # What marks a record changed since a time (the incremental run's touched days): its
    # ``updated_at`` by default; a module whose record does not carry every change adds the
    # rows that do (``changed``) and the audit rows written on the record (``journal``: the
    # audit object type, e.g. a sign-in or a ballot recorded against its meeting or vote).
    changed: Callable[[Any], Q] = lambda since: Q(updated_at__gte=since)
    journal: str = ""
    stamped: bool = True  # the records have ``updated_at`` (else the run's time is the mark)
    labels: Callable[[], dict[str, str]] | None = None  # the breakdown keys' labels

    def records(self) -> QuerySet[Any]:
        return self.model.objects.all()  # type: ignore[attr-defined,no-any-return]

    def visible(self, user: Any) -> QuerySet[Any]:
        return self.model.objects.visible_to(user)  # type: ignore[attr-defined,no-any-return]

    def figure(self, name: str) -> Figure | None:
        return next((f for f in self.figures if f.name == name), None)


def grid_path_length() -> int | None:
    """Grids sit at one depth of the place tree: the length of their paths."""
    from tongxin.places.models import Place

    sample = Place.objects.filter(kind="grid").values_list("path", flat=True).first()
    return len(sample) if sample else None


def _grid_or_community(field_name: str) -> Callable[[int | None], Any]:
    """The record's grid; without one, its place cut at the grids' depth: the grid it lies
    in (so that the grid's staff find it under their grid), else a place under the
    community (never outside it)."""

    def area(_community: int | None) -> Any:
        length = grid_path_length()
        fallback = Substr(field_name, 1, length) if length else F(field_name)
        return Coalesce(F("grid__path"), fallback)

    return area


def _community(path_field: str) -> Callable[[int | None], Any]:
    def area(length: int | None) -> Any:
        return Substr(path_field, 1, length) if length else F(path_field)

    return area


def _since(later: str, earlier: str) -> Any:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _local(value: Any) -> str:
    from tongxin.core import clock

    return clock.local(value).strftime("%Y-%m-%d %H:%M") if value else ""


DONE = Q(state=TaskState.DONE)

VISITS = Source(
    name="visits",
    label=gettext_lazy("走访"),
    model=VisitTask,
    at="due_by",
    area=_grid_or_community("place_path"),
    grid="grid_id",
    key="rule__care_kind",
    base=~Q(state=TaskState.CANCELLED),
    figures=(
        Figure("due", gettext_lazy("应访")),
        Figure("on_time", gettext_lazy("按时走访"), DONE & Q(done_at__lte=F("due_by"))),
        Figure("late", gettext_lazy("逾期走访"), DONE & Q(done_at__gt=F("due_by"))),
        Figure("missed", gettext_lazy("漏访"), Q(state=TaskState.MISSED)),
        Figure("open", gettext_lazy("待走访"), Q(state=TaskState.OPEN)),
    ),
    related=("person", "rule", "grid"),
    columns=(
        gettext_lazy("居民"),
        gettext_lazy("规则"),
        gettext_lazy("网格"),
        gettext_lazy("应访时限"),
        gettext_lazy("状态"),
    ),
    describe=lambda t: [
        t.person.name,
        t.rule.name,
        t.grid.name if t.grid else "",
        _local(t.due_by),
        t.get_state_display(),
    ],
)

ALARMS = Source(
    name="alarms",
    label=gettext_lazy("爱心铃"),
    model=Alarm,
    at="opened_at",
    area=_grid_or_community("place_path"),
    grid="grid_id",
    key="kind",
    figures=(
        Figure("presses", gettext_lazy("报警")),
        Figure("false_presses", gettext_lazy("误按"), Q(outcome=Outcome.FALSE_PRESS)),
        Figure("acked", gettext_lazy("已响应"), Q(acked_at__isnull=False)),
        Figure(
            "ack_seconds",
            gettext_lazy("响应用时合计（秒）"),
            Q(acked_at__isnull=False),
            summed=_since("acked_at", "opened_at"),
            seconds=True,
        ),
        Figure("arrived", gettext_lazy("已到场"), Q(arrived_at__isnull=False)),
        Figure(
            "arrive_seconds",
            gettext_lazy("到场用时合计（秒）"),
            Q(arrived_at__isnull=False),
            summed=_since("arrived_at", "opened_at"),
            seconds=True,
        ),
    ),
    related=("person", "grid"),
    columns=(
        gettext_lazy("居民"),
        gettext_lazy("网格"),
        gettext_lazy("报警时间"),
        gettext_lazy("状态"),
        gettext_lazy("处置结果"),
    ),
    describe=lambda a: [
        a.person.name if a.person_id else "",
        a.grid.name if a.grid else "",
        _local(a.opened_at),
        a.get_state_display(),
        a.get_outcome_display(),
    ],
)

VOLUNTEERING = Source(
    name="volunteering",
    label=gettext_lazy("志愿服务"),
    model=Signup,
    at="confirmed_at",
    area=_community("activity__community__path"),
    grid=None,
    key=None,
    base=Q(status=SignupStatus.CONFIRMED, confirmed_at__isnull=False),
    figures=(
        Figure("services", gettext_lazy("服务人次")),
        Figure("minutes", gettext_lazy("服务时长（分钟）"), summed=F("minutes")),
        Figure("points", gettext_lazy("所得积分"), summed=F("points")),
    ),
    related=("volunteer__person", "activity"),
    columns=(
        gettext_lazy("志愿者"),
        gettext_lazy("活动"),
        gettext_lazy("确认时间"),
        gettext_lazy("时长（分钟）"),
        gettext_lazy("积分"),
    ),
    describe=lambda s: [
        s.volunteer.person.name,
        s.activity.title,
        _local(s.confirmed_at),
        s.minutes,
        s.points,
    ],
)

FULFILLED_NEED = Q(state__in=[NeedState.DONE, NeedState.RATED]) | Q(
    state=NeedState.CLOSED, claimed_at__isnull=False
)

NEEDS = Source(
    name="needs",
    label=gettext_lazy("微需求"),
    model=Need,
    at="created_at",
    area=_community("community__path"),
    grid=None,
    key="kind",
    figures=(
        Figure("raised", gettext_lazy("提出")),
        Figure("matched", gettext_lazy("已认领"), Q(claimed_at__isnull=False)),
        Figure("fulfilled", gettext_lazy("已完成"), FULFILLED_NEED),
    ),
    related=("community",),
    columns=(
        gettext_lazy("需求内容"),
        gettext_lazy("类别"),
        gettext_lazy("提出时间"),
        gettext_lazy("状态"),
    ),
    describe=lambda n: [
        n.description[:60],
        n.get_kind_display(),
        _local(n.created_at),
        n.get_state_display(),
    ],
)

WISHES = Source(
    name="wishes",
    label=gettext_lazy("微心愿"),
    model=Wish,
    at="created_at",
    area=_community("campaign__community__path"),
    grid=None,
    key=None,
    figures=(
        Figure("raised", gettext_lazy("征集")),
        Figure("matched", gettext_lazy("已认领"), Q(claimed_at__isnull=False)),
        Figure("fulfilled", gettext_lazy("已圆梦"), Q(state=WishState.FULFILLED)),
    ),
    related=("campaign",),
    columns=(
        gettext_lazy("心愿"),
        gettext_lazy("征集时间"),
        gettext_lazy("状态"),
    ),
    describe=lambda w: [w.text[:60], _local(w.created_at), w.get_state_display()],
)


def _at_grid_depth(path: Any) -> Any:
    """A place path cut at the grids' depth: the grid it lies in (an estate's, a building's),
    or itself when it is above the grids (a community)."""
    length = grid_path_length()
    return Substr(path, 1, length) if length else path


def _org_place() -> Any:
    """The first place (by path) an organisation covers: where its meetings and its cards
    are counted when nothing closer is known."""
    from tongxin.places.models import Place

    return Subquery(
        Place.objects.filter(organisations=OuterRef("organisation_id"))
        .order_by("path")
        .values("path")[:1]
    )


def _count_of(model: type[Model], link: str) -> Any:
    """The number of ``model`` rows of the record (``link``: their key to it), 0 for none: a
    count inside the sum (a meeting's sign-ins), never a read of those rows."""
    rows = (
        model._default_manager.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def _having(model: type[Model], **filters: Any) -> Q:
    """A condition on the counted record: it has a row of ``model`` (an objection to a
    card). Only a condition inside the count (``EXISTS``), never a read of those rows: the
    records themselves are read under their module's ``visible_to``."""
    return Q(Exists(model._default_manager.filter(**filters)))


VOTE_CLOSED = Q(state=VoteState.CLOSED)

VOTES = Source(
    name="votes",
    label=gettext_lazy("表决"),
    model=Vote,
    at="opens_at",
    area=lambda _length: _at_grid_depth(F("place_path")),
    grid=AREA_GRID,
    key="electorate",
    base=~Q(state=VoteState.CANCELLED),
    # Counts of votes and the stored result's head counts only: never a ballot, never who
    # voted, never a choice; the records behind a count are the votes themselves.
    figures=(
        Figure("held", gettext_lazy("表决事项")),
        Figure("closed", gettext_lazy("已结束"), VOTE_CLOSED),
        Figure("passed", gettext_lazy("通过"), VOTE_CLOSED & Q(result__passed=True)),
        Figure(
            "eligible_heads",
            gettext_lazy("应参与人数（已结束）"),
            VOTE_CLOSED,
            summed=F("eligible_heads"),
        ),
        Figure(
            "participating_heads",
            gettext_lazy("参与人数（已结束）"),
            VOTE_CLOSED,
            summed=Cast(KT("result__participating_heads"), BigIntegerField()),
        ),
    ),
    journal="deliberation.vote",
    related=("place",),
    columns=(
        gettext_lazy("表决事项"),
        gettext_lazy("范围"),
        gettext_lazy("开始时间"),
        gettext_lazy("状态"),
        gettext_lazy("结果"),
    ),
    describe=lambda v: [
        v.title,
        v.place.name,
        _local(v.opens_at),
        v.get_state_display(),
        (gettext("通过") if (v.result or {}).get("passed") else gettext("未通过"))
        if v.state == VoteState.CLOSED
        else "",
    ],
)

MEETING_HELD = Q(state__in=HELD_STATES)

MEETINGS = Source(
    name="meetings",
    label=gettext_lazy("会议"),
    model=Meeting,
    at="starts_at",
    area=lambda _length: Coalesce(_at_grid_depth(F("place__path")), _at_grid_depth(_org_place())),
    grid=AREA_GRID,
    key="kind__code",
    base=~Q(state=MeetingState.CANCELLED),
    figures=(
        Figure("convened", gettext_lazy("召集")),
        Figure("held", gettext_lazy("已召开"), MEETING_HELD),
        Figure("minuted", gettext_lazy("有纪要"), MEETING_HELD & ~Q(minutes="")),
        Figure(
            "signins",
            gettext_lazy("签到人次"),
            MEETING_HELD,
            summed=_count_of(Attendance, "meeting"),
        ),
        Figure(
            "seats",
            gettext_lazy("应到席位"),
            MEETING_HELD,
            summed=_count_of(Invitation, "meeting"),
        ),
    ),
    # A meeting has no change time: its new rows (created_at) and the audit rows written on
    # it (held, minuted, cancelled, each sign-in and apology) are its changes.
    changed=lambda since: Q(created_at__gte=since),
    journal="meetings.meeting",
    stamped=False,
    labels=lambda: dict(MeetingKind.objects.values_list("code", "label")),
    related=("kind", "organisation"),
    columns=(
        gettext_lazy("会议名称"),
        gettext_lazy("类型"),
        gettext_lazy("召集组织"),
        gettext_lazy("开始时间"),
        gettext_lazy("状态"),
    ),
    describe=lambda m: [
        m.title,
        m.kind.label,
        m.organisation.name,
        _local(m.starts_at),
        m.get_state_display(),
    ],
)


def _objected(**extra: Any) -> Q:
    return _having(CardObjection, card=OuterRef("pk"), **extra)


def _stars() -> dict[str, str]:
    return {str(n): gettext("{n}星").format(n=n) for n in range(6)}


SCORECARDS = Source(
    name="scorecards",
    label=gettext_lazy("党建成绩单"),
    model=PartyCard,
    at="created_at",  # the day the card was first stored (a recomputed draft keeps it)
    # A member's card where the member lives, a branch's where the branch is (its first
    # covered place); a card with neither is not counted.
    area=lambda _length: Coalesce(
        _at_grid_depth(NullIf(F("person__place_path"), Value(""))),
        _at_grid_depth(_org_place()),
    ),
    grid=AREA_GRID,
    key="stars",  # the grade band
    figures=(
        Figure("cards", gettext_lazy("成绩单")),
        Figure("branch_cards", gettext_lazy("支部成绩单"), Q(kind=CardKind.BRANCH)),
        Figure("member_cards", gettext_lazy("党员成绩单"), Q(kind=CardKind.MEMBER)),
        Figure("published", gettext_lazy("公示中"), Q(state=CardState.PUBLISHED)),
        Figure("final", gettext_lazy("已确定"), Q(state=CardState.FINAL)),
        Figure("objected", gettext_lazy("有异议"), _objected()),
    ),
    changed=lambda since: Q(updated_at__gte=since) | _objected(updated_at__gte=since),
    labels=_stars,
    related=("organisation", "person"),
    columns=(
        gettext_lazy("党组织/党员"),
        gettext_lazy("类型"),
        gettext_lazy("年度"),
        gettext_lazy("总分"),
        gettext_lazy("星级"),
        gettext_lazy("状态"),
    ),
    describe=lambda c: [
        c.person.name if c.person_id else c.organisation.name,
        c.get_kind_display(),
        c.year,
        c.total,
        c.stars,
        c.get_state_display(),
    ],
)


def _alliance_objected(link: str, **extra: Any) -> Q:
    return _having(Objection, **{link: OuterRef("pk")}, **extra)


def _grades(model: type[Model]) -> dict[str, str]:
    """The alliance's grades are its formula's words (data): each is its own label."""
    grades = model._default_manager.order_by().values_list("grade", flat=True).distinct()
    return {g: g for g in grades}


def _alliance_figures(link: str) -> tuple[Figure, ...]:
    return (
        Figure("cards", gettext_lazy("成绩单")),
        Figure("published", gettext_lazy("公示中"), Q(state=AllianceCardState.PUBLISHED)),
        Figure("final", gettext_lazy("已确定"), Q(state=AllianceCardState.FINAL)),
        Figure("objected", gettext_lazy("有异议"), _alliance_objected(link)),
    )


UNIT_CARDS = Source(
    name="unit_cards",
    label=gettext_lazy("联盟单位成绩单"),
    model=Scorecard,
    at="created_at",
    area=lambda _length: _at_grid_depth(F("membership__alliance__place_path")),
    grid=AREA_GRID,
    key="grade",  # the grade band, as the alliance's formula names it
    figures=_alliance_figures("scorecard"),
    changed=lambda since: (
        Q(updated_at__gte=since) | _alliance_objected("scorecard", updated_at__gte=since)
    ),
    labels=lambda: _grades(Scorecard),
    related=("membership__unit",),
    columns=(
        gettext_lazy("成员单位"),
        gettext_lazy("年度"),
        gettext_lazy("总分"),
        gettext_lazy("等次"),
        gettext_lazy("状态"),
    ),
    describe=lambda c: [
        c.membership.unit.name,
        c.year,
        c.total,
        c.grade,
        c.get_state_display(),
    ],
)

SERVICE_CARDS = Source(
    name="service_cards",
    label=gettext_lazy("在职党员成绩单"),
    model=MemberScorecard,
    at="created_at",
    # Where the member lives, else where their alliance is.
    area=lambda _length: Coalesce(
        _at_grid_depth(NullIf(F("member__person__place_path"), Value(""))),
        _at_grid_depth(F("alliance__place_path")),
    ),
    grid=AREA_GRID,
    key="grade",
    figures=_alliance_figures("member_card"),
    changed=lambda since: (
        Q(updated_at__gte=since) | _alliance_objected("member_card", updated_at__gte=since)
    ),
    labels=lambda: _grades(MemberScorecard),
    related=("member__person", "member__unit"),
    columns=(
        gettext_lazy("在职党员"),
        gettext_lazy("单位"),
        gettext_lazy("年度"),
        gettext_lazy("总分"),
        gettext_lazy("等次"),
        gettext_lazy("状态"),
    ),
    describe=lambda c: [
        c.member.person.name,
        c.member.unit.name,
        c.year,
        c.total,
        c.grade,
        c.get_state_display(),
    ],
)

# The sources that are scorecards (their panels: the objection rate).
CARDS = ("scorecards", "unit_cards", "service_cards")

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        VISITS,
        ALARMS,
        VOLUNTEERING,
        NEEDS,
        WISHES,
        VOTES,
        MEETINGS,
        SCORECARDS,
        UNIT_CARDS,
        SERVICE_CARDS,
    )
}
