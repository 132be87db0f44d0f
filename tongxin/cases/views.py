"""The case pages: worklists, the report form (with possible duplicates nearby), the case page
with one form per act the viewer may do, and the audited reveal of the reporter's phone.

Views stay thin: they parse the form, call ``services`` and render; every rule (who may do what,
which transition is allowed, which field is wrong) comes back from the services as a
``DomainError`` and is shown next to the form it concerns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tongxin.core import clock, uploads
from tongxin.core.actors import Actor, ActorRequest
from tongxin.core.errors import DomainError, NotFound, ValidationFailed
from tongxin.core.i18n import StrOrLazy
from tongxin.core.models import StoredUpload
from tongxin.core.scoping import access, scope_for
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.selectors import home_place
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate, search_text

from . import policies, selectors, services, sla
from .forms import FEEDBACK_CHOICES, FilterForm, ReportForm, act_data, grouped_categories
from .models import Case, CaseCategory, Priority
from .workflow import OPEN_STATES, USER_ACTS, Act, State

MAP_GRIDS_LIMIT = 400
DONE_MESSAGES: dict[str, StrOrLazy] = {
    Act.ACCEPT: gettext_lazy("已受理立案，请按时限到场处置。"),
    Act.START: gettext_lazy("已记录到场处置。"),
    Act.RESOLVE: gettext_lazy("已办结，等待反映人回访评价。"),
    Act.FEEDBACK: gettext_lazy("感谢您的评价！当前状态：{state}。"),
    Act.DISPATCH: gettext_lazy("已派单，当前状态：{state}。"),
    Act.ESCALATE: gettext_lazy("已吹哨，等待部门报到。"),
    Act.REPORT_IN: gettext_lazy("已报到，当前状态：{state}。"),
}
STAGE_CLASS = {"yellow": "warn-yellow", "red": "warn-red", "due": "warn-due"}


# ------------------------------------------------------------------------------ helpers


@dataclass
class Clock:
    """One deadline of a case as shown: what, when, how far gone, how much is left."""

    name: str
    label: str
    due: dt.datetime
    stage: str  # "" | yellow | red | due | stopped
    running: bool

    @property
    def css(self) -> str:
        return STAGE_CLASS.get(self.stage, "")

    @property
    def stage_label(self) -> str:
        if not self.running:
            return _("已完成") if self.stage != "due" else _("曾超时")
        return str(sla.STAGE_LABELS.get(self.stage, _("正常")))


def clocks_of(case: Case, now: dt.datetime | None = None) -> list[Clock]:
    """The case's clocks, with the stage reached by now (the worker may not have run yet)."""
    now = now or clock.now()
    out = []
    for name in sla.CLOCKS:
        planned = case.clocks.get(name)
        if not planned:
            continue
        running = sla.clock_running(case, name)
        stage = planned.get("stage", "")
        if running:
            reached = [s for s in sla.STAGES if dt.datetime.fromisoformat(planned[s]) <= now]
            stage = reached[-1] if reached else ""
        out.append(
            Clock(
                name=name,
                label=str(sla.CLOCK_LABELS[name]),
                due=dt.datetime.fromisoformat(planned["due"]),
                stage=stage,
                running=running,
            )
        )
    return out


def warning_of(case: Case, now: dt.datetime | None = None) -> tuple[str, str]:
    """The most urgent warning of a case for list badges: (css class, label)."""
    if case.state not in OPEN_STATES:
        return "", ""
    order = {"": 0, "yellow": 1, "red": 2, "due": 3}
    worst = max(
        (c for c in clocks_of(case, now) if c.running),
        key=lambda c: order.get(c.stage, 0),
        default=None,
    )
    if case.overdue or (worst is not None and worst.stage == "due"):
        return "warn-due", _("已超时")
    if worst is not None and worst.stage in ("yellow", "red"):
        return worst.css, _("{clock}{stage}").format(
            clock=worst.label, stage=sla.STAGE_LABELS[worst.stage]
        )
    return "", ""


def with_badges(cases: Any) -> list[Case]:
    now = clock.now()
    rows = list(cases)
    for c in rows:
        c.warn_css, c.warn_label = warning_of(c, now)  # type: ignore[attr-defined]
    return rows


def community_of(place: Place | None) -> Place | None:
    return place.at_or_above("community") if place is not None else None


def map_grids(user: Actor) -> list[Place]:
    """The grids drawn on the report map: those the user may browse, or for a resident the
    grids of their community (their outlines are not personal data)."""
    grids = Place.objects.visible_to(user).filter(kind="grid", geometry__isnull=False)
    if not grids.exists():
        community = community_of(home_place(user))
        grids = Place.objects.filter(kind="grid", geometry__isnull=False)
        grids = grids.filter(path__startswith=community.path) if community else grids.none()
    return list(grids.order_by("path")[:MAP_GRIDS_LIMIT])


def geojson(places: list[Place]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": p.geometry,
                "properties": {"id": p.pk, "name": p.name},
            }
            for p in places
            if p.geometry
        ],
    }


def photos_of(case: Case) -> dict[str, StoredUpload]:
    ct = ContentType.objects.get_for_model(Case)
    return {
        str(u.pk): u
        for u in StoredUpload.objects.filter(owner_type=ct, owner_id=str(case.pk)).order_by(
            "created_at"
        )
    }


# ------------------------------------------------------------------------------ worklist


def tabs_for(user: Actor) -> list[tuple[str, StrOrLazy]]:
    """The worklist tabs that make sense for the user's posts."""
    scope = scope_for(user)
    staff = bool(scope.case_paths)
    dispatcher = bool(policies.dispatcher_paths(user))
    tabs: list[tuple[str, StrOrLazy]] = []
    if staff or scope.org_ids:
        tabs.append(("mine", selectors.VIEWS["mine"]))
    if staff:
        tabs.append(("accept", selectors.VIEWS["accept"]))
    if dispatcher:
        tabs.append(("dispatch", selectors.VIEWS["dispatch"]))
    if staff:
        tabs.append(("grid", _("辖区在办") if dispatcher else selectors.VIEWS["grid"]))
    if staff or scope.org_ids:
        tabs.append(("overdue", selectors.VIEWS["overdue"]))
    if dispatcher or scope.org_ids:
        tabs.append(("escalated", selectors.VIEWS["escalated"]))
    if policies.may_report(user):
        tabs.append(("reported", selectors.VIEWS["reported"]))
    if staff:
        tabs.append(("all", selectors.VIEWS["all"]))
    return tabs


@personal_page
@require_GET
def worklist(request: ActorRequest) -> HttpResponse:
    user = request.user
    tabs = tabs_for(user)
    names = [t[0] for t in tabs]
    view = request.GET.get("view", "")
    if view not in names:
        view = names[0] if names else ""
    filters = FilterForm(request.GET)
    f = filters.cleaned_data if filters.is_valid() else {}
    state = f.get("state") or ""
    if state and state != "open" and state not in State.values:
        state = ""
    priority = f.get("priority") or ""
    if priority not in Priority.values:
        priority = ""
    q = search_text(request)
    qs = selectors.worklist(user, view) if view else Case.objects.visible_to(user).none()
    qs = selectors.filter_cases(
        qs,
        state=state,
        category=f.get("category") or "",
        priority=priority,
        q=q,
        grid=f.get("grid"),
    )
    page = paginate(request, qs)
    grids = (
        list(Place.objects.visible_to(user).filter(kind="grid").order_by("path"))
        if scope_for(user).case_paths
        else []
    )
    filtered = bool(state or priority or q or f.get("category") or f.get("grid"))
    return render(
        request,
        "cases/worklist.html",
        {
            "tabs": [(name, label, name == view) for name, label in tabs],
            "view": view,
            "page_obj": page,
            "rows": with_badges(page.object_list),
            "total": page.paginator.count,
            "states": [("open", _("未办结")), *State.choices],
            "priorities": Priority.choices,
            "categories": grouped_categories(),
            "grids": grids,
            "f": {
                "state": state,
                "priority": priority,
                "category": f.get("category") or "",
                "grid": f.get("grid"),
                "q": q,
            },
            "filtered": filtered,
            "may_report": policies.may_report(user),
        },
    )


# ------------------------------------------------------------------------------ report


def _report_context(request: ActorRequest, form: ReportForm, home: Place | None) -> dict[str, Any]:
    grids = map_grids(request.user)
    centre = home or (grids[0] if grids else None)
    return {
        "form": form,
        "home": home,
        "grids_geojson": geojson(grids),
        "centre": [centre.centroid_lat, centre.centroid_lng]
        if centre and centre.centroid_lat is not None
        else None,
        "staff": form.staff,
    }


def _picked_place(user: Actor, raw: str | None, home: Place | None) -> Place | None:
    """The place a contact card's QR code names (``?place=``), if it is a real place the
    reporter may pick (one they may browse, or their home or one of its ancestors — the
    intake's own rule, which it checks again on submit). Anything else is ignored: the
    number in the address is never trusted for scoping."""
    if not raw or not raw.isdigit() or len(raw) > 12:
        return None
    pk = int(raw)
    place = Place.objects.visible_to(user).filter(pk=pk).first()
    if place is None and home is not None:
        place = Place.objects.filter(pk=pk, path__in=[*home.ancestor_paths(), home.path]).first()
    if place is None or place.kind in ("district", "street"):
        return None
    return place


@personal_page
def report(request: ActorRequest) -> HttpResponse:
    user = request.user
    if not policies.may_report(user):
        raise Http404(_("当前账号不能上报诉求"))
    staff = bool(scope_for(user).case_paths)
    home = home_place(user)
    if request.method != "POST":
        picked = _picked_place(user, request.GET.get("place"), home)
        initial: dict[str, Any] = {}
        if picked is not None and home is not None and picked.pk == home.pk:
            initial["where"], picked = "home", None  # their own home: the home choice
        elif picked is not None:
            initial.update(where="place", place_id=picked.pk)
        form = ReportForm(staff=staff, has_home=home is not None, picked=picked, initial=initial)
        return render(request, "cases/report.html", _report_context(request, form, home))
    picked = _picked_place(user, request.POST.get("place_id"), home)
    form = ReportForm(
        request.POST, request.FILES, staff=staff, has_home=home is not None, picked=picked
    )
    if form.is_valid():
        try:
            files = form.cleaned_data["photos"]
            stored = (
                uploads.store_uploads(
                    actor=user, files=files, purpose="case_photo", accept=uploads.IMAGE_KINDS
                )
                if files
                else []
            )
        except ValidationFailed as exc:
            form.add_error("photos", exc.message)
        else:
            try:
                case = services.case_report(
                    actor=user,
                    photos=[u.pk for u in stored],
                    **form.service_kwargs(home.pk if home else None),
                )
            except ValidationFailed as exc:
                # The stored photos stay unattached (and expire); the form is shown again.
                form.show_errors(exc)
            else:
                messages.success(
                    request,
                    _("已提交，编号 {ref}。我们会尽快处理并告知您进展。").format(ref=case.ref),
                )
                return redirect("cases:detail", pk=case.pk)
    context = _report_context(request, form, home)
    return render(request, "cases/report.html", context, status=422)


@personal_page
@require_GET
def suggest(request: ActorRequest) -> HttpResponse:
    """The categories the description being typed suggests (the report form and the hotline
    desk, as the text is typed): up to three to pick from, the first preselected when
    confident, and for a department-level one the department routing would pick there."""
    from .suggest import services as suggest_service

    user = request.user
    if not policies.may_report(user):
        raise Http404(_("当前账号不能上报诉求"))

    def number(name: str) -> float | None:
        try:
            return float(request.GET.get(name, ""))
        except ValueError:
            return None

    raw_place = request.GET.get("place_id", "")
    place_id = int(raw_place) if raw_place.isdigit() and len(raw_place) <= 12 else None
    lat, lng = number("lat"), number("lng")
    if lat is None or lng is None:
        lat = lng = None
    place = suggest_service.preview_place(user, lat=lat, lng=lng, place_id=place_id)
    if place is None and request.GET.get("where") == "home":
        place = home_place(user)
    community = suggest_service.community_for_user(user, place)
    items = suggest_service.suggest(
        request.GET.get("description", "")[:4000], place=place, community=community
    )
    return render(request, "cases/_suggest.html", {"items": items, "place": place})


@personal_page
@require_GET
def nearby(request: ActorRequest) -> HttpResponse:
    """Open cases near the chosen point that may be the same problem (possible duplicates):
    those of the chosen category, and those whose description says what is being typed."""
    user = request.user
    rows: list[Case] = []
    category = CaseCategory.objects.filter(code=request.GET.get("category", "")).first()
    point: tuple[float, float] | None
    try:
        point = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except ValueError:
        point = None
    if point is not None and not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        point = None
    # The description typed so far: nearby cases that say the same count too (any category).
    text = request.GET.get("description", "")[:4000]
    if (category is not None or text.strip()) and point is not None:
        lat, lng = point
        from django.conf import settings

        near = selectors.open_cases_near(
            category_id=category.pk if category is not None else None,
            lat=lat,
            lng=lng,
            radius_m=settings.TONGXIN_CASE_DUPLICATE_RADIUS_M,
            days=settings.TONGXIN_CASE_DUPLICATE_DAYS,
            text=text,
        )
        allowed = set(
            selectors.supportable_cases(user)
            .filter(pk__in=[c.pk for c in near])
            .values_list("pk", flat=True)
        )
        rows = [c for c in near if c.pk in allowed]
    visible = set(
        Case.objects.visible_to(user)
        .filter(pk__in=[c.pk for c in rows])
        .values_list("pk", flat=True)
    )
    for c in rows:
        c.openable = c.pk in visible  # type: ignore[attr-defined]
        c.supportable = policies.may(user, c, Act.SUPPORT)  # type: ignore[attr-defined]
    return render(request, "cases/_nearby.html", {"rows": rows, "asked": category is not None})


# ------------------------------------------------------------------------------ case page


@dataclass
class ActForm:
    act: str
    label: str
    error: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


def _dispatch_choices(case: Case) -> tuple[list[Any], list[Organisation]]:
    return selectors.community_staff_posts(case), _departments_for(case)


def _departments_for(case: Case) -> list[Organisation]:
    paths = [*case.place.ancestor_paths(), case.place.path] if case.place else []
    return list(
        Organisation.objects.filter(kind=OrgKind.DEPARTMENT, is_active=True, places__path__in=paths)
        .distinct()
        .order_by("department_kind", "pk")
    )


def _act_forms(user: Actor, case: Case, errors: dict[str, str]) -> list[ActForm]:
    forms: list[ActForm] = []
    for act in policies.allowed_acts(user, case):
        form = ActForm(act=act, label=str(Act(act).label), error=errors.get(act, ""))
        if act == Act.DISPATCH:
            people, orgs = _dispatch_choices(case)
            form.fields = {"people": people, "orgs": orgs}
        elif act == Act.ESCALATE:
            called = set(case.calls.values_list("organisation_id", flat=True))
            form.fields = {"orgs": [o for o in _departments_for(case) if o.pk not in called]}
        elif act == Act.REPORT_IN:
            form.fields = {"calls": policies.pending_calls(user, case)}
        elif act == Act.FEEDBACK:
            form.fields = {"ratings": FEEDBACK_CHOICES}
        forms.append(form)
    # The usual next step first, then the rest; "me too" and notes last.
    order: dict[str, int] = {a: i for i, a in enumerate(USER_ACTS)}
    order.update({Act.SUPPORT: 98, Act.NOTE: 99})
    forms.sort(key=lambda f: order.get(f.act, 50))
    return forms


def _case_context(request: ActorRequest, case: Case, errors: dict[str, str]) -> dict[str, Any]:
    user = request.user
    staff_view = policies.works_on(user, case)
    events = case.events.select_related("actor").order_by("seq")
    if not staff_view:
        events = events.filter(public=True)
    photos = photos_of(case)
    timeline = []
    for e in events:
        ids = e.data.get("photos") or []
        label = State(e.to_state).label if e.to_state in State.values else ""
        timeline.append((e, [photos[i] for i in ids if i in photos], label))
    report_photos = [p for e, ps, _label in timeline if e.act == Act.REPORT for p in ps]
    sees_reporter = policies.sees_reporter(user, case)
    may_reveal = sees_reporter and (
        policies.is_staff_over(user, case) or policies.is_owner(user, case)
    )
    has_phone = bool(
        case.reporter_phone_cipher
        or (case.reporter_person_id and case.reporter_person and case.reporter_person.phone_cipher)
    )
    phone_masked = case.reporter_phone_masked or (
        case.reporter_person.phone_masked
        if case.reporter_person_id and case.reporter_person
        else ""
    )
    return {
        "case": case,
        "clocks": clocks_of(case),
        "warn": warning_of(case),
        "staff_view": staff_view,
        "sees_reporter": sees_reporter,
        "reporter_name": (
            case.reporter_person.name if case.reporter_person_id and case.reporter_person else ""
        )
        or case.reporter_name
        or _("未留姓名"),
        "reporter_phone_masked": phone_masked,
        "may_reveal": may_reveal and has_phone,
        "is_reporter": policies.is_reporter(user, case),
        "timeline": timeline,
        "report_photos": report_photos,
        "calls": list(case.calls.select_related("organisation").order_by("pk")),
        "acts": _act_forms(user, case, errors),
        "point": [case.lat, case.lng] if case.lat is not None else None,
        "grid_geojson": geojson([case.grid]) if case.grid and case.grid.geometry else None,
        # For the dispatcher: open cases of the same category nearby that may be the same
        # problem (they can merge it through the 合并 act).
        "duplicates": selectors.possible_duplicates(user, case) if staff_view else [],
        "merged_into_visible": bool(
            case.merged_into_id
            and Case.objects.visible_to(user).filter(pk=case.merged_into_id).exists()
        ),
    }


@personal_page
@require_GET
def detail(request: ActorRequest, pk: int) -> HttpResponse:
    case = access(Case.objects.visible_to(request.user).for_detail(), pk)
    return render(request, "cases/detail.html", _case_context(request, case, {}))


def _merge_target(user: Actor, raw: str) -> str:
    """A case typed by its reference (SQ…) or its number, as the id the service expects."""
    raw = raw.strip()
    if raw.isdigit():
        return raw
    found = Case.objects.visible_to(user).filter(ref__iexact=raw).values_list("pk", flat=True)
    return str(found.first() or "") if raw else ""


@personal_page
@require_POST
def act(request: ActorRequest, pk: int, act: str) -> HttpResponse:
    user = request.user
    if act not in USER_ACTS:
        raise Http404
    if act == Act.SUPPORT:
        return _support(request, pk)
    case = access(Case.objects.visible_to(user).for_detail(), pk)
    data = act_data(act, request)
    try:
        if act == Act.MERGE:
            data["into"] = _merge_target(user, data.get("into", "")) or data.get("into", "")
        if act == Act.RESOLVE:
            files = request.FILES.getlist("photos")
            if files:
                stored = uploads.store_uploads(
                    actor=user, files=files, purpose="case_photo", accept=uploads.IMAGE_KINDS
                )
                data["photos"] = [str(u.pk) for u in stored]
        case = services.case_act(actor=user, case_id=case.pk, act=act, data=data)
    except NotFound:
        raise
    except DomainError as exc:
        message = exc.message
        if exc.status == 409:
            message = _("{message}。页面上的状态可能已过时，请查看最新办理记录。").format(
                message=exc.message
            )
        elif exc.fields:
            message = "；".join(f["reason"] for f in exc.fields if f["reason"]) or exc.message
        case = access(Case.objects.visible_to(user).for_detail(), pk)
        context = _case_context(request, case, {act: message})
        context["act_error"] = (act, message)
        return render(request, "cases/detail.html", context, status=exc.status)
    done = DONE_MESSAGES.get(act, _("已{label}，当前状态：{state}。"))
    messages.success(
        request,
        str(done).format(label=Act(act).label, ref=case.ref, state=case.get_state_display()),
    )
    if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        return redirect("cases:worklist")
    return redirect("cases:detail", pk=case.pk)


def _support(request: ActorRequest, pk: int) -> HttpResponse:
    """我也遇到: a resident adds their voice to an open case near them."""
    user = request.user
    error = ""
    case = None
    try:
        case = services.case_act(actor=user, case_id=pk, act=Act.SUPPORT)
    except NotFound:
        raise
    except DomainError as exc:
        error = exc.message
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "cases/_supported.html",
            {"case": case, "error": error},
            status=200 if not error else 422,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已附议，您的意见已记录，处理进展会一并通知。"))
    if Case.objects.visible_to(user).filter(pk=pk).exists():
        return redirect("cases:detail", pk=pk)
    return redirect(reverse("cases:worklist") + "?view=reported")


@personal_page
@require_POST
def reveal(request: ActorRequest, pk: int) -> HttpResponse:
    """The reporter's full phone number for a call back, with a stated reason (audited)."""
    case = access(Case.objects.visible_to(request.user).for_detail(), pk)
    context: dict[str, Any] = {"case": case}
    status = 200
    try:
        context["value"] = services.case_reveal_phone(
            actor=request.user, case_id=case.pk, reason=request.POST.get("reason", "")
        )
        if not context["value"]:
            context["error"] = _("没有登记联系电话")
    except DomainError as exc:
        context["error"] = exc.message
        status = exc.status
    template = "cases/_reveal.html" if request.htmx else "cases/reveal.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)
