"""Pages of notices, phone first: the resident's notices and contact card, a notice (opening
it records the read), the grid worker's "not yet read" list, and the printable card."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from tongxin.core.actors import ActorRequest, person_of
from tongxin.core.scoping import access
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page

from . import printing, selectors, services
from .models import Notice
from .policies import is_staff, require_staff

# Lists on a phone: the newest this many (the API pages through all of them).
PAGE_LIMIT = 50


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
        {"mine": [(n, read.get(n.pk)) for n in mine], "area": area, "staff": staff},
    )


@personal_page
def notice_detail(request: ActorRequest, notice_id: int) -> HttpResponse:
    """One notice; opening it records the caller's read."""
    notice = access(
        Notice.objects.visible_to(request.user).select_related("audience_place"), notice_id
    )
    services.notice_open(actor=request.user, notice=notice)
    return render(request, "notices/detail.html", {"n": notice, "staff": is_staff(request.user)})


@personal_page
def notice_receipts(request: ActorRequest, notice_id: int) -> HttpResponse:
    """Who of the caller's residents has not read the notice yet: to visit door to door."""
    notice = access(Notice.objects.visible_to(request.user), notice_id)
    require_staff(request.user)
    return render(
        request,
        "notices/receipts.html",
        {"n": notice, "r": selectors.receipts_of(request.user, notice)},
    )


def board(request: HttpRequest, community_id: int) -> HttpResponse:
    """The community's public notice board (公告栏): no sign-in, public notices only."""
    community = get_object_or_404(Place, pk=community_id, kind="community")
    notices = list(selectors.public_board(community)[:PAGE_LIMIT])
    return render(request, "notices/board.html", {"community": community, "notices": notices})


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
