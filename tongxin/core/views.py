"""Pages the core serves itself: stored uploads (after a permission check) and the page shown
when a form arrives without a valid CSRF token."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tongxin.ui.decorators import personal_page

from . import health, uploads
from .actors import ActorRequest
from .models import StoredUpload
from .security import FILE_CSP


@personal_page
def file_download(request: ActorRequest, pk: UUID) -> HttpResponse:
    """One stored upload, if the caller may read it (``uploads.access_upload``); 404 otherwise.

    Images are shown inline unless ``?download=1``; PDFs are always downloaded, never opened in
    the browser's viewer. The answer is never cached and may not be sniffed, framed or run.
    """
    upload = uploads.access_upload(request.user, pk)
    as_attachment = upload.kind == StoredUpload.Kind.PDF or request.GET.get("download") == "1"
    response = FileResponse(
        uploads.open_upload(upload),
        content_type=uploads.CONTENT_TYPES[upload.kind],
        as_attachment=as_attachment,
        filename=upload.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    # A streaming response; ``personal_page`` only adds headers to it.
    return cast(HttpResponse, response)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a page in the user's language instead of Django's debug text."""
    return render(request, "core/csrf_failure.html", status=403)


# ------------------------------------------------------------------ health


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no database, no session); for the supervisor."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: each dependency checked (``core.health``); 200 when all are ready, else 503
    with ``Retry-After``, for a load balancer. No personal data, no authentication."""
    report = health.readiness()
    response = JsonResponse(report, status=200 if report["status"] == "ok" else 503)
    if report["status"] != "ok":
        response["Retry-After"] = "10"
    return response
