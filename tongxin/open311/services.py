"""What Open311 does with our data: services from case categories, requests from cases, and
filing a request through the one intake service (``tongxin.cases.services.case_report``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tongxin.cases import services as case_services
from tongxin.cases.models import Case, CaseCategory, Channel, Priority
from tongxin.cases.workflow import OPEN_STATES, State
from tongxin.core import audit, clock, tokens, vault
from tongxin.core.errors import DomainError
from tongxin.places.models import Place

from .models import EMAIL_CONTEXT, Jurisdiction, Open311Request, Partner
from .wire import Open311Error, iso, parse_datetime

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
MAX_DESCRIPTION = 4000
WINDOW_DAYS = 90
DEFAULT_LIMIT = 1000
# Categories whose Open311 requests are listed with their description; the others (family
# disputes, welfare…) appear only as a category and a status. Cases that came in through
# other channels (a resident's app report, the hotline…) were never meant for publication:
# they show category, status and progress, with the location rounded to about 100 m.
PUBLIC_TOP_CODES = (
    "env",
    "municipal",
    "greening",
    "traffic",
    "illegal_build",
    "street_vending",
    "utilities",
    "noise",
    "suggestion",
    "property",
)


def jurisdiction_for(jurisdiction_id: str | None) -> Jurisdiction:
    """The named jurisdiction, or the only one when there is exactly one (the spec makes
    jurisdiction_id optional for single-jurisdiction servers)."""
    active = Jurisdiction.objects.filter(is_active=True).select_related("place")
    if jurisdiction_id:
        found = active.filter(jurisdiction_id=jurisdiction_id).first()
        if found is None:
            raise Open311Error(404, f"jurisdiction_id {jurisdiction_id} not found")
        return found
    only = list(active[:2])
    if len(only) != 1:
        raise Open311Error(400, "jurisdiction_id is required")
    return only[0]


def _top(category: CaseCategory) -> CaseCategory:
    return category.lineage()[-1]


def service_out(category: CaseCategory) -> dict[str, Any]:
    top = _top(category)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.full_name,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": ",".join(category.keywords.split()) or None,
        "group": top.name,
    }


def services() -> list[dict[str, Any]]:
    """Every active category a report can be filed under, as a service."""
    categories = CaseCategory.objects.filter(is_active=True).select_related(
        "parent", "parent__parent"
    )
    return [service_out(c) for c in sorted(categories, key=lambda c: (c.code.split("."), c.pk))]


def category_for(code: str) -> CaseCategory:
    category = CaseCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    return category


def definition_out(category: CaseCategory) -> dict[str, Any]:
    """The service definition: its attributes, in the spec's shape."""
    attributes = []
    for i, attr in enumerate(sorted(category.attributes, key=lambda a: a.get("order", 0)), 1):
        values = [{"key": v["key"], "name": v["name"]} for v in attr.get("values", [])]
        entry: dict[str, Any] = {
            "variable": True,
            "code": attr["code"],
            "datatype": attr.get("datatype", "string"),
            "required": bool(attr.get("required", False)),
            "datatype_description": attr.get("datatype_description") or None,
            "order": attr.get("order", i),
            "description": attr.get("description", attr["code"]),
        }
        if values:
            entry["values"] = values
        attributes.append(entry)
    return {"service_code": category.code, "attributes": attributes}


# ------------------------------------------------------------------------------ POST


def _attributes(category: CaseCategory, raw: dict[str, list[str]]) -> dict[str, Any]:
    """Check the submitted attributes against the service definition; answers
    {code: value or [values]} with list values by key."""
    known = {a["code"]: a for a in category.attributes}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise Open311Error(400, f"attribute {unknown[0]} is not defined for this service")
    answers: dict[str, Any] = {}
    for code, attr in known.items():
        values = [v for v in raw.get(code, []) if v != ""]
        kind = attr.get("datatype", "string")
        if not values:
            if attr.get("required"):
                raise Open311Error(400, f"attribute {code} is required")
            continue
        if kind != "multivaluelist" and len(values) > 1:
            raise Open311Error(400, f"attribute {code} takes one value")
        if kind in ("singlevaluelist", "multivaluelist"):
            keys = {v["key"] for v in attr.get("values", [])}
            bad = [v for v in values if v not in keys]
            if bad:
                raise Open311Error(400, f"attribute {code}: {bad[0]} is not an allowed value")
            answers[code] = values if kind == "multivaluelist" else values[0]
        elif kind == "number":
            try:
                float(values[0])
            except ValueError:
                raise Open311Error(400, f"attribute {code} must be a number") from None
            answers[code] = values[0]
        elif kind == "datetime":
            answers[code] = iso(parse_datetime(values[0], f"attribute {code}"))
        else:
            answers[code] = values[0][:MAX_DESCRIPTION]
    return answers


def parse_attributes(post: Any) -> dict[str, list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` → lists."""
    out: dict[str, list[str]] = {}
    pattern = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
    for key in post:
        m = pattern.match(key)
        if m:
            out.setdefault(m.group(1), []).extend(post.getlist(key))
    return out


def _location(post: Any, jurisdiction: Jurisdiction) -> dict[str, Any]:
    lat, lng = post.get("lat", "").strip(), post.get("long", "").strip()
    address, address_id = post.get("address_string", "").strip(), post.get("address_id", "")
    if lat or lng:
        try:
            lat_f, lng_f = float(lat), float(lng)
        except ValueError:
            raise Open311Error(400, "lat and long must both be numbers") from None
        return {"lat": lat_f, "lng": lng_f, "address": address}
    if address_id:
        place = (
            Place.objects.under(jurisdiction.place)
            .filter(Q(code=address_id.strip()), kind__in=("dwelling", "unit", "building", "estate"))
            .first()
        )
        if place is None or place.centroid_lat is None:
            raise Open311Error(400, f"address_id {address_id} not found")
        return {"lat": place.centroid_lat, "lng": place.centroid_lng, "address": place.address}
    if address:
        return {"address": address}
    raise Open311Error(400, "a location is required: lat and long, address_string or address_id")


def _suggested_code(description: str, place: Any) -> str:
    """A request without a ``service_code`` is filed under the category its description
    suggests most (the category model of ``cases.suggest``; a dispatcher may change it)."""
    if not description.strip():
        raise Open311Error(400, "service_code is required (or a description to classify)")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description must be at most {MAX_DESCRIPTION} characters")
    from tongxin.cases.suggest import services as suggest

    found = suggest.suggest(description, community=suggest.community_of(place), k=1)
    if not found:
        raise Open311Error(400, "service_code is required (or a description to classify)")
    return found[0].code


def file_request(*, partner: Partner, post: Any) -> Open311Request:
    """File one POSTed request as a case, through the same intake as every other channel."""
    jurisdiction = jurisdiction_for(post.get("jurisdiction_id", "").strip() or None)
    if not partner.jurisdictions.filter(pk=jurisdiction.pk).exists():
        raise Open311Error(403, "this api_key may not file into this jurisdiction")
    code = post.get("service_code", "").strip()
    description = post.get("description", "")
    if not code:
        code = _suggested_code(description, jurisdiction.place)
    category = category_for(code)
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description must be at most {MAX_DESCRIPTION} characters")
    answers = _attributes(category, parse_attributes(post))
    where = _location(post, jurisdiction)
    media_url = post.get("media_url", "").strip()
    if media_url and not re.match(r"^https?://\S+$", media_url):
        raise Open311Error(400, "media_url must be an http(s) URL")
    email = post.get("email", "").strip()
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise Open311Error(400, "email is not a valid address")
    name = " ".join(x for x in (post.get("last_name", ""), post.get("first_name", "")) if x)
    if not description.strip():
        description = _("{name}（通过 {partner} 上报）").format(
            name=category.name, partner=partner.name
        )
    with transaction.atomic():
        try:
            case = case_services.case_report(
                actor=None,
                category=category.code,
                description=description,
                priority=Priority.NORMAL,
                channel=Channel.OPEN311,
                lat=where.get("lat"),
                lng=where.get("lng"),
                address=where.get("address", ""),
                reporter_name=name.strip()[:50],
                reporter_phone=post.get("phone", "").strip(),
                answers=answers,
            )
        except DomainError as exc:
            reasons = "; ".join(f"{f['field']}: {f['reason']}" for f in exc.fields)
            raise Open311Error(400, reasons or exc.message) from None
        if not case.place_path.startswith(jurisdiction.place.path):
            raise Open311Error(400, "the location is outside this jurisdiction")
        request = Open311Request.objects.create(
            case=case,
            partner=partner,
            jurisdiction=jurisdiction,
            token=tokens.mint(32),
            email_cipher=vault.encrypt(email, context=EMAIL_CONTEXT) if email else "",
            email_masked=_mask_email(email),
            device_id=post.get("device_id", "")[:100],
            account_id=post.get("account_id", "")[:100],
            media_url=media_url,
        )
        Partner.objects.filter(pk=partner.pk).update(last_used_at=clock.now())
        audit.record(
            actor=None,
            action="open311_request",
            obj=case,
            detail={"partner": partner.pk, "jurisdiction": jurisdiction.jurisdiction_id},
        )
    return request


def _mask_email(email: str) -> str:
    if not email:
        return ""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def service_notice(case: Case) -> str:
    due = clock.local(case.resolve_due) if case.resolve_due else None
    when = _("，预计 {due:%Y-%m-%d %H:%M} 前办结").format(due=due) if due else ""
    return _("已收到，编号 {ref}，由{agency}办理{when}").format(
        ref=case.ref, agency=_agency(case), when=when
    )


# ------------------------------------------------------------------------------ GET


def public_status(case: Case) -> str:
    return "open" if case.state in OPEN_STATES else "closed"


def _agency(case: Case) -> str:
    if case.assignee_org_id and case.assignee_org:
        return case.assignee_org.name
    if case.grid_id and case.grid:
        return case.grid.name
    return _("社区")


def _filed_here(case: Case) -> bool:
    """Filed through Open311: its reporter published it knowingly."""
    return case.channel == Channel.OPEN311


def _shows_description(case: Case) -> bool:
    return _filed_here(case) and not case.anonymous and _top(case.category).code in PUBLIC_TOP_CODES


def _status_notes(case: Case) -> str | None:
    if case.public_note:
        return case.public_note
    return case.get_state_display()


def request_out(case: Case) -> dict[str, Any]:
    """A case as a GeoReport request: status and public progress, never the reporter."""
    linked = _open311_case(case)
    exact = _filed_here(case)
    digits = 6 if exact else 3  # other channels: about 100 m, never the reporter's door
    updated = case.closed_at or case.resolved_at or case.updated_at
    return {
        "service_request_id": case.ref,
        "status": public_status(case),
        "status_notes": _status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description if _shows_description(case) else None,
        "agency_responsible": _agency(case),
        "service_notice": None,
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(updated),
        "expected_datetime": iso(case.resolve_due) if case.state in OPEN_STATES else None,
        "address": (case.address or None) if exact else None,
        "address_id": None,
        "zipcode": None,
        "lat": round(case.lat, digits) if case.lat is not None else None,
        "long": round(case.lng, digits) if case.lng is not None else None,
        "media_url": (linked.media_url or None) if linked else None,
    }


def _open311_case(case: Case) -> Open311Request | None:
    # The reverse one-to-one raises a DoesNotExist that is also an AttributeError.
    linked: Open311Request | None = getattr(case, "open311", None)
    return linked


def requests_in(jurisdiction: Jurisdiction) -> QuerySet[Case]:
    return (
        Case.objects.filter(place_path__prefix=jurisdiction.place.path)
        .exclude(state=State.MERGED)
        .select_related("category", "category__parent", "grid", "assignee_org", "place", "open311")
    )


def query_requests(jurisdiction: Jurisdiction, params: Any) -> list[Case]:
    """GET requests: by ids (which overrides everything else), or by service codes, a date
    window of at most 90 days (the last 90 by default) and status, newest first, at most
    1000."""
    qs = requests_in(jurisdiction)
    ids = [x.strip() for x in params.get("service_request_id", "").split(",") if x.strip()]
    if ids:
        return list(qs.filter(ref__in=ids[:DEFAULT_LIMIT]).order_by("-created_at"))
    codes = [x.strip() for x in params.get("service_code", "").split(",") if x.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    now = clock.now()
    start = params.get("start_date", "").strip()
    end = params.get("end_date", "").strip()
    end_at = parse_datetime(end, "end_date") if end else now
    start_at = (
        parse_datetime(start, "start_date") if start else end_at - dt.timedelta(days=WINDOW_DAYS)
    )
    if end and not start:
        start_at = end_at - dt.timedelta(days=WINDOW_DAYS)
    if start and not end:
        end_at = min(now, start_at + dt.timedelta(days=WINDOW_DAYS))
    if end_at < start_at:
        raise Open311Error(400, "end_date is before start_date")
    if end_at - start_at > dt.timedelta(days=WINDOW_DAYS):
        raise Open311Error(400, f"the date range may not span more than {WINDOW_DAYS} days")
    qs = qs.filter(created_at__gte=start_at, created_at__lte=end_at)
    statuses = {x.strip() for x in params.get("status", "").split(",") if x.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open or closed")
    if statuses == {"open"}:
        qs = qs.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.exclude(state__in=OPEN_STATES)
    return list(qs.order_by("-created_at", "-pk")[:DEFAULT_LIMIT])


def filed_by_token(token: str) -> Open311Request:
    """The request a client filed, by the token it was given (the token is the credential)."""
    filed = Open311Request.objects.filter(token=token).select_related("case").first()
    if filed is None:
        raise Open311Error(404, f"token {token} not found")
    return filed


def one_request(jurisdiction: Jurisdiction, request_id: str) -> Case:
    case = requests_in(jurisdiction).filter(ref=request_id).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return case


def discovery(base_url: str) -> dict[str, Any]:
    contact = getattr(
        settings, "TONGXIN_OPEN311_CONTACT", _("请联系街道网格化管理中心申请接口密钥")
    )
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": contact,
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": f"{base_url}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
