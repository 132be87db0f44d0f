"""Pages for the field, phone first: the daily log (民情日志) — the list with its search and
filters, the form to record an entry (from scratch, or in one step from a notice, a call or a
visit), an entry with what it raised (a case, a need), the 日志本 export — and booking a studio
(书记工作室, 一站办): the community's studios, a studio's next bookable slots, my bookings, and
the studio's day list for its managers.

Thin views: parse, authorise (``personal_page`` turns ``NotFound`` into 404 and ``Forbidden``
into 403), call a service or a selector; a refusal the user can act on (409, 422) is shown as a
message on the page they came from.

The hook for a visit module (or any page that knows where the cadre is and whom they met):
link to ``/log/new/?source=visit&place=<place id>&met=<name>`` (the form opens prefilled), or
call ``services.log_entry_record(actor=…, place=…, source=LogSource.VISIT, met=…, raised=…)``
directly. ``?notice=<id>`` prefills from a notice (source 通知回访), ``?source=call`` from a
call (来电).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tongxin.core import clock
from tongxin.core.actors import ActorRequest, person_of
from tongxin.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from tongxin.core.scoping import access
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import logbook, raising, selectors, services
from .field_forms import LogEntryForm, LogFilterForm, caller_places, now_input, place_choices
from .models import Booking, BookingStatus, LogEntry, LogSource, Notice, Studio
from .policies import is_staff, manages, require_manager, require_staff, works_at
from .workflow import BookingAct

# ---------------------------------------------------------------------------- the daily log


def _filters(request: ActorRequest) -> tuple[LogFilterForm, dict[str, Any]]:
    """The list's filters from the query; a place outside the caller's view is a 404 (as in
    the API), a malformed value an error shown above the list."""
    form = LogFilterForm(request.GET)
    values: dict[str, Any] = {}
    if form.is_valid():
        d = form.cleaned_data
        if d.get("place"):
            values["place"] = access(Place.objects.visible_to(request.user), d["place"])
        values.update(
            text=d.get("q") or "",
            tag=(d.get("tag") or "").strip(),
            since=d.get("start"),
            until=d.get("end"),
        )
    return form, values


def _entries(request: ActorRequest, values: dict[str, Any]) -> Any:
    return selectors.log_entries_for(
        request.user,
        place=values.get("place"),
        since=values.get("since"),
        until=values.get("until"),
        text=values.get("text", ""),
        tag=values.get("tag", ""),
    )


def _periods() -> list[tuple[str, str, str]]:
    """Quick periods for the filter: (label, start, end) as ISO days."""
    today = clock.today()
    month = today.replace(day=1)
    return [
        (_("近 7 天"), (today - dt.timedelta(days=6)).isoformat(), today.isoformat()),
        (_("本月"), month.isoformat(), today.isoformat()),
        (_("近 3 个月"), (today - dt.timedelta(days=89)).isoformat(), today.isoformat()),
    ]


def _common_tags(request: ActorRequest) -> list[str]:
    """The tags of the caller's last entries, most used first (the filter's suggestions)."""
    counts: dict[str, int] = {}
    rows = selectors.log_entries_for(request.user).values_list("tags", flat=True)[:300]
    for tags in rows:
        for tag in tags.replace("，", " ").replace(",", " ").split():
            counts[tag] = counts.get(tag, 0) + 1
    return [t for t, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:12]]


@personal_page
def log_list(request: ActorRequest) -> HttpResponse:
    """The entries the caller may read (staff: their places'; everyone: their own), newest
    first, searched by words and filtered by place subtree, tag and period."""
    user = request.user
    form, values = _filters(request)
    staff = is_staff(user)
    page = paginate(
        request,
        _entries(request, values) if form.is_valid() else LogEntry.objects.visible_to(user).none(),
    )
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    filtered = any(k in query for k in ("q", "place", "tag", "start", "end"))
    return render(
        request,
        "notices/log_list.html",
        {
            "page_obj": page,
            "entries": list(page.object_list),
            "total": page.paginator.count,
            "form": form,
            "places": place_choices(caller_places(user)),
            "place_id": str(values["place"].pk) if values.get("place") else "",
            "periods": _periods(),
            "tags": _common_tags(request) if staff else [],
            "staff": staff,
            "filtered": filtered,
            "export_query": urlencode(query),
        },
        status=200 if form.is_valid() else 400,
    )


def _prefill(request: ActorRequest) -> tuple[dict[str, Any], Place | None, Notice | None]:
    """The form's first values: from a notice (``?notice=``), a call (``?source=call``) or a
    visit (``?source=visit&place=&met=``). A named place is used only if the caller records
    there; a notice only if the caller may see it (404 otherwise)."""
    user = request.user
    initial: dict[str, Any] = {"occurred_at": now_input(), "source": LogSource.SCRATCH}
    source = request.GET.get("source", "")
    if source in LogSource.values:
        initial["source"] = source
    met = request.GET.get("met", "").strip()[:200]
    if met:
        initial["met"] = met
    place: Place | None = None
    notice: Notice | None = None
    notice_id = request.GET.get("notice", "")
    if notice_id:
        if not notice_id.isdigit():
            raise NotFound()
        notice = access(
            Notice.objects.visible_to(user).select_related("audience_place"), int(notice_id)
        )
        initial.update(
            source=LogSource.NOTICE,
            notice=notice.pk,
            raised=_("关于《{title}》：").format(title=notice.title),
        )
        place = notice.audience_place
    place_id = request.GET.get("place", "")
    if place_id.isdigit():
        named = Place.objects.visible_to(user).filter(pk=int(place_id)).first()
        if named is not None:
            place = named
    if place is not None and works_at(user, place):
        initial["place"] = str(place.pk)
    else:
        place = None
    return initial, place, notice


@personal_page
@require_http_methods(["GET", "POST"])
def log_new(request: ActorRequest) -> HttpResponse:
    """Record an entry on the phone; with a case category, what was raised becomes a case in
    the same step."""
    user = request.user
    require_staff(user)
    initial, extra, notice = _prefill(request)
    if request.method == "POST":
        posted_place = request.POST.get("place", "")
        if posted_place.isdigit() and extra is None:
            extra = Place.objects.visible_to(user).filter(pk=int(posted_place)).first()
    places = caller_places(user, extra)
    if request.method != "POST":
        form = LogEntryForm(initial=initial, places=places)
        return _log_form(request, form, notice)
    form = LogEntryForm(request.POST, places=places)
    if form.is_valid():
        place = next(p for p in places if str(p.pk) == form.cleaned_data["place"])
        posted_notice = form.cleaned_data.get("notice")
        if posted_notice:
            notice = access(Notice.objects.visible_to(user), posted_notice)
        try:
            entry = services.log_entry_record(
                actor=user, place=place, notice=notice, **form.service_kwargs()
            )
        except ValidationFailed as exc:
            form.show_errors(exc.fields, exc.message)
        else:
            if entry.case_id:
                messages.success(request, _("已记录，并已转为案件。"))
            else:
                messages.success(request, _("已记录。"))
            return redirect("notices:log_detail", entry_id=entry.pk)
    return _log_form(request, form, notice, status=422)


def _log_form(
    request: ActorRequest, form: LogEntryForm, notice: Notice | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "notices/log_form.html",
        {"form": form, "notice": notice, "tags": _common_tags(request)},
        status=status,
    )


@personal_page
def log_detail(request: ActorRequest, entry_id: int) -> HttpResponse:
    """One entry and what it raised (linked); for the staff who record at its place, the
    forms to raise a case or a need from it."""
    user = request.user
    entry = access(
        LogEntry.objects.visible_to(user).select_related("place", "author", "notice"), entry_id
    )
    may_raise = works_at(user, entry.place)
    raisers = []
    if may_raise:
        for r in raising.RAISERS.values():
            raisers.append(
                {
                    "key": r.key,
                    "label": r.label,
                    "kinds": r.kinds(),
                    "households": _households(user, entry.place) if r.needs_household else [],
                    "needs_household": r.needs_household,
                    "url_name": r.url_name,
                    "text_label": r.text_label,
                }
            )
    categories: list[Any] = []
    if may_raise and entry.case_id is None:
        from tongxin.cases.forms import grouped_categories

        categories = grouped_categories()
    from tongxin.people.display import address_labels

    return render(
        request,
        "notices/log_detail.html",
        {
            "e": entry,
            "address": address_labels([entry.place]).get(entry.place_id, entry.place.name),
            "raised": raising.raised_of(user, entry),
            "may_raise": may_raise,
            "raisers": raisers,
            "categories": categories,
        },
    )


def _households(user: Any, place: Place) -> list[tuple[int, str]]:
    """The households under ``place`` the user may see, by address (whom a need is for)."""
    from tongxin.people.display import address_labels
    from tongxin.people.models import Household

    rows = list(
        Household.objects.visible_to(user)
        .filter(dwelling__path__startswith=place.path)
        .select_related("dwelling")
        .order_by("dwelling__path", "pk")[:300]
    )
    labels = address_labels([h.dwelling for h in rows])
    return [(h.pk, labels.get(h.dwelling_id, h.dwelling.name)) for h in rows]


def _refuse(request: ActorRequest, message: str) -> HttpResponse:
    """Bad input on a page: the error page, with what is wrong, as a 400."""
    return render(request, "400.html", {"error": ValidationFailed(message)}, status=400)


def _attempt_message(request: ActorRequest, exc: DomainError) -> None:
    reason = exc.fields[0].get("reason") if getattr(exc, "fields", None) else ""
    text = exc.message if not reason or reason == exc.message else f"{exc.message}（{reason}）"
    messages.error(request, text)


@personal_page
@require_POST
def log_raise_case(request: ActorRequest, entry_id: int) -> HttpResponse:
    """Raise a case from the entry (once)."""
    try:
        raising.log_entry_raise_case(
            actor=request.user, entry_id=entry_id, category=request.POST.get("category", "")
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _attempt_message(request, exc)
    else:
        messages.success(request, _("已转为案件，将按规则分派处理。"))
    return redirect("notices:log_detail", entry_id=entry_id)


@personal_page
@require_POST
def log_raise_need(request: ActorRequest, entry_id: int) -> HttpResponse:
    """Raise a resident's need from the entry, through the raiser service matching registers
    (notices cannot import matching: ``raising.RAISERS``)."""
    raiser = raising.RAISERS.get("need")
    if raiser is None:
        raise Http404()
    entry = raising.entry_for_raising(request.user, entry_id)
    household = request.POST.get("household_id", "")
    try:
        raiser.raise_from(
            actor=request.user,
            entry=entry,
            kind=request.POST.get("kind", ""),
            description=request.POST.get("description", "") or entry.raised[:500],
            household_id=int(household) if household.isdigit() else None,
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _attempt_message(request, exc)
    else:
        messages.success(request, _("已转为居民需求，等待核实。"))
    return redirect("notices:log_detail", entry_id=entry_id)


EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}


@personal_page
def log_export(request: ActorRequest) -> HttpResponse:
    """The filtered log as the printed 日志本 (``format=pdf``), CSV (the default) or Excel:
    for staff, the same entries as the list shows them."""
    user = request.user
    require_staff(user)
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return _refuse(request, _("导出格式应为 pdf、csv 或 xlsx"))
    form, values = _filters(request)
    if not form.is_valid():
        return _refuse(request, _("筛选条件有误，请返回修改"))
    limit = logbook.MAX_PDF_ROWS if fmt == "pdf" else logbook.MAX_ROWS
    qs = _entries(request, values)
    entries = logbook.bounded(qs, limit)
    filters = {k: v for k, v in request.GET.items() if k in ("q", "place", "tag", "start", "end")}
    stamp = clock.local().strftime("%Y%m%d-%H%M")
    if fmt == "pdf":
        heading = _heading(values)
        if len(entries) == limit and qs.count() > limit:
            heading += " · " + _("仅打印最早的 {n} 条，请缩小时间段").format(n=limit)
        data = logbook.pdf_bytes(actor=user, entries=entries, filters=filters, heading=heading)
    elif fmt == "xlsx":
        data = logbook.xlsx_bytes(actor=user, entries=entries, filters=filters)
    else:
        data = logbook.csv_bytes(actor=user, entries=entries, filters=filters)
    content_type, ext = EXPORT_FORMATS[fmt]
    response = HttpResponse(data, content_type=content_type)
    filename = _("民情日志-{stamp}.{ext}").format(stamp=stamp, ext=ext)
    response["Content-Disposition"] = content_disposition_header(fmt != "pdf", filename) or ""
    return response


def _heading(values: dict[str, Any]) -> str:
    parts = []
    if values.get("place"):
        parts.append(values["place"].name)
    since, until = values.get("since"), values.get("until")
    if since or until:
        parts.append(
            "{} — {}".format(since.isoformat() if since else "", until.isoformat() if until else "")
        )
    if values.get("tag"):
        parts.append(_("标签：{tag}").format(tag=values["tag"]))
    if values.get("text"):
        parts.append(_("关键词：{q}").format(q=values["text"]))
    return " · ".join(parts) or _("全部日志")


# ---------------------------------------------------------------------------- booking a studio

WEEKDAYS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)
# The studio page shows the bookable slots of this many days that have any.
SHOW_DAYS = 7


def _day_names(days: list[int]) -> str:
    """周一至周五 for a run of three days or more, 周二、周四 otherwise."""
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return _("{a}至{b}").format(a=WEEKDAYS[days[0]], b=WEEKDAYS[days[-1]])
    return "、".join(str(WEEKDAYS[d]) for d in days)


def sitting_hours(studio: Studio) -> list[str]:
    """The studio's sitting hours in words, the days with the same hours together:
    周一至周五 09:00–12:00、14:00–17:00; 周二、周四 09:00–11:30."""
    by_day: dict[int, list[str]] = {}
    for s in studio.sittings or []:
        if not isinstance(s, dict):
            continue
        wd = s.get("weekday")
        if not isinstance(wd, int) or not 0 <= wd <= 6:
            continue
        by_day.setdefault(wd, []).append(f"{s.get('start', '')}–{s.get('end', '')}")
    groups: dict[tuple[str, ...], list[int]] = {}
    for wd in sorted(by_day):
        groups.setdefault(tuple(sorted(by_day[wd])), []).append(wd)
    return [f"{_day_names(days)} {'、'.join(hours)}" for hours, days in groups.items()]


def _studios(user: Any) -> Any:
    return Studio.objects.visible_to(user).filter(is_active=True)


@personal_page
def studios(request: ActorRequest) -> HttpResponse:
    """The studios and service windows of the caller's community, with their sitting hours."""
    page = paginate(request, _studios(request.user).order_by("kind", "pk"))
    rows = [(s, sitting_hours(s), manages(request.user, s.community)) for s in page.object_list]
    return render(
        request,
        "notices/booking_studios.html",
        {"page_obj": page, "rows": rows, "resident": person_of(request.user) is not None},
    )


def bookable_days(studio: Studio) -> list[tuple[dt.date, list[selectors.Slot]]]:
    """The next days with slots one may still book (after the lead time, within the days
    ahead), each with its slots and their places left; at most ``SHOW_DAYS`` days."""
    now = clock.now()
    earliest = now + dt.timedelta(hours=studio.lead_hours)
    today = clock.today()
    out: list[tuple[dt.date, list[selectors.Slot]]] = []
    for offset in range(studio.ahead_days + 1):
        day = today + dt.timedelta(days=offset)
        slots = [s for s in selectors.slots_of(studio, day) if s.starts_at >= earliest]
        if slots:
            out.append((day, slots))
        if len(out) >= SHOW_DAYS:
            break
    return out


@personal_page
def studio(request: ActorRequest, studio_id: int) -> HttpResponse:
    """A studio: its sitting hours, the next bookable slots with the places left, the caller's
    bookings there; for its managers the link to the day list."""
    user = request.user
    s = access(_studios(user).select_related("community"), studio_id)
    person = person_of(user)
    mine = []
    if person is not None:
        mine = list(
            Booking.objects.visible_to(user)
            .filter(
                studio=s, person=person, status=BookingStatus.BOOKED, starts_at__gte=clock.now()
            )
            .select_related("studio")
        )
    held = {clock.local(b.starts_at) for b in mine}
    days = [
        (day, str(WEEKDAYS[day.weekday()]), [(slot, slot.starts_at in held) for slot in slots])
        for day, slots in bookable_days(s)
    ]
    return render(
        request,
        "notices/booking_studio.html",
        {
            "s": s,
            "hours": sitting_hours(s),
            "days": days,
            "mine": mine,
            "resident": person is not None,
            "manager": manages(user, s.community),
        },
    )


@personal_page
@require_POST
def studio_book(request: ActorRequest, studio_id: int) -> HttpResponse:
    """Book the chosen slot; a full slot or a time one may not book comes back as a message."""
    user = request.user
    s = access(_studios(user), studio_id)
    try:
        starts_at = dt.datetime.fromisoformat(request.POST.get("starts_at", ""))
    except ValueError:
        messages.error(request, _("请选择一个预约时段"))
        return redirect("notices:studio", studio_id=s.pk)
    if starts_at.tzinfo is None:
        starts_at = clock.local(starts_at.replace(tzinfo=clock.local().tzinfo))
    try:
        booking = services.booking_create(
            actor=user, studio=s, starts_at=starts_at, topic=request.POST.get("topic", "")[:300]
        )
    except (NotFound, Forbidden):
        raise
    except services.SlotFull:
        messages.error(request, _("该时段已约满，请选择其他时段。"))
        return redirect("notices:studio", studio_id=s.pk)
    except DomainError as exc:
        _attempt_message(request, exc)
        return redirect("notices:studio", studio_id=s.pk)
    when = clock.local(booking.starts_at)
    messages.success(
        request,
        _("预约成功：{studio} {when}。前一天会提醒您。").format(
            studio=s.name, when=when.strftime("%m-%d %H:%M")
        ),
    )
    return redirect("notices:my_bookings")


@personal_page
def my_bookings(request: ActorRequest) -> HttpResponse:
    """The caller's bookings: the coming ones (cancellable) first, then the past."""
    person = person_of(request.user)
    qs = (
        Booking.objects.visible_to(request.user).filter(person_id=getattr(person, "pk", None))
        if person is not None
        else Booking.objects.visible_to(request.user).none()
    )
    now = clock.now()
    coming = list(
        qs.filter(starts_at__gte=now, status=BookingStatus.BOOKED)
        .select_related("studio")
        .order_by("starts_at")
    )
    past = paginate(
        request,
        qs.exclude(pk__in=[b.pk for b in coming]).select_related("studio").order_by("-starts_at"),
    )
    return render(
        request,
        "notices/booking_mine.html",
        {"coming": coming, "page_obj": past, "past": list(past.object_list)},
    )


def _back(request: ActorRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@personal_page
@require_POST
def booking_cancel(request: ActorRequest, booking_id: int) -> HttpResponse:
    """Cancel a booking (the resident's own, or the studio's managers)."""
    try:
        services.booking_act(actor=request.user, booking_id=booking_id, act=BookingAct.CANCEL)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _attempt_message(request, exc)
    else:
        messages.success(request, _("已取消预约。"))
    return redirect(_back(request, reverse("notices:my_bookings")))


def _day(request: ActorRequest) -> dt.date | str:
    """The day asked for (today by default), or what is wrong with it."""
    raw = request.GET.get("date", "")
    if not raw:
        return clock.today()
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return _("日期格式应为 2026-05-01")
    if not 2000 <= day.year <= 2100:
        return _("日期应在 2000 到 2100 年之间")
    return day


@personal_page
def studio_day(request: ActorRequest, studio_id: int) -> HttpResponse:
    """The studio's day list (attended / no-show, once the slot has begun) and its no-show
    rate over 90 days: for the community's managers."""
    user = request.user
    s = access(_studios(user).select_related("community"), studio_id)
    require_manager(user, s.community)
    day = _day(request)
    if isinstance(day, str):
        return _refuse(request, day)
    bookings = list(selectors.studio_day(user, s, day))
    now = clock.now()
    rows = [(b, b.status == BookingStatus.BOOKED and b.starts_at <= now) for b in bookings]
    rate = selectors.no_show_rate(s)
    return render(
        request,
        "notices/booking_day.html",
        {
            "s": s,
            "day": day,
            "weekday": str(WEEKDAYS[day.weekday()]),
            "prev": (day - dt.timedelta(days=1)).isoformat(),
            "next": (day + dt.timedelta(days=1)).isoformat(),
            "rows": rows,
            "rate": None if rate is None else round(rate * 100, 1),
            "held": sum(1 for b in bookings if b.status != BookingStatus.CANCELLED),
        },
    )


@personal_page
@require_POST
def booking_mark(request: ActorRequest, booking_id: int) -> HttpResponse:
    """Mark a booking attended or a no-show (the managers, once the slot has begun)."""
    act = request.POST.get("act", "")
    if act not in (BookingAct.ATTEND, BookingAct.NO_SHOW):
        return _refuse(request, _("未知的操作"))
    booking = access(Booking.objects.visible_to(request.user).select_related("studio"), booking_id)
    day = clock.local(booking.starts_at).date().isoformat()
    back = reverse("notices:studio_day", args=[booking.studio_id]) + f"?date={day}"
    try:
        services.booking_act(actor=request.user, booking_id=booking_id, act=act)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        _attempt_message(request, exc)
    else:
        messages.success(request, _("已登记。"))
    return redirect(back)
