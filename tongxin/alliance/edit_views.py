"""The alliance's forms: a unit's yearly agreement (its commitment items, then signing it), a
unit's suggestions (made by its people, adopted by a manager) and the alliance's scoring
formulas (units and in-service members, as JSON checked by the engine). Every write goes
through ``services``; a refusal comes back on the form, in the user's language, nothing
half-written."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core.actors import ActorRequest
from tongxin.core.errors import DomainError, Forbidden, NotFound
from tongxin.core.scoping import access
from tongxin.ui.decorators import personal_page

from . import selectors, services
from .defaults import DEFAULT_FORMULA, DEFAULT_MEMBER_FORMULA
from .models import Agreement, Alliance, CommitmentKind, Suggestion
from .policies import manages, require_manager
from .views import _year

ROWS = 6  # commitment rows on the agreement form


def _refusal(exc: DomainError) -> DomainError:
    if isinstance(exc, NotFound | Forbidden):
        raise exc
    return exc


@personal_page
def agreement_edit(request: ActorRequest, membership_id: int) -> HttpResponse:
    """A manager writes the unit's agreement for the year: up to six commitment items (kind,
    what, target) and other terms. A signed agreement is shown, not changed."""
    user = request.user
    m = selectors.membership_for(user, membership_id)
    require_manager(user, m.alliance)
    year = _year(request)
    agreement = Agreement.objects.visible_to(user).filter(membership=m, year=year).first()
    errors: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        items = []
        for i in range(ROWS):
            text = request.POST.get(f"text_{i}", "").strip()
            if not text:
                continue
            items.append(
                {
                    "kind": request.POST.get(f"kind_{i}", ""),
                    "text": text,
                    "target": request.POST.get(f"target_{i}", "1").strip() or "1",
                }
            )
        try:
            services.agreement_save(
                actor=user,
                membership=m,
                year=year,
                items=items,
                note=request.POST.get("note", "").strip()[:2000],
            )
            messages.success(request, _("协议已保存"))
            return redirect(f"{reverse('alliance:unit', args=[m.pk])}?year={year}")
        except DomainError as exc:
            exc = _refusal(exc)
            error = exc.message
            errors = {f["field"]: f["reason"] for f in exc.fields}
        rows = [
            {
                "kind": request.POST.get(f"kind_{i}", ""),
                "text": request.POST.get(f"text_{i}", ""),
                "target": request.POST.get(f"target_{i}", ""),
            }
            for i in range(ROWS)
        ]
        note = request.POST.get("note", "")
    else:
        current = list(agreement.commitments.order_by("id")) if agreement else []
        rows = [
            {"kind": c.kind, "text": c.text, "target": f"{c.target.normalize():f}"} for c in current
        ]
        rows += [{"kind": "", "text": "", "target": ""}] * (ROWS - len(rows))
        note = agreement.note if agreement else ""
    # Errors of the items are named by their position among the filled rows.
    filled = [i for i, r in enumerate(rows) if str(r["text"]).strip()]
    for n, i in enumerate(filled):
        rows[i] = {
            **rows[i],
            "error": " ".join(v for k, v in errors.items() if k.startswith(f"items[{n}].")),
        }
    return render(
        request,
        "alliance/agreement_edit.html",
        {
            "m": m,
            "year": year,
            "agreement": agreement,
            "rows": [{**r, "i": i} for i, r in enumerate(rows)],
            "kinds": CommitmentKind.choices,
            "note": note,
            "error": error,
            "items_error": errors.get("items", ""),
        },
    )


@personal_page
@require_POST
def agreement_sign(request: ActorRequest, agreement_id: int) -> HttpResponse:
    user = request.user
    a = access(
        Agreement.objects.visible_to(user).select_related("membership__alliance"), agreement_id
    )
    try:
        day = dt.date.fromisoformat(request.POST.get("signed_on", ""))
    except ValueError:
        messages.error(request, _("请填写签订日期（年-月-日）"))
    else:
        try:
            services.agreement_sign(actor=user, agreement=a, signed_on=day)
            messages.success(request, _("协议已签订"))
        except DomainError as exc:
            messages.error(request, _refusal(exc).message)
    return redirect(f"{reverse('alliance:unit', args=[a.membership_id])}?year={a.year}")


@personal_page
@require_POST
def suggest(request: ActorRequest, membership_id: int) -> HttpResponse:
    """The unit's people (or a manager) put a suggestion to the alliance."""
    m = selectors.membership_for(request.user, membership_id)
    try:
        services.suggestion_make(
            actor=request.user, membership=m, text=request.POST.get("text", "")
        )
        messages.success(request, _("建议已提交"))
    except DomainError as exc:
        messages.error(request, _refusal(exc).message)
    return redirect(f"{reverse('alliance:unit', args=[m.pk])}#suggestions")


@personal_page
@require_POST
def adopt(request: ActorRequest, suggestion_id: int) -> HttpResponse:
    s = access(
        Suggestion.objects.visible_to(request.user).select_related("membership__alliance"),
        suggestion_id,
    )
    try:
        services.suggestion_adopt(actor=request.user, suggestion=s)
        messages.success(request, _("建议已采纳，计入成绩单"))
    except DomainError as exc:
        messages.error(request, _refusal(exc).message)
    return redirect(f"{reverse('alliance:unit', args=[s.membership_id])}#suggestions")


def _pretty(formula: dict[str, Any]) -> str:
    return json.dumps(formula, ensure_ascii=False, indent=2, default=str)


@personal_page
def formula(request: ActorRequest, alliance_id: int) -> HttpResponse:
    """A manager edits the alliance's two scoring formulas (units, in-service members) as
    JSON; the engine checks them before they are kept (``core.scoring``)."""
    user = request.user
    alliance = access(Alliance.objects.visible_to(user), alliance_id)
    require_manager(user, alliance)
    texts = {
        "units": _pretty(alliance.formula or DEFAULT_FORMULA),
        "members": _pretty(alliance.member_formula or DEFAULT_MEMBER_FORMULA),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        which = request.POST.get("which", "")
        if which not in texts:
            raise NotFound()
        texts[which] = request.POST.get("formula", "")
        try:
            parsed = json.loads(texts[which], parse_float=Decimal)
            if not isinstance(parsed, dict):
                raise ValueError
        except ValueError:
            errors[which] = _("不是有效的 JSON 对象")
        else:
            try:
                if which == "units":
                    services.alliance_set_formula(actor=user, alliance=alliance, formula=parsed)
                else:
                    services.alliance_set_member_formula(
                        actor=user, alliance=alliance, formula=parsed
                    )
                messages.success(request, _("评分办法已保存，草稿成绩单将按新办法计算"))
                return redirect(reverse("alliance:formula", args=[alliance.pk]))
            except DomainError as exc:
                exc = _refusal(exc)
                reasons = "; ".join(f"{f['field']}: {f['reason']}" for f in exc.fields)
                errors[which] = f"{exc.message} {reasons}".strip()
    return render(
        request,
        "alliance/formula.html",
        {
            "alliance": alliance,
            "texts": texts,
            "errors": errors,
            "manager": manages(user, alliance),
        },
    )
