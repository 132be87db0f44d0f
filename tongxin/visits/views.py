"""Pages of visits, phone first: the visitor's list (overdue in red, due today, later; nearest
first), a visit's page with the record form (a finding raises a case or a need in the same
step), the 天天敲门 pairs with the one-tap knock, the schedule board of a grid or a community
(measures, the residents with no contact for longest, the open visits, the export), and a
resident's care timeline. Every page reaches rows through ``visible_to``; views of visits and
records are audited."""

from __future__ import annotations

import io
import re
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tongxin.core import audit, clock
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.core.scoping import access, scope_for
from tongxin.people.models import Person
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import selectors, services
from .models import (
    CHECKLIST_ITEMS,
    Knock,
    Level,
    Method,
    Pair,
    TaskState,
    VisitEscalation,
    VisitRecord,
    VisitTask,
)

LATER_SHOWN = 20
SHEET_ROWS = 500  # a printed sheet: the most urgent rows, as many as a visitor carries


@personal_page
def due(request: ActorRequest) -> HttpResponse:
    """My visits: overdue first (red), then due today, then later; nearest first in each;
    ``TONGXIN_PAGE_SIZE`` a page, every visit reachable page by page."""
    q = request.GET.get("q", "").strip()[:50]
    found = selectors.due_list(request.user, mine=True, q=q)
    page_obj = paginate(request, found)
    audit.record(
        actor=request.user,
        action="visit.list",
        detail={"count": found.count(), "q": q, "page": page_obj.number},
    )
    groups = []
    for key, label, urgency in (
        ("overdue", _("已超期"), 0),
        ("today", _("今天到期"), 1),
        ("later", _("近期待访"), 2),
    ):
        rows = [i for i in page_obj.object_list if i.urgency == urgency]
        groups.append((key, label, rows, found.tally[urgency]))
    return render(
        request,
        "visits/due.html",
        {
            "groups": groups,
            "count": found.count(),
            "page_obj": page_obj,
            "q": q,
            "tab": "due",
            "now": clock.now(),
        },
    )


@personal_page
def sheet(request: ActorRequest) -> HttpResponse:
    """My visits as a printed sheet (PDF): the same list as the phone page (``q``: part of a
    name), the resident's address, blank columns to fill in at the door. Audited."""
    from tongxin.people.display import address_labels

    from . import printing

    q = request.GET.get("q", "").strip()[:50]
    found = selectors.due_list(request.user, mine=True, q=q)
    ranked = found.ranked
    if not q:  # every overdue and today's visit, then the next few
        ranked = [r for r in ranked if r.urgency < 2] + [r for r in ranked if r.urgency == 2][
            :LATER_SHOWN
        ]
    items = found.items(ranked[:SHEET_ROWS])
    tasks = [i.task for i in items]
    persons = {
        p.pk: p
        for p in Person.objects.visible_to(request.user)
        .filter(pk__in={t.person_id for t in tasks})
        .select_related("place")
    }
    labels = address_labels(p.place for p in persons.values())
    methods = dict(Method.choices)
    rows = []
    for i in items:
        who = persons.get(i.task.person_id)
        rows.append(
            {
                "name": i.task.person.name,
                "address": labels.get(who.place_id, "") if who and who.place_id else "",
                "rule": i.task.rule.name,
                "due_by": i.task.due_by,
                "overdue": i.overdue,
                "methods": "/".join(str(methods[m]) for m in i.task.rule.methods if m in methods),
            }
        )
    audit.record(action="visit.sheet", actor=request.user, detail={"count": len(rows), "q": q})
    me = getattr(request.user, "person", None)
    body = printing.sheet_pdf(
        {"rows": rows, "visitor": me.name if me else "", "today": clock.today()}
    )
    response = HttpResponse(body, content_type="application/pdf")
    name = _("走访登记表-{day}.pdf").format(day=clock.today().strftime("%Y%m%d"))
    response["Content-Disposition"] = content_disposition_header(False, name) or ""
    return response


def _categories() -> list[tuple[str, str]]:
    from tongxin.cases.models import CaseCategory

    return list(
        CaseCategory.objects.filter(is_active=True, level="grid")
        .order_by("code")
        .values_list("code", "name")
    )


def _need_kinds() -> list[tuple[str, str]]:
    from tongxin.matching.models import NeedKind

    return [(v, str(label)) for v, label in NeedKind.choices]


@require_http_methods(["GET", "POST"])
@personal_page
def task(request: ActorRequest, task_id: int) -> HttpResponse:
    """One visit: the resident, the rule, who owes it and why; the record form, or the record."""
    t = access(
        VisitTask.objects.visible_to(request.user).select_related(
            "person", "rule", "assignee", "escalated_to"
        ),
        task_id,
    )
    typed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    refused = ""
    if request.method == "POST":
        data = request.POST
        checklist = {k: data.get(f"check_{k}", "") for k in CHECKLIST_ITEMS}
        checklist = {k: v for k, v in checklist.items() if v}
        typed = {
            "method": data.get("method", ""),
            "met": data.get("met", ""),
            "checklist": checklist,
            "notes": data.get("notes", ""),
            "raise_case": data.get("raise_case", ""),
            "raise_need": data.get("raise_need", ""),
        }
        try:
            made = services.visit_record(
                actor=request.user, task_id=t.pk, photo=request.FILES.get("photo"), **typed
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            # The form comes back as typed, the refusal beside the field to blame (a photo has
            # to be chosen again: a browser never refills a file field).
            refused = exc.message
            errors = {f["field"]: f["reason"] for f in exc.fields}
        else:
            done = _("已记录走访")
            if made.case_id:
                done = _("已记录走访，并上报了案件")
            messages.success(request, done)
            return redirect("visits:due")
    audit.record(action="visit.view", actor=request.user, obj=t, subject_person_id=t.person_id)
    record = None
    if t.record_id:
        record = (
            VisitRecord.objects.visible_to(request.user)
            .select_related("visitor", "case", "need")
            .filter(pk=t.record_id)
            .first()
        )
    return render(
        request,
        "visits/task.html",
        {
            "t": t,
            "record": record,
            "overdue": t.overdue_at(clock.now()),
            "methods": [(m, label) for m, label in Method.choices if m in t.rule.methods],
            "checklist": [
                (key, label, typed.get("checklist", {}).get(key, ""))
                for key, label in CHECKLIST_ITEMS.items()
            ],
            "levels": Level.choices,
            "categories": _categories(),
            "need_kinds": _need_kinds(),
            "may_record": t.state in (TaskState.OPEN, TaskState.MISSED),
            "escalations": list(
                VisitEscalation.objects.visible_to(request.user)
                .filter(task=t)
                .select_related("person")
            ),
            "typed": typed,
            "errors": errors,
            "refused": refused,
            "tab": "due",
        },
        status=422 if refused else 200,
    )


@personal_page
def pair_list(request: ActorRequest) -> HttpResponse:
    """The 天天敲门 pairs I help in (and, for care staff, those of my area): one tap each."""
    qs = (
        Pair.objects.visible_to(request.user)
        .filter(active=True)
        .select_related("person")
        .prefetch_related("helpers__person")
        .order_by("place_path", "pk")
    )
    page = paginate(request, qs)
    rows = list(page.object_list)
    today = clock.today()
    knocks = {
        k.pair_id: k
        for k in Knock.objects.visible_to(request.user)
        .filter(pair__in=rows, day=today)
        .order_by("answered", "at")  # the last wins: a knock answered today, else the latest
    }
    for p in rows:
        p.today_knock = knocks.get(p.pk)  # type: ignore[attr-defined]  # for the template
    audit.record(action="visit.pairs", actor=request.user, detail={"count": len(rows)})
    return render(request, "visits/pairs.html", {"page": page, "pairs": rows, "tab": "pairs"})


@require_POST
@personal_page
def knock(request: ActorRequest, pair_id: int) -> HttpResponse:
    answered = request.POST.get("answered") == "1"
    try:
        services.knock_record(actor=request.user, pair_id=pair_id, answered=answered)
    except NotFound:
        raise
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("见到了，已打卡") if answered else _("已记录没人应答，将提醒下一位")
        )
    return redirect("visits:pairs")


def _month(request: ActorRequest) -> str:
    month = request.GET.get("month", "")
    return (
        month if re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month) else clock.today().strftime("%Y-%m")
    )


def _board_tasks(request: ActorRequest) -> tuple[Any, dict[str, Any]]:
    if not scope_for(request.user).care_paths:
        raise Forbidden(_("走访看板只对负责关爱走访的工作人员开放"))
    qs = VisitTask.objects.visible_to(request.user).select_related(
        "person", "rule", "assignee", "grid"
    )
    state = request.GET.get("state", TaskState.OPEN)
    if state not in TaskState.values and state != "overdue":
        state = TaskState.OPEN
    if state == "overdue":
        qs = qs.filter(state=TaskState.OPEN, due_by__lt=clock.now())
    else:
        qs = qs.filter(state=state)
    grid = request.GET.get("grid", "")
    if grid.isdigit():
        qs = qs.filter(grid_id=int(grid))
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(person__name__contains=q)
    return qs.order_by("due_by", "pk"), {"state": state, "grid": grid, "q": q}


@personal_page
def board(request: ActorRequest) -> HttpResponse:
    """The schedule board of my area: this month's visit rate by grid and by rule, the
    residents nobody has contacted for longest, and the visits (filter by state, grid, name)."""
    month = _month(request)
    qs, filters = _board_tasks(request)
    page = paginate(request, qs)
    audit.record(action="visit.board", actor=request.user, detail={"month": month, **filters})
    grids = Place.objects.filter(
        pk__in=VisitTask.objects.visible_to(request.user).values("grid_id")
    ).order_by("path")
    return render(
        request,
        "visits/board.html",
        {
            "page": page,
            "tasks": list(page.object_list),
            "by_grid": selectors.measures(request.user, by="grid", month=month),
            "by_rule": selectors.measures(request.user, by="rule", month=month),
            "coverage": selectors.coverage(request.user, by="tag", month=month),
            "longest": selectors.longest_without_contact(request.user),
            "month": month,
            "states": [*TaskState.choices, ("overdue", _("已超期"))],
            "grids": grids,
            "now": clock.now(),
            "tab": "board",
            **filters,
        },
    )


@personal_page
def export(request: ActorRequest) -> HttpResponse:
    """The board's visits as an Excel workbook (the same filters), audited."""
    from openpyxl import Workbook

    qs, filters = _board_tasks(request)
    rows = list(qs[:20000])
    audit.record(action="visit.export", actor=request.user, detail={"rows": len(rows), **filters})
    wb = Workbook()
    ws = wb.active
    ws.title = _("走访任务")
    ws.append(
        [_("居民"), _("网格"), _("规则"), _("应访时限"), _("状态"), _("走访人"), _("走访时间")]
    )
    for t in rows:
        ws.append(
            [
                t.person.name,
                t.grid.name if t.grid else "",
                t.rule.name,
                clock.local(t.due_by).strftime("%Y-%m-%d %H:%M"),
                str(t.get_state_display()),
                t.assignee.name if t.assignee else "",
                clock.local(t.done_at).strftime("%Y-%m-%d %H:%M") if t.done_at else "",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = _("走访任务-{day}.xlsx").format(day=clock.today().strftime("%Y%m%d"))
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return response


@personal_page
def timeline(request: ActorRequest, person_id: int) -> HttpResponse:
    """A resident's care timeline (visits, cases, needs), for those who see their care."""
    person = access(Person.objects.visible_to(request.user), person_id)
    if not scope_for(request.user).sees_care_at(person.place_path):
        raise NotFound()
    audit.record(
        action="visit.timeline", actor=request.user, obj=person, subject_person_id=person.pk
    )
    from .models import Trigger

    return render(
        request,
        "visits/timeline.html",
        {
            "person": person,
            "events": selectors.timeline(request.user, person),
            "triggers": [(t, Trigger(t).label) for t in services.REPORTABLE],
            "today": clock.today(),
            "tab": "board",
        },
    )


@require_POST
@personal_page
def event(request: ActorRequest, person_id: int) -> HttpResponse:
    """Report what happened to a resident (a hospital admission, a release, a major change, a
    三必到 event) from their care timeline: the visits it owes are scheduled."""
    import datetime as dt

    raw = request.POST.get("on", "").strip()
    on = None
    try:
        on = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        messages.error(request, _("日期格式不正确"))
        return redirect("visits:timeline", person_id=person_id)
    try:
        made = services.visit_event(
            actor=request.user,
            person_id=person_id,
            trigger=request.POST.get("trigger", ""),
            on=on,
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if made:
            messages.success(request, _("已安排 {n} 项走访").format(n=len(made)))
        else:
            messages.info(request, _("这件事需要的走访已经安排过了"))
    return redirect("visits:timeline", person_id=person_id)
