"""Seeing a full ID or phone number on the person page: a stated reason, a post that needs it,
and an audit row for every attempt."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core.actors import ActorRequest
from tongxin.core.errors import Forbidden, ValidationFailed
from tongxin.core.scoping import access
from tongxin.ui.decorators import personal_page

from .models import Person
from .services import REVEALABLE, person_reveal


@personal_page
@require_POST
def reveal(request: ActorRequest, pk: int) -> HttpResponse:
    person = access(Person.objects.visible_to(request.user), pk)
    field = request.POST.get("field", "")
    context = {"person": person, "field": field, "label": REVEALABLE.get(field, (_("号码"), ""))[0]}
    status = 200
    try:
        context["value"] = person_reveal(
            actor=request.user, person=person, field=field, reason=request.POST.get("reason", "")
        )
    except (ValidationFailed, Forbidden) as exc:
        context["error"] = exc.message
        status = exc.status
    template = "people/_reveal.html" if request.htmx else "people/reveal.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)
