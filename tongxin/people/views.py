"""Pages about people: resident search, the person page, the household page, and the import
and export pages. Every query goes through ``visible_to``; out of scope is a 404."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tongxin.core import clock, ratelimit
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed
from tongxin.core.models import in_force_q
from tongxin.core.scoping import access, scope_for
from tongxin.people.display import address_label, ancestors_map, breadcrumb, with_addresses
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate, search_text

from . import contributions, exporter, importer, policies, rights
from .models import CareTag, Household, ImportJob, PartyMembership, Person, Relation
from .selectors import persons_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUNNING = {"queued", "validating", "writing"}
STATUS_LABELS = {
    "queued": gettext_lazy("排队等待中"),
    "validating": gettext_lazy("正在逐行校验"),
    "writing": gettext_lazy("正在写入"),
    "done": gettext_lazy("导入完成"),
    "failed": gettext_lazy("导入失败"),
}
SEARCH_HINT = gettext_lazy(
    "姓名、拼音首字母（如 zsf）、手机号或身份证号后4位，或完整的手机号、身份证号"
)


@personal_page
def person_list(request: ActorRequest) -> HttpResponse:
    q = search_text(request)
    page = paginate(request, persons_for(request.user, search=q))
    return render(
        request,
        "people/list.html",
        {
            "perms_people_staff": policies.is_staff_for_people(request.user),
            "q": q,
            "page_obj": page,
            "rows": with_addresses(page.object_list),
            "hint": SEARCH_HINT,
        },
    )


@personal_page
def person_detail(request: ActorRequest, pk: int) -> HttpResponse:
    user = request.user
    person = access(
        Person.objects.visible_to(user).select_related("household", "place", "grid"), pk
    )
    household_visible = (
        bool(person.household_id)
        and Household.objects.visible_to(user).filter(pk=person.household_id).exists()
    )
    # Care tags are shown only where the user's posts let them see care (never to 三长).
    sees_care = scope_for(user).sees_care_at(person.place_path)
    care_tags = list(CareTag.objects.visible_to(user).filter(person=person).order_by("start_date"))
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "crumbs": breadcrumb(person.place, user, include_self=True) if person.place else [],
            "address": address_label(person.place, ancestors_map([person.place])[person.place.pk])
            if person.place
            else "",
            "household_visible": household_visible,
            "membership": PartyMembership.objects.visible_to(user)
            .filter(person=person)
            .select_related("organisation", "registered_community")
            .first(),
            "show_care": sees_care or bool(care_tags),
            "can_reveal": policies.can_reveal(user, person),
            "can_erase": rights.can_erase(user, person),
            "care_tags": care_tags,
            **contributions.person_page_extra(user, person),
        },
    )


@personal_page
def household_detail(request: ActorRequest, pk: int) -> HttpResponse:
    user = request.user
    household = access(Household.objects.visible_to(user).select_related("dwelling"), pk)
    dwelling = household.dwelling
    members = (
        Person.objects.visible_to(user)
        .filter(household=household, is_active=True)
        .annotate(
            is_head=Case(
                When(relation=Relation.HEAD, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("is_head", "birth_date", "id")
    )
    page = paginate(request, members)
    tags: dict[int, list[CareTag]] = {}
    if scope_for(user).sees_care_at(household.place_path):
        for tag in (
            CareTag.objects.visible_to(user)
            .filter(in_force_q(), person_id__in=[m.pk for m in page.object_list])
            .order_by("kind")
        ):
            tags.setdefault(tag.person_id, []).append(tag)
    head = next((m for m in page.object_list if m.relation == Relation.HEAD), None)
    return render(
        request,
        "people/household.html",
        {
            "household": household,
            "dwelling": dwelling,
            "crumbs": breadcrumb(dwelling, user),
            "address": address_label(dwelling, ancestors_map([dwelling])[dwelling.pk]),
            "page_obj": page,
            "members": [(m, tags.get(m.pk, [])) for m in page.object_list],
            "head": head,
            "show_care": bool(tags) or scope_for(user).sees_care_at(household.place_path),
        },
    )


# ---------------------------------------------------------------------------- import, export


def _require(allowed: bool) -> None:
    """Import and export are for community and grid staff (``people.policies``); the services
    check again, this only spares others a form they cannot use."""
    if not allowed:
        raise Forbidden(_("只有社区和网格工作人员可以导入、导出居民信息"))


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


@personal_page
@require_http_methods(["GET", "POST"])
@ratelimit.limit("export", key="user", methods=["POST"])
def export(request: ActorRequest) -> HttpResponse:
    user = request.user
    _require(policies.can_export(user))
    source = request.POST if request.method == "POST" else request.GET
    q = source.get("q", "").strip()[:50]
    persons = persons_for(user, search=q)
    if request.method == "POST":
        if not persons.exists():
            return render(
                request,
                "people/export.html",
                {"q": q, "count": 0, "error": _("没有符合条件的居民，无需导出。")},
                status=400,
            )
        data = exporter.export_persons(actor=user, queryset=persons)
        stamp = clock.local().strftime("%Y%m%d-%H%M")
        return _xlsx(data, _("居民名单-{stamp}.xlsx").format(stamp=stamp))
    return render(request, "people/export.html", {"q": q, "count": persons.count()})


@personal_page
@require_http_methods(["GET", "POST"])
def import_start(request: ActorRequest) -> HttpResponse:
    user = request.user
    _require(policies.can_import(user))
    error = ""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error, status = _("请选择要导入的 Excel 文件（.xlsx）。"), 400
        elif upload.size and upload.size > importer.MAX_BYTES:
            # Refused before reading it into memory; the importer checks the bytes again.
            error = _("文件过大：最大 {max_mb} MB，请拆分后分批导入。").format(
                max_mb=importer.MAX_BYTES // (1024 * 1024)
            )
            status = 400
        else:
            try:
                job = importer.start_import(
                    actor=user, filename=upload.name or "", data=upload.read()
                )
            except ValidationFailed as exc:
                error, status = exc.message, 400
            else:
                return redirect("people:import_job", job_id=job.pk)
    jobs = paginate(request, ImportJob.objects.visible_to(user).order_by("-created_at", "-id"))
    return render(
        request,
        "people/import.html",
        {
            "error": error,
            "page_obj": jobs,
            "max_mb": importer.MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@personal_page
def import_template(request: ActorRequest) -> HttpResponse:
    _require(policies.can_import(request.user))
    return _xlsx(importer.template_workbook(), _("居民导入模板.xlsx"))


@personal_page
def import_job(request: ActorRequest, job_id: int) -> HttpResponse:
    job = ImportJob.objects.visible_to(request.user).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    errors = paginate(request, list(job.errors or []))
    context = {
        "job": job,
        "running": job.status in RUNNING,
        "status_label": STATUS_LABELS.get(job.status, job.status),
        "page_obj": errors,
        "error_count": len(job.errors or []),
    }
    template = "people/_import_job.html" if request.htmx else "people/import_job.html"  # type: ignore[attr-defined]
    return render(request, template, context)
