"""Test-suite instruments. Nothing here is installed outside ``config.settings.test``.

``PiiLeakScanner`` reads every HTML, JSON and CSV response the suite produces and records any
valid mainland ID number (GB 11643 checksum) or mobile number in it, unless the request was an
audited reveal (``audit.record`` marks it) or the value came from the request itself (a search
box echoing what the user typed). ``tongxin/conftest.py`` fails the test that caused a leak.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .sensitivity import published_numbers
from .validators import id_check_char

ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9])(1[3-9]\d{9})(?![0-9])")
SCANNED_TYPES = ("text/html", "application/json", "text/csv")

LEAKS: list[str] = []


def png_upload(name: str = "photo.png", colour: str = "red", size: tuple[int, int] = (16, 12)):  # type: ignore[no-untyped-def]
    """A small real PNG as an uploaded file, for the tests that attach photos."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


SCANNED: list[int] = [0]


def find_pii(text: str) -> list[str]:
    found = []
    for m in ID_RE.finditer(text):
        value = m.group(1).upper()
        if id_check_char(value[:17]) == value[17] and 1900 <= int(value[6:10]) <= 2100:
            found.append(value)
    found.extend(m.group(1) for m in MOBILE_RE.finditer(text))
    return found


def _echoed(request: HttpRequest) -> str:
    parts = [request.META.get("QUERY_STRING", "")]
    parts.extend(str(v) for v in request.GET.values())
    raw = getattr(request, "_body", b"")
    if raw:
        parts.append(raw.decode("utf-8", "replace"))
    if hasattr(request, "_post"):
        parts.extend(str(v) for v in request.POST.values())
    return "\n".join(parts)


class PiiLeakScanner:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.streaming or not any(t in content_type for t in SCANNED_TYPES):
            return response
        SCANNED[0] += 1
        if getattr(request, "tongxin_pii_revealed", False):
            return response
        echoed = _echoed(request)
        text = response.content.decode("utf-8", "replace")
        found = [v for v in find_pii(text) if v not in echoed]
        if found:  # a number the system publishes on purpose is not a leak
            published = published_numbers()
            found = [v for v in found if v not in published]
        for value in found:
            LEAKS.append(f"{request.method} {request.path}: …{value[-4:]} ({len(value)} 位)")
        return response
