"""Pages of notices: the printable contact card."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse

from tongxin.core.actors import ActorRequest
from tongxin.core.scoping import access
from tongxin.places.models import Place
from tongxin.ui.decorators import personal_page

from . import printing


@personal_page
def card_pdf(request: ActorRequest, place_id: int) -> HttpResponse:
    """The contact card of a building (its poster, then a card per household) or of one
    dwelling, as a PDF to print; for whoever may browse the place (its staff, its officers)."""
    place = access(Place.objects.visible_to(request.user), place_id)
    pdf = printing.card_pdf(place, report_url=request.build_absolute_uri(reverse("cases:report")))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="contact-card-{place.pk}.pdf"'
    return response
