"""The service guide's pages (办事指南, 民生政策一窗通), phone first: the searchable list of the
caller's community's services, a service's page (conditions, materials to bring, steps, where
and when, forms), and asking for it — online as a case, or by booking its window."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core.actors import ActorRequest, person_of
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.core.scoping import access
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import guide, selectors
from .models import ServiceGuide


@personal_page
def guide_list(request: ActorRequest) -> HttpResponse:
    """The services, searched by words (title, category, conditions, materials) and filtered
    by category."""
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:40]
    every = selectors.guide_for(request.user)
    categories = sorted({c for c in every.values_list("category", flat=True) if c})
    page = paginate(request, selectors.guide_for(request.user, text=q, category=category))
    return render(
        request,
        "notices/guide_list.html",
        {"page_obj": page, "q": q, "category": category, "categories": categories},
    )


@personal_page
def guide_detail(request: ActorRequest, service_id: int) -> HttpResponse:
    service = access(ServiceGuide.objects.visible_to(request.user), service_id)
    person = person_of(request.user)
    return render(
        request,
        "notices/guide_detail.html",
        {
            "s": service,
            "window": guide.window_for(request.user, service),
            "may_request": bool(service.case_category and person and person.place_id),
            "note_limit": guide.NOTE_LIMIT,
        },
    )


@personal_page
@require_POST
def guide_request(request: ActorRequest, service_id: int) -> HttpResponse:
    """Ask for the service online: it becomes a case, and the resident follows it there."""
    service = access(ServiceGuide.objects.visible_to(request.user), service_id)
    try:
        case = guide.request_case(
            actor=request.user, service=service, note=request.POST.get("note", "")
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notices:guide_detail", service_id=service.pk)
    messages.success(request, _("申请已提交，社区会按诉求流程办理，您可以随时查看进度。"))
    return redirect("cases:detail", pk=case.pk)  # type: ignore[attr-defined]
