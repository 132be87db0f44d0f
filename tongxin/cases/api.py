"""API for cases (民情诉求): the category tree, intake, worklists, one case with its timeline,
every act of the workflow, measures, nearby open cases, the audited phone reveal, and the
upload of case photos.

Thin by design: parse, authorise, call ``services`` / ``selectors``, render. Cases are reached
through ``Case.objects.visible_to`` (out of sight answers 404 like missing); the acts go
through ``services.case_act`` (409 ``TRANSITION_NOT_ALLOWED`` when the state does not allow
the act, 403 ``ACTION_FORBIDDEN`` when the caller may not do it).

What a caller sees of a case depends on who they are to it:
- **internal** viewers (staff over the place, dispatcher, owner, handler, a department called
  in) see the whole timeline, the routing decisions and their reasons, the calls and clocks;
- the **reporter** sees the public events and their own report;
- anyone else who reaches a case (a neighbour saying "me too") sees its public face only.
The reporter's identity (name and masked phone) is shown only where
``policies.sees_reporter`` allows; the full number only through the audited reveal.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import File, Header, Router, Status, UploadedFile

from tongxin.core import uploads
from tongxin.core.actors import Actor
from tongxin.core.api_support import Utf8JSONRenderer, caller, paginate
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.models import StoredUpload
from tongxin.core.ratelimit import hit
from tongxin.core.scoping import access, scope_for
from tongxin.places.api import access_place, place_ref
from tongxin.places.geo import distance_m

from . import config, policies, selectors, services
from .errors import CaseCode
from .models import (
    Case,
    CaseCategory,
    CaseEvent,
    Channel,
    DepartmentCall,
    Feedback,
    Level,
    Priority,
)
from .schemas import (
    ActionIn,
    CaseDetailOut,
    CaseIn,
    CasePage,
    CategoryOut,
    MeasuresOut,
    NearbyPage,
    RevealPhoneIn,
    RevealPhoneOut,
    SuggestIn,
    SuggestOut,
    UploadsOut,
)
from .suggest import services as suggest_service
from .workflow import Act, State

router = Router(tags=["cases"])

_STATE_LABELS = dict(State.choices)
_ACT_LABELS = dict(Act.choices)
_PRIORITY_LABELS = dict(Priority.choices)
_CHANNEL_LABELS = dict(Channel.choices)
_LEVEL_LABELS = dict(Level.choices)
_FEEDBACK_LABELS = dict(Feedback.choices)
_CALL_LABELS = dict(DepartmentCall.Status.choices)


@functools.cache
def _labels_in(language: str) -> dict[str, dict[str, str]]:
    """A row's choice labels as plain text in ``language``, asked while it is the active
    one: translated once per language and process, not once per row and field (a list's
    answer is rendered without its schema, which turned the lazy labels into text)."""
    return {
        name: {value: str(label) for value, label in labels.items()}
        for name, labels in (
            ("priority", _PRIORITY_LABELS),
            ("channel", _CHANNEL_LABELS),
            ("state", _STATE_LABELS),
            ("level", _LEVEL_LABELS),
            ("feedback", _FEEDBACK_LABELS),
        )
    }


def _labels() -> dict[str, dict[str, str]]:
    return _labels_in(translation.get_language() or "")


# Places precise enough to be someone's home: their address is not shown to the public.
_PRIVATE_PLACE_KINDS = frozenset({"unit", "dwelling"})
MEASURE_GROUPS = ("total", "grid", "community", "department", "category")


def _fail(field_name: str, reason: str) -> ValidationFailed:
    return ValidationFailed(reason, fields=[{"field": field_name, "reason": reason}])


def _choices_text(choices: Any) -> str:
    return "、".join(f"{value}（{label}）" for value, label in choices)


# ------------------------------------------------------------------ who is looking


@dataclass(frozen=True)
class Viewer:
    """What the caller is to one case (see the module docstring)."""

    internal: bool
    reporter: bool
    sees_reporter: bool

    @property
    def public(self) -> bool:
        return not (self.internal or self.reporter)


def viewer_of(user: Actor, case: Case, *, called: bool | None = None) -> Viewer:
    """What the caller sees of the case (``policies.works_on`` decides the internal view; a
    list passes ``called`` from ``policies.called_case_ids`` to spare a query per case)."""
    return Viewer(
        internal=policies.works_on(user, case, called=called),
        reporter=policies.is_reporter(user, case),
        sees_reporter=policies.sees_reporter(user, case),
    )


def _user_label(user: Actor | None) -> str | None:
    if user is None:
        return None
    person = user.person if user.person_id else None
    return person.name if person else user.get_username()


# ------------------------------------------------------------------ rendering


# (the categories of the configuration cache, the refs built from them): one tuple, swapped
# whole.
_refs_of: list[tuple[Any, dict[int, dict[str, str]]]] = [(None, {})]


def _category_refs() -> dict[int, dict[str, str]]:
    """Category id → code, name and full name, for every category (from the configuration
    cache; built again only when the cache holds other categories)."""
    categories = config.categories()
    held, refs = _refs_of[0]
    if held is categories:
        return refs
    refs = _build_category_refs(categories)
    _refs_of[0] = (categories, refs)
    return refs


def _build_category_refs(categories: Any) -> dict[int, dict[str, str]]:
    by_pk = {c.pk: (c.parent_id, c.code, c.name) for c in categories.by_pk.values()}
    out: dict[int, dict[str, str]] = {}
    for pk, (_parent, code, name) in by_pk.items():
        names: list[str] = []
        node: int | None = pk
        while node is not None and len(names) < 10:
            parent, _code, node_name = by_pk[node]
            names.append(node_name)
            node = parent
        out[pk] = {"code": code, "name": name, "full_name": " › ".join(reversed(names))}
    return out


def file_url(upload_id: Any) -> str:
    return reverse("core:file", args=[upload_id])


def case_out(case: Case, viewer: Viewer, categories: dict[int, dict[str, str]]) -> dict[str, Any]:
    """The fields every answer about a case carries (lists and the detail)."""
    address = case.address
    if viewer.public and case.place is not None and case.place.kind in _PRIVATE_PLACE_KINDS:
        address = ""
    reporter = None
    if viewer.sees_reporter:
        reporter = {"label": str(case.reporter_label), "anonymous": case.anonymous}
    labels = _labels()
    return {
        "id": case.pk,
        "ref": case.ref,
        "category": categories[case.category_id],
        "priority": case.priority,
        "priority_label": labels["priority"].get(case.priority, case.priority),
        "channel": case.channel,
        "channel_label": labels["channel"].get(case.channel, case.channel),
        "state": case.state,
        "state_label": labels["state"].get(case.state, case.state),
        "description": case.description,
        "address": address,
        "lat": case.lat,
        "lng": case.lng,
        "grid": {"id": case.grid.pk, "name": case.grid.name} if case.grid else None,
        "level": case.level,
        "level_label": labels["level"].get(case.level, case.level),
        "assignee": {
            "label": str(case.assignee_label()),
            "person": case.assignee_person_id,
            "org": case.assignee_org_id,
        },
        "owner": case.owner.name if case.owner and not viewer.public else None,
        "reporter": reporter,
        "overdue": case.overdue,
        "supervised": case.supervised,
        "support_count": case.support_count,
        "reopen_count": case.reopen_count,
        "feedback": case.feedback,
        "feedback_label": labels["feedback"].get(case.feedback, ""),
        "public_note": case.public_note,
        "created_at": case.created_at,
        "accept_due": case.accept_due,
        "arrive_due": case.arrive_due,
        "resolve_due": case.resolve_due,
        "accepted_at": case.accepted_at,
        "arrived_at": case.arrived_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "resolved_on_time": case.resolved_on_time,
    }


def _actor_label(event: CaseEvent, case: Case, viewer: Viewer, user: Actor) -> str:
    """Who did it, as this viewer may know: the reporter stays hidden from those who may not
    see them, and residents' "me too" stays anonymous outside the staff."""
    if event.actor_id is not None and event.actor_id == user.pk:
        return event.actor_label
    by_reporter = event.actor_id is not None and event.actor_id == case.reporter_user_id
    if by_reporter and not viewer.sees_reporter:
        return _("匿名群众") if case.anonymous else _("群众")
    if event.act == Act.SUPPORT and not viewer.internal:
        return _("居民")
    return event.actor_label or _("系统")


def event_out(event: CaseEvent, case: Case, viewer: Viewer, user: Actor) -> dict[str, Any]:
    data = dict(event.data or {})
    photos = [file_url(u) for u in data.pop("photos", []) or []]
    return {
        "seq": event.seq,
        "at": event.at,
        "act": event.act,
        "act_label": _ACT_LABELS.get(event.act, event.act),
        "actor": _actor_label(event, case, viewer, user),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "note": event.note,
        "public": event.public,
        "photos": photos,
        # The details (routing reasons, owners, duplicates) are for the staff only.
        "data": data if viewer.internal else {},
    }


def nearby_out(case: Case, lat: float, lng: float, categories: dict[int, dict[str, str]]) -> Any:
    return {
        "id": case.pk,
        "ref": case.ref,
        "category": categories[case.category_id],
        "state": case.state,
        "state_label": _STATE_LABELS.get(case.state, case.state),
        "distance": round(distance_m(lat, lng, case.lat, case.lng), 1)
        if case.lat is not None and case.lng is not None
        else 0.0,
        "created_at": case.created_at,
        "support_count": case.support_count,
    }


def case_detail(user: Actor, case: Case, *, offer_duplicates: bool = False) -> dict[str, Any]:
    """The whole answer about one case, for this caller. A case intake has just written
    carries what it wrote (``case.fresh``): its timeline, routing and photos are taken from
    there, and it has no department calls yet. ``offer_duplicates``: list the open cases
    nearby whoever the caller is (the reporter's answer, 是否为同一问题)."""
    fresh = case.fresh
    viewer = viewer_of(user, case, called=False if fresh is not None else None)
    categories = _category_refs()
    if fresh is not None:
        events: Any = [e for e in fresh.events if viewer.internal or e.public]
    else:
        events = case.events.select_related(None).order_by("seq")
        if not viewer.internal:
            events = events.filter(public=True)
    calls: list[dict[str, Any]] = []
    routings: list[dict[str, Any]] = []
    if viewer.internal:
        calls = [
            {
                "id": c.pk,
                "organisation": {"id": c.organisation_id, "name": c.organisation.name},
                "status": c.status,
                "status_label": _CALL_LABELS.get(c.status, c.status),
                "request": c.request,
                "report_due": c.report_due,
                "reported_at": c.reported_at,
                "done_at": c.done_at,
                "result": c.result,
                "late": c.late,
            }
            for c in (
                case.calls.select_related("organisation").order_by("pk") if fresh is None else []
            )
        ]
        routings = [
            {
                "at": r.at,
                "level": r.level,
                "level_label": _LEVEL_LABELS.get(r.level, r.level),
                "person": r.person.name if r.person else None,
                "organisation": r.organisation.name if r.organisation else None,
                "reason": r.reason,
                "override": r.override,
                "decided_by": _user_label(r.decided_by),
            }
            for r in (selectors.routing_trail(case) if fresh is None else fresh.routings)
        ]
    duplicates: list[dict[str, Any]] = []
    offered = offer_duplicates or viewer.internal or viewer.reporter
    if offered and case.is_open and case.lat is not None:
        near = (
            selectors.possible_duplicates(user, case)
            if fresh is None
            else selectors.reachable(user, fresh.nearby)
        )
        duplicates = [nearby_out(c, case.lat, case.lng, categories) for c in near]  # type: ignore[arg-type]
    if fresh is not None:
        photos = [file_url(pk) for pk in fresh.photos]
    else:
        photos = [
            file_url(pk)
            for pk in StoredUpload.objects.filter(
                owner_type=ContentType.objects.get_for_model(Case), owner_id=str(case.pk)
            )
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        ]
    return {
        **case_out(case, viewer, categories),
        "place": place_ref(case.place) if case.place and not viewer.public else None,
        "location_source": case.location_source,
        "photos": photos,
        "answers": case.answers if not viewer.public else {},
        "result": case.result,
        "merged_into": case.merged_into.ref if case.merged_into else None,
        "timeline": [event_out(e, case, viewer, user) for e in events],
        "allowed_actions": [
            {"action": a, "label": _ACT_LABELS[a]} for a in policies.allowed_acts(user, case)
        ],
        "calls": calls,
        "routings": routings,
        "clocks": case.clocks if viewer.internal else {},
        "possible_duplicates": duplicates,
    }


def _after_write(user: Actor, case_id: int) -> Case:
    """The case after a write by ``user``: through the scope when it is still in sight,
    else through what a party may see of it (a neighbour's "me too", an operator's report
    for someone else) — ``case_detail`` then shows only its public face."""
    try:
        return access(Case.objects.visible_to(user).for_detail(), case_id)
    except NotFound:
        return access(Case.objects.public_to(user).for_detail(), case_id)


# ------------------------------------------------------------------ categories


def _category_tree() -> list[dict[str, Any]]:
    rows = list(CaseCategory.objects.filter(is_active=True).order_by("order", "code"))
    nodes: dict[int, dict[str, Any]] = {
        c.pk: {
            "code": c.code,
            "name": c.name,
            "description": c.description,
            "level": c.level,
            "level_label": _LEVEL_LABELS.get(c.level, c.level),
            "department_kind": c.department_kind,
            "must_attend": c.must_attend,
            "attributes": c.attributes or [],
            "children": [],
        }
        for c in rows
    }
    roots: list[dict[str, Any]] = []
    for c in rows:
        if c.parent_id is None:
            roots.append(nodes[c.pk])
        elif c.parent_id in nodes:  # children of an inactive category are left out with it
            nodes[c.parent_id]["children"].append(nodes[c.pk])
    return roots


@router.get("/case-categories", response=list[CategoryOut], summary=lazy_str("诉求分类（树）"))
def list_case_categories(request: HttpRequest) -> Any:
    """The active categories as a tree: each node with its ``code`` (used when reporting),
    default handling ``level``, responsible ``department_kind``, whether the community must
    attend (``must_attend``, 三必到), the extra questions (``attributes``) and its children."""
    return _category_tree()


@router.post(
    "/case-categories/suggest",
    response=SuggestOut,
    summary=lazy_str("按描述推荐诉求分类"),
)
def suggest_case_categories(request: HttpRequest, payload: SuggestIn) -> Any:
    """The likeliest categories for a description, best first (at least 3 while 3 are
    active): ``code``, ``name``, ``top`` (the top-level category's name), ``confidence``
    (0–1), ``preselect`` (the first, when it is confident enough to be chosen for the
    reporter, who may always change it), and for a department-level category the
    ``department`` routing would pick at the place given (``place_id`` or ``lat``/``lng``).
    Runs on the server's own model (no outside service); ``model`` says which version."""
    user = caller(request)
    if not policies.may_report(user):
        raise Forbidden(_("当前账号不能上报诉求"), code=CaseCode.REPORT_FORBIDDEN)
    place = suggest_service.preview_place(
        user, lat=payload.lat, lng=payload.lng, place_id=payload.place_id
    )
    community = suggest_service.community_for_user(user, place)
    items = suggest_service.suggest(payload.text, place=place, community=community)
    _model, info = suggest_service.model_for(community.pk if community else None)
    return {"items": suggest_service.suggestions_out(items), "model": info}


# ------------------------------------------------------------------ intake


@router.post(
    "/cases",
    response={201: CaseDetailOut},
    summary=lazy_str("上报诉求（一键上报、热线、巡查……）"),
)
def create_case(
    request: HttpRequest,
    payload: CaseIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    """Report a case. The location is a map point (``lat``/``lng``), a place from the tree
    (``place_id``) or an ``address``; it is resolved to building and grid, then the case is
    routed and its clocks start. The answer (201) is the case as the caller may see it, with
    ``possible_duplicates``: open cases of the same category nearby. Every bad field is
    reported at once: 422 with ``fields`` ``[{"field", "reason"}]``. An ``Idempotency-Key``
    header (up to 80 characters) makes a retry safe: the same key from the same account
    answers 201 with the case filed first and ``Idempotent-Replayed: true``; the key reused
    for a different report is 400 ``IDEMPOTENCY_KEY_REUSED``."""
    user = caller(request)
    if not policies.may_report(user):
        raise Forbidden(_("当前账号不能上报诉求"), code=CaseCode.REPORT_FORBIDDEN)
    case = services.case_report(
        actor=user,
        category=payload.category,
        description=payload.description,
        priority=payload.priority,
        channel=payload.channel,
        lat=payload.lat,
        lng=payload.lng,
        place_id=payload.place_id,
        address=payload.address,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        anonymous=payload.anonymous,
        photos=payload.photos,
        answers=payload.answers,
        idempotency_key=idempotency_key or "",
    )
    if case.replayed:
        response["Idempotent-Replayed"] = "true"
    # The case the service wrote, with its relations and what it wrote beside it in hand,
    # when the caller sees it in full (a key lookup); else what a party may see of it. The
    # open cases near it are offered either way (the report form's "is it yours?").
    # A case just written has no department calls: its fields alone say whether it is in
    # sight (a replayed one may have some by now).
    in_sight = case.seen_in(scope_for(user), called=() if case.fresh is not None else None)
    if in_sight is None:
        in_sight = Case.objects.visible_to(user).filter(pk=case.pk).exists()
    answer = case_detail(
        user, case if in_sight else _after_write(user, case.pk), offer_duplicates=True
    )
    return Status(201, answer)


# ------------------------------------------------------------------ lists


# What a list row renders (``case_out``) and the policies read: the list reads these columns
# only, not the cases' JSON and cipher columns; the names of its people, places and
# organisation come after the page is chosen (``selectors.attach_row_relations``).
_LIST_COLUMNS = (
    "ref",
    "category_id",
    "priority",
    "channel",
    "state",
    "description",
    "reporter_user_id",
    "reporter_person_id",
    "reporter_name",
    "reporter_phone_masked",
    "anonymous",
    "lat",
    "lng",
    "address",
    "place_id",
    "place_path",
    "grid_id",
    "level",
    "assignee_person_id",
    "assignee_org_id",
    "owner_id",
    "supervisor_id",
    "accept_due",
    "arrive_due",
    "resolve_due",
    "overdue",
    "supervised",
    "accepted_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "resolved_on_time",
    "feedback",
    "reopen_count",
    "support_count",
    "public_note",
    "created_at",
)


@router.get("/cases", response=CasePage, summary=lazy_str("诉求列表（工作台各清单）"))
def list_cases(
    request: HttpRequest,
    view: str = "all",
    state: str = "",
    category: str = "",
    priority: str = "",
    q: str = "",
    grid: int | None = None,
    page: int = 1,
    cursor: str = "",
) -> Any:
    """A worklist of the caller: ``view`` is ``mine`` (待我处置), ``grid`` (本网格未结),
    ``accept`` (待受理), ``dispatch`` (待分派), ``overdue`` (已超时), ``escalated`` (吹哨报到),
    ``reported`` (我反映的) or ``all`` (全部可见). Filters: ``state`` (a state code, or
    ``open``), ``category`` (a code; its sub-categories included), ``priority``, ``grid`` (a
    grid id), ``q`` (the reference, or words of the description or address). A large list
    counts up to ``TONGXIN_COUNT_CAP`` (``count_exact`` false beyond) and pages on with
    ``cursor`` = the ``next_cursor`` of the page before."""
    user = caller(request)
    if view not in selectors.VIEWS:
        raise _fail(
            "query.view",
            _("取值应为以下之一：{choices}").format(choices=_choices_text(selectors.VIEWS.items())),
        )
    if state and state != "open" and state not in State.values:
        raise _fail(
            "query.state",
            _("取值应为 open 或以下之一：{choices}").format(choices=_choices_text(State.choices)),
        )
    if priority and priority not in Priority.values:
        raise _fail(
            "query.priority",
            _("取值应为以下之一：{choices}").format(choices=_choices_text(Priority.choices)),
        )
    if category and not CaseCategory.objects.filter(code=category).exists():
        raise _fail(
            "query.category", _("没有编码为“{category}”的诉求分类").format(category=category)
        )
    if len(q) > 50:
        raise _fail("query.q", _("不能超过 50 个字符"))
    qs = selectors.filter_cases(
        selectors.worklist(user, view).select_related(None).only(*_LIST_COLUMNS),
        state=state,
        category=category,
        priority=priority,
        q=q,
        grid=grid,
    )
    sl = paginate(qs, page, cursor=cursor, large=True)
    selectors.attach_row_relations(sl.items)
    categories = _category_refs()
    called = policies.called_case_ids(user, [c.pk for c in sl.items])
    items = [
        case_out(case, viewer_of(user, case, called=case.pk in called), categories)
        for case in sl.items
    ]
    return rendered(request, page_answer(sl, items))


def page_answer(sl: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A list's answer in ``CasePage``'s own order (the figures, then the items), as the
    schema's validation would have left it: ``case_out`` builds each item with exactly
    ``CaseOut``'s fields, of its types (``test_list_answer_is_its_schema`` holds them
    together)."""
    body = sl.answer(items)
    return {key: body[key] for key in _PAGE_KEYS}


_PAGE_KEYS = tuple(CasePage.model_fields)


_RENDERER = Utf8JSONRenderer()  # the API's own (config/api.py)


def rendered(request: HttpRequest, body: Any, status: int = 200) -> HttpResponse:
    """``body`` rendered as the API renders every answer, without the response schema's
    validation: for a hot list whose rows are built field for field as their schema says
    (validating 20 rows of 35 fields cost more CPU than reading them). The schema stays
    declared on the route (OpenAPI) and the suite checks answers against it."""
    return HttpResponse(
        _RENDERER.render(request, body, response_status=status),
        status=status,
        content_type=f"{_RENDERER.media_type}; charset={_RENDERER.charset}",
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@router.get("/cases/measures", response=MeasuresOut, summary=lazy_str("诉求办理指标"))
def case_measures(
    request: HttpRequest,
    by: str = "total",
    since: dt.date | None = None,
    until: dt.date | None = None,
    place: int | None = None,
) -> Any:
    """The measures of the cases the caller may see, received from ``since`` to ``until``
    (dates, both included), in total or grouped ``by`` grid, community, department (the
    departments called in) or category; ``place`` limits them to one subtree. Rates are
    percentages (``null`` when there is nothing to divide by)."""
    user = caller(request)
    if by not in MEASURE_GROUPS:
        raise _fail(
            "query.by", _("取值应为以下之一：{choices}").format(choices="、".join(MEASURE_GROUPS))
        )
    if since and until and until < since:
        raise _fail("query.until", _("结束日期不能早于开始日期"))
    under = access_place(user, place) if place is not None else None
    rows = selectors.measures(
        user,
        by=by,
        since=_day_start(since) if since else None,
        until=_day_start(until + dt.timedelta(days=1)) if until else None,
        under=under,
    )
    return {"by": by, "since": since, "until": until, "items": [r.as_dict() for r in rows]}


@router.get("/cases/nearby", response=NearbyPage, summary=lazy_str("附近未办结的同类诉求（查重）"))
def nearby_cases(
    request: HttpRequest, category: str, lat: float, lng: float, text: str = ""
) -> Any:
    """Before reporting: open cases of ``category`` near the point (within
    ``TONGXIN_CASE_DUPLICATE_RADIUS_M`` metres, reported in the last
    ``TONGXIN_CASE_DUPLICATE_DAYS`` days), nearest first, among those the caller may see or say
    "me too" to (their own community). With ``text`` (the description being written), open
    cases of other categories there whose description says the same are included. No
    description, address or reporter."""
    user = caller(request)
    cat = CaseCategory.objects.filter(code=category, is_active=True).first()
    if cat is None:
        raise _fail(
            "query.category", _("没有编码为“{category}”的诉求分类").format(category=category)
        )
    if not (-90 <= lat <= 90):
        raise _fail("query.lat", _("纬度应在 -90 到 90 之间"))
    if not (-180 <= lng <= 180):
        raise _fail("query.lng", _("经度应在 -180 到 180 之间"))
    near = selectors.open_cases_near(
        category_id=cat.pk,
        lat=lat,
        lng=lng,
        radius_m=settings.TONGXIN_CASE_DUPLICATE_RADIUS_M,
        days=settings.TONGXIN_CASE_DUPLICATE_DAYS,
        limit=10,
        text=text[:4000],
    )
    categories = _category_refs()
    return {"items": [nearby_out(c, lat, lng, categories) for c in selectors.reachable(user, near)]}


# ------------------------------------------------------------------ one case


@router.get(
    "/cases/{case_id}", response=CaseDetailOut, summary=lazy_str("诉求详情（含办理时间线）")
)
def get_case(request: HttpRequest, case_id: int) -> Any:
    """One case: its fields, photos, the timeline (the reporter sees the public events only),
    the acts the caller may do now (``allowed_actions``) and, for the staff, the departments
    called in (``calls``), the routing decisions with their reasons, the clocks and possible
    duplicates."""
    user = caller(request)
    return case_detail(user, access(Case.objects.visible_to(user).for_detail(), case_id))


@router.post(
    "/cases/{case_id}/actions/{action}",
    response=CaseDetailOut,
    summary=lazy_str("办理：受理、派单、办结、吹哨、回访……"),
)
def case_action(
    request: HttpRequest, case_id: int, action: str, payload: ActionIn | None = None
) -> Any:
    """Do one act of the workflow. ``action`` is one of accept, reject, dispatch, start,
    resolve, return, suspend, resume, supervise, escalate, report_in, feedback, close, merge,
    support, note; the body carries its fields (see docs/api.md). 409
    ``TRANSITION_NOT_ALLOWED`` when the case's state does not allow it, 403
    ``ACTION_FORBIDDEN`` when the caller may not do it, 404 when the case is out of sight,
    422 for a bad field or an unknown action. Answers the case after the act."""
    user = caller(request)
    data = payload.dict(exclude_none=True) if payload is not None else {}
    case = services.case_act(actor=user, case_id=case_id, act=action, data=data)
    return case_detail(user, _after_write(user, case.pk))


@router.post(
    "/cases/{case_id}/reveal-phone",
    response=RevealPhoneOut,
    summary=lazy_str("查看上报人完整电话（须说明事由，全程留痕）"),
)
def reveal_case_phone(request: HttpRequest, case_id: int, payload: RevealPhoneIn) -> Any:
    """The reporter's full phone number, for the staff who must call back (回访). Every
    reveal is written to the audit log with its reason; limited per user like every reveal."""
    user = caller(request)
    counted = hit("reveal", request, key="user")
    if not counted.allowed:
        return counted.response(request)
    phone = services.case_reveal_phone(actor=user, case_id=case_id, reason=payload.reason)
    return {"phone": phone}


# ------------------------------------------------------------------ uploads


@router.post(
    "/uploads", response={201: UploadsOut}, tags=["uploads"], summary=lazy_str("上传诉求照片")
)
def upload_files(request: HttpRequest, file: list[UploadedFile] = File(None)) -> Any:  # noqa: B008
    """Upload one or several photos (multipart field ``file``, repeated) before reporting or
    resolving a case: JPEG, PNG or WebP, cleaned of their metadata (GPS…). Answers their
    ``ids``, to send as ``photos`` with the report or the ``resolve`` act. Until attached, a
    photo is visible to its uploader only."""
    user = caller(request)
    if not policies.may_report(user):
        raise Forbidden(_("当前账号不能上传诉求照片"), code=CaseCode.UPLOAD_FORBIDDEN)
    files = list(file or [])
    if not files:
        raise _fail("file", _("请选择要上传的照片"))
    stored = uploads.store_uploads(
        actor=user, files=files, purpose="case_photo", owner=None, accept=uploads.IMAGE_KINDS
    )
    items = [
        {
            "id": str(s.pk),
            "name": s.original_name,
            "kind": s.kind,
            "size": s.size,
            "width": s.width,
            "height": s.height,
            "url": file_url(s.pk),
        }
        for s in stored
    ]
    return Status(201, {"ids": [i["id"] for i in items], "items": items})
