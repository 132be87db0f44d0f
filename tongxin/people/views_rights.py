"""Pages for residents' rights: my data and its downloads, correction requests and their
decision by staff, and erasure by community leadership. The work is in ``rights``; these only
parse, call and render. Out of scope is a 404, in scope but not allowed a 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tongxin.core import clock, csvsafe, ratelimit
from tongxin.core.actors import ActorRequest
from tongxin.core.errors import Forbidden, TransitionRefused, ValidationFailed, reasons_by_field
from tongxin.core.scoping import access
from tongxin.ui.decorators import personal_page
from tongxin.ui.paging import paginate

from . import own_data, rights
from .models import CorrectionField, CorrectionRequest, CorrectionStatus, Person

STATUS_TABS = [
    (CorrectionStatus.OPEN.value, gettext_lazy("待处理")),
    (CorrectionStatus.ACCEPTED.value, gettext_lazy("已更正")),
    (CorrectionStatus.REJECTED.value, gettext_lazy("未采纳")),
    ("all", gettext_lazy("全部")),
]
VALUE_HINTS = {
    "gender": gettext_lazy("性别填写“男”或“女”"),
    "birth_date": gettext_lazy("出生日期按“1990-01-31”的格式填写"),
    "political_status": gettext_lazy("政治面貌如：群众、中共党员、共青团员"),
    "residence_status": gettext_lazy("户籍类型填写：户籍人口、流动人口或人户分离"),
}


def _download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _stamp() -> str:
    return clock.local().strftime("%Y%m%d-%H%M")


# ---------------------------------------------------------------------------- my data


@personal_page
def my_data(request: ActorRequest) -> HttpResponse:
    # An account without a person (the back-office admins) gets a 404 like any missing page.
    data = own_data.my_data_access(actor=request.user, channel="page")
    return render(
        request,
        "people/rights/my_data.html",
        {"data": data, "limit": own_data.PAGE_RECORD_LIMIT},
    )


@personal_page
@require_GET
@ratelimit.limit("self_export", rate="20/h", key="user")
def my_data_json(request: ActorRequest) -> HttpResponse:
    data = own_data.my_data_access(actor=request.user, channel="json")
    return _download(
        data.json_bytes(),
        filename=_("我的个人信息-{stamp}.json").format(stamp=_stamp()),
        content_type="application/json; charset=utf-8",
    )


@personal_page
@require_GET
@ratelimit.limit("self_export", rate="20/h", key="user")
def my_data_csv(request: ActorRequest) -> HttpResponse:
    data = own_data.my_data_access(actor=request.user, channel="csv")
    return _download(
        data.csv_text().encode("utf-8"),
        filename=_("我的个人信息-{stamp}.csv").format(stamp=_stamp()),
        content_type=csvsafe.CONTENT_TYPE,
    )


# ---------------------------------------------------------------------------- corrections


@personal_page
@require_http_methods(["GET", "POST"])
@ratelimit.limit("correction_request", rate="10/h", key="user", methods=["POST"])
def correction_new(request: ActorRequest) -> HttpResponse:
    user = request.user
    person = rights.own_person(user)
    form = {"field": "", "value": "", "note": ""}
    error = ""
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:400] for k in form}
        try:
            rights.correction_request_create(
                actor=user, field_name=form["field"], value=form["value"], note=form["note"]
            )
        except ValidationFailed as exc:
            error, errors, status = exc.message, reasons_by_field(exc.fields), 400
        else:
            messages.success(request, _("更正申请已提交，社区工作人员处理后会在这里显示结果。"))
            return redirect("people:my_data")
    return render(
        request,
        "people/rights/correction_new.html",
        {
            "person": person,
            "fields": CorrectionField.choices,
            "form": form,
            "error": error,
            "errors": errors,
            "hints": VALUE_HINTS.values(),
        },
        status=status,
    )


@personal_page
def correction_list(request: ActorRequest) -> HttpResponse:
    user = request.user
    if not rights.may_decide_corrections(user):
        raise Forbidden(_("只有社区和网格工作人员可以处理更正申请"))
    status = request.GET.get("status", CorrectionStatus.OPEN)
    if status not in {s for s, _ in STATUS_TABS}:
        status = CorrectionStatus.OPEN
    page = paginate(
        request, rights.open_corrections_for(user, status="" if status == "all" else status)
    )
    return render(
        request,
        "people/rights/correction_list.html",
        {"page_obj": page, "status": status, "tabs": STATUS_TABS},
    )


def _current_value(correction: CorrectionRequest) -> str:
    """What the registry holds now, as staff see it: sealed fields masked."""
    person = correction.person
    field = correction.field
    if field == CorrectionField.ID_NUMBER:
        return person.id_number_masked
    if field == CorrectionField.PHONE:
        return person.phone_masked
    if field == CorrectionField.OTHER:
        return ""
    display = getattr(person, f"get_{field}_display", None)
    value = display() if display else getattr(person, field, "")
    return own_data.display(value)


@personal_page
@require_http_methods(["GET", "POST"])
def correction_detail(request: ActorRequest, pk: int) -> HttpResponse:
    user = request.user
    correction = access(
        CorrectionRequest.objects.select_related("person", "decided_by").visible_to(user), pk
    )
    may_decide = (
        rights.may_decide_for(user, correction.person)
        and correction.status == CorrectionStatus.OPEN
    )
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("decision_note", "")[:400]
        try:
            if action == "accept":
                rights.correction_accept(actor=user, correction=correction, note=note)
                messages.success(request, _("已采纳，居民信息已更正。"))
            elif action == "reject":
                rights.correction_reject(actor=user, correction=correction, note=note)
                messages.success(request, _("已记录不采纳的理由。"))
            else:
                raise ValidationFailed(_("请选择采纳或不采纳"))
        except (ValidationFailed, TransitionRefused) as exc:  # shown on the form
            error, status = exc.message, 400
        else:
            return redirect("people:corrections")
    person_visible = Person.objects.visible_to(user).filter(pk=correction.person_id).exists()
    return render(
        request,
        "people/rights/correction_detail.html",
        {
            "c": correction,
            "current": _current_value(correction),
            "may_decide": may_decide,
            "person_visible": person_visible,
            "is_own": correction.person_id == user.person_id,
            "error": error,
        },
        status=status,
    )


# ---------------------------------------------------------------------------- erasure


@personal_page
@require_http_methods(["GET", "POST"])
def person_erase(request: ActorRequest, pk: int) -> HttpResponse:
    user = request.user
    person = access(Person.objects.visible_to(user).select_related("place", "grid"), pk)
    error = ""
    status = 200
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")[:400]
        try:
            # The service checks the policy itself and audits a refusal.
            name = rights.person_erase(actor=user, person=person, reason=reason)
        except ValidationFailed as exc:
            error, status = exc.message, 400
        else:
            messages.success(
                request,
                _("已删除该居民的个人信息，其历史记录以化名 {name} 保留。").format(name=name),
            )
            return redirect("people:list")
    elif not rights.can_erase(user, person):
        raise Forbidden(_("只有社区书记、副书记或主任可以删除居民个人信息"))
    return render(
        request,
        "people/rights/erase.html",
        {
            "person": person,
            "erased": rights.is_erased(person),
            "reason": reason,
            "error": error,
        },
        status=status,
    )
