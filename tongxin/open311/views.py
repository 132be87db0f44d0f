"""The GeoReport v2 endpoints under ``/open311/v2/`` (format by suffix: .json or .xml).

Reads are open (the spec's GETs need no key) and rate-limited per client IP; they show the
status and public progress of requests, never who reported them. Filing (POST requests)
needs a partner's ``api_key``, rate-limited per partner.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from tongxin.core import ratelimit

from . import services
from .models import Partner
from .wire import FORMATS, Open311Error, error_response, respond


def open311_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Check the format suffix, apply the read limit, and turn refusals into spec errors."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return error_response(404, "format must be json or xml", "json")
        if request.method == "GET":
            limited = ratelimit.hit("open311_read", request, key="ip")
            if not limited.allowed:
                response = error_response(429, "too many requests", fmt)
                response["Retry-After"] = str(limited.retry_after)
                return response
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error_response(exc.status, exc.description, fmt)

    return wrapper


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
@open311_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(services.discovery(_base_url(request)), fmt, root="discovery")


@require_GET
@open311_view
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    services.jurisdiction_for(request.GET.get("jurisdiction_id") or None)
    return respond(services.services(), fmt, root="services")


@require_GET
@open311_view
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    services.jurisdiction_for(request.GET.get("jurisdiction_id") or None)
    category = services.category_for(code)
    if not category.attributes:
        raise Open311Error(404, f"service_code {code} has no service definition")
    return respond(services.definition_out(category), fmt, root="service_definition")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311_view
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    jurisdiction = services.jurisdiction_for(request.GET.get("jurisdiction_id") or None)
    cases = services.query_requests(jurisdiction, request.GET)
    return respond([services.request_out(c) for c in cases], fmt, root="service_requests")


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    partner = Partner.by_key(request.POST.get("api_key", "").strip())
    if partner is None:
        return error_response(403, "api_key is missing or not valid", fmt)
    limited = ratelimit.hit("open311_post", request, ident=f"open311-partner-{partner.pk}")
    if not limited.allowed:
        response = error_response(429, "this api_key has filed too many requests", fmt)
        response["Retry-After"] = str(limited.retry_after)
        return response
    filed = services.file_request(partner=partner, post=request.POST)
    body = [
        {
            "service_request_id": filed.case.ref,
            "service_notice": services.service_notice(filed.case),
            "account_id": filed.account_id or None,
            "token": filed.token,
        }
    ]
    return respond(body, fmt, root="service_requests", status=201)


@require_GET
@open311_view
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    jurisdiction = services.jurisdiction_for(request.GET.get("jurisdiction_id") or None)
    case = services.one_request(jurisdiction, request_id)
    return respond([services.request_out(case)], fmt, root="service_requests")


@require_GET
@open311_view
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    services.jurisdiction_for(request.GET.get("jurisdiction_id") or None)
    filed = services.filed_by_token(token)
    body = [{"service_request_id": filed.case.ref, "token": filed.token}]
    return respond(body, fmt, root="service_requests")
