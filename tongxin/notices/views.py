"""Pages of notices, phone first: the resident's notices and contact card, a notice (opening
it records the read), publishing one, the grid worker's "not yet read" list grouped by
stairwell, the printed 简报, the public board (notices and 三务公开), the disclosure calendar,
and the conventions (居民公约, 楼道公约)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import clock
from tongxin.core.actors import ActorRequest, person_of
from tongxin.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from tongxin.core.scoping import access, scope_for
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page

from . import printing, selectors, services
from .errors import NoticesCode
from .models import Convention, Disclosure, DisclosureStatus, Notice, NoticeKind
from .notice_forms import (
    AdoptionForm,
    ConventionForm,
    DisclosureActForm,
    DisclosureForm,
    NoticeForm,
)
from .policies import is_staff, managed_community, require_publisher, require_staff, works_at
from .workflow import DISCLOSURE_MACHINE, DisclosureAct

# Lists on a phone: the newest this many (the API pages through all of them).
PAGE_LIMIT = 50
# Up to this many unread people the names are listed at once; beyond, stairwell by stairwell.
SHOW_ALL_UNREAD = 150


@personal_page
def notice_list(request: ActorRequest) -> HttpResponse:
    """The caller's notices (pinned first, unread marked) and, for staff, those they sent or
    that reach their places, with their audience's size."""
    user = request.user
    mine = list(selectors.notices_for(user, mine=True)[:PAGE_LIMIT])
    read = selectors.read_at_of(user, [n.pk for n in mine])
    staff = is_staff(user)
    area = list(selectors.notices_for(user)[:PAGE_LIMIT]) if staff else []
    return render(
        request,
        "notices/list.html",
        {
            "mine": [(n, read.get(n.pk)) for n in mine],
            "area": area,
            "staff": staff,
            "manager": bool(scope_for(user).manager_paths),
        },
    )


@personal_page
def notice_detail(request: ActorRequest, notice_id: int) -> HttpResponse:
    """One notice; opening it records the caller's read."""
    notice = access(
        Notice.objects.visible_to(request.user).select_related("audience_place"), notice_id
    )
    services.notice_open(actor=request.user, notice=notice)
    return render(
        request,
        "notices/detail.html",
        {
            "n": notice,
            "staff": is_staff(request.user),
            "attachments": selectors.attachments_of([notice])[notice.pk],
        },
    )


def _publishable(request: ActorRequest) -> list[Place]:
    places = selectors.publishable_places(request.user)
    if not places:
        raise Forbidden(_("只有工作人员可以发布通知"), code=NoticesCode.NOT_PUBLISHER)
    return places


def _next_issue(places: list[Place]) -> int:
    return selectors.next_bulletin_issue(places[0] if places else None)


@personal_page
def notice_new(request: ActorRequest) -> HttpResponse:
    """Publish a notice (staff): to a place they work at, an audience there, with its kind,
    validity, attachments; through ``services.notice_publish``."""
    places = _publishable(request)
    if request.method != "POST":
        form = NoticeForm(places=places, initial={"issue_number": _next_issue(places)})
        return render(request, "notices/new.html", {"form": form})
    form = NoticeForm(request.POST, request.FILES, places=places)
    if form.is_valid():
        try:
            notice = services.notice_publish(actor=request.user, **form.service_kwargs())
        except ValidationFailed as exc:
            form.show_errors(exc)
        else:
            messages.success(
                request,
                _("已发布，送达 {n} 人。").format(n=notice.recipient_count),
            )
            return redirect("notices:detail", notice_id=notice.pk)
    return render(request, "notices/new.html", {"form": form}, status=422)


@personal_page
def notice_receipts(request: ActorRequest, notice_id: int) -> HttpResponse:
    """Who of the caller's residents has not read the notice yet: to visit door to door."""
    notice = access(Notice.objects.visible_to(request.user), notice_id)
    require_staff(request.user)
    groups = selectors.unread_by_building(request.user, notice)
    chosen = request.GET.get("group", "")
    if chosen:
        shown = [g for g in groups if str(g.key) == chosen]
    elif request.GET.get("all") == "1" or sum(g.count for g in groups) <= SHOW_ALL_UNREAD:
        shown = groups
    else:  # a whole grid: the stairwells with their counts, one opened at a time
        shown = []
    return render(
        request,
        "notices/receipts.html",
        {
            "n": notice,
            "r": selectors.receipts_of(request.user, notice),
            "groups": groups,
            "shown": shown,
            "chosen": chosen,
            "printed_at": clock.now(),
        },
    )


def _bulletin(request: ActorRequest, notice_id: int) -> Notice:
    notice = access(
        Notice.objects.visible_to(request.user).select_related("audience_place"), notice_id
    )
    if notice.kind != NoticeKind.BULLETIN:
        raise Http404()
    return notice


@personal_page
def bulletin(request: ActorRequest, notice_id: int) -> HttpResponse:
    """A 简报 as an A4 page to print (its masthead, issue, date, community)."""
    notice = _bulletin(request, notice_id)
    return render(request, "notices/bulletin.html", printing.bulletin_context(notice))


@personal_page
def bulletin_pdf(request: ActorRequest, notice_id: int) -> HttpResponse:
    """The same 简报 as a PDF (WeasyPrint), for the print shop or the wall."""
    notice = _bulletin(request, notice_id)
    response = HttpResponse(printing.bulletin_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bulletin-{notice.issue_number}.pdf"'
    return response


def board(request: HttpRequest, community_id: int) -> HttpResponse:
    """The community's public notice board (公告栏): no sign-in, public notices and the
    published 三务公开 only."""
    community = get_object_or_404(Place, pk=community_id, kind="community")
    notices = list(selectors.public_board(community)[:PAGE_LIMIT])
    disclosures = list(selectors.public_disclosures(community)[:PAGE_LIMIT])
    return render(
        request,
        "notices/board.html",
        {"community": community, "notices": notices, "disclosures": disclosures},
    )


# ---------------------------------------------------------------------------- 三务公开


@personal_page
def disclosures(request: ActorRequest) -> HttpResponse:
    """The community managers' disclosure desk: the year's calendar (due, overdue, missing)
    and the disclosures in progress, each with the act it awaits."""
    community = managed_community(request.user)
    try:
        year = int(request.GET.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    year = min(max(year, 2000), 2100)
    entries = selectors.disclosure_calendar(community, year)
    pending = list(
        selectors.disclosures_for(request.user, community=community)
        .exclude(status=DisclosureStatus.PUBLISHED)
        .order_by("-created_at", "-pk")[:PAGE_LIMIT]
    )
    rows = [
        (d, [(a, DisclosureAct(a).label) for a in DISCLOSURE_MACHINE.acts_from(d.status)])
        for d in pending
    ]
    return render(
        request,
        "notices/disclosures.html",
        {
            "community": community,
            "year": year,
            "entries": entries,
            "overdue": sum(e.status == "overdue" for e in entries),
            "missing": sum(e.status in ("overdue", "due") for e in entries),
            "pending": rows,
        },
    )


@personal_page
def disclosure_new(request: ActorRequest) -> HttpResponse:
    """Draft a disclosure (the community's managers), from the calendar's item and period or
    an immediate one; it then goes to the committee for approval."""
    from .models import DisclosureItem

    community = managed_community(request.user)
    items = list(
        DisclosureItem.objects.filter(community=community, is_active=True).order_by(
            "kind", "cadence", "pk"
        )
    )
    if request.method != "POST":
        initial = {"item": request.GET.get("item"), "period": request.GET.get("period", "")[:8]}
        form = DisclosureForm(initial=initial, items=items)
        return render(request, "notices/disclosure_new.html", {"form": form})
    form = DisclosureForm(request.POST, items=items)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.disclosure_draft(
                actor=request.user,
                community=community,
                item=form.items.get(d["item"]) if d["item"] else None,
                kind=d["kind"],
                cadence=d["cadence"] or ("" if d["item"] else "immediate"),
                period=d["period"].strip(),
                title=d["title"],
                body=d["body"],
            )
        except ValidationFailed as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("草稿已保存，请提交两委审核。"))
            return redirect("notices:disclosures")
    return render(request, "notices/disclosure_new.html", {"form": form}, status=422)


@personal_page
@require_POST
def disclosure_act(request: ActorRequest, disclosure_id: int) -> HttpResponse:
    """Submit, approve or send back (with the committee meeting's note), publish."""
    access(Disclosure.objects.visible_to(request.user), disclosure_id)
    form = DisclosureActForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求无效，请重试。"))
        return redirect("notices:disclosures")
    try:
        d = services.disclosure_act(
            actor=request.user,
            disclosure_id=disclosure_id,
            act=form.cleaned_data["act"],
            note=form.cleaned_data["note"],
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:  # refused by the machine (409) or the note missing (422)
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("“{title}”：{status}").format(title=d.title, status=d.get_status_display()),
        )
    return redirect("notices:disclosures")


# ---------------------------------------------------------------------------- conventions


@personal_page
def conventions(request: ActorRequest) -> HttpResponse:
    """The conventions in force where the caller lives (staff: of their places, drafts too)."""
    qs = selectors.conventions_for(request.user)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/conventions.html",
        {"page_obj": page, "staff": is_staff(request.user)},
    )


def _convention(request: ActorRequest, convention_id: int) -> Convention:
    return access(selectors.conventions_for(request.user), convention_id)


@personal_page
def convention_detail(request: ActorRequest, convention_id: int) -> HttpResponse:
    convention = _convention(request, convention_id)
    may_adopt = not convention.is_adopted and works_at(request.user, convention.place)
    return render(request, "notices/convention.html", {"c": convention, "may_adopt": may_adopt})


def _convention_places(request: ActorRequest) -> list[Place]:
    from tongxin.core.scoping import paths_q

    paths = scope_for(request.user).case_paths
    places = (
        list(
            Place.objects.filter(
                paths_q("path", paths), kind__in=("community", "building", "unit")
            ).order_by("path")[:500]
        )
        if paths
        else []
    )
    if not places:
        raise Forbidden(_("只有工作人员可以起草公约"), code=NoticesCode.NOT_PUBLISHER)
    return places


@personal_page
def convention_new(request: ActorRequest) -> HttpResponse:
    """Draft a convention for a community or a building/unit (the staff of the place)."""
    places = _convention_places(request)
    if request.method != "POST":
        return render(
            request, "notices/convention_new.html", {"form": ConventionForm(places=places)}
        )
    form = ConventionForm(request.POST, places=places)
    if form.is_valid():
        d = form.cleaned_data
        try:
            c = services.convention_draft(
                actor=request.user,
                place=form.places[d["place"]],
                kind=d["kind"],
                title=d["title"],
                text=d["text"],
                version=d["version"],
            )
        except ValidationFailed as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("公约草案已保存，通过后请登记表决情况。"))
            return redirect("notices:convention", convention_id=c.pk)
    return render(request, "notices/convention_new.html", {"form": form}, status=422)


@personal_page
def convention_adopt(request: ActorRequest, convention_id: int) -> HttpResponse:
    """Record the adoption (date, how, the counts, the deliberation it came from)."""
    convention = _convention(request, convention_id)
    require_publisher(request.user, convention.place)
    if request.method != "POST":
        form = AdoptionForm(initial={"adopted_on": clock.today()})
        return render(request, "notices/convention_adopt.html", {"c": convention, "form": form})
    form = AdoptionForm(request.POST)
    if form.is_valid():
        try:
            services.convention_adopt(
                actor=request.user,
                convention_id=convention.pk,
                **{
                    "adopted_on": form.cleaned_data["adopted_on"],
                    "method": form.cleaned_data["method"],
                    "votes_for": form.cleaned_data["votes_for"],
                    "votes_against": form.cleaned_data["votes_against"],
                    "votes_abstain": form.cleaned_data["votes_abstain"],
                    "deliberation_ref": form.cleaned_data["deliberation_ref"],
                },
            )
        except ValidationFailed as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("已登记通过，居民可以查看这份公约了。"))
            return redirect("notices:convention", convention_id=convention.pk)
    return render(
        request, "notices/convention_adopt.html", {"c": convention, "form": form}, status=422
    )


@personal_page
def contact_card(request: ActorRequest) -> HttpResponse:
    """The caller's own contact card (便民服务卡)."""
    person = person_of(request.user)
    card = None
    if person is not None and person.place_id:
        card = selectors.card_for(Place.objects.get(pk=person.place_id))
    return render(request, "notices/card.html", {"card": card})


@personal_page
def card_pdf(request: ActorRequest, place_id: int) -> HttpResponse:
    """The contact card of a building (its poster, then a card per household) or of one
    dwelling, as a PDF to print; for whoever may browse the place (its staff, its officers)."""
    place = access(Place.objects.visible_to(request.user), place_id)
    pdf = printing.card_pdf(place, report_url=request.build_absolute_uri(reverse("cases:report")))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="contact-card-{place.pk}.pdf"'
    return response
