"""The GeoReport v2 wire format: JSON and XML answers, and the spec's error bodies.

Every answer is built as plain Python data first (lists of dicts), then written as JSON or as
the XML the specification shows: a root element, one child element per item, one element per
field; lists inside an item (attributes, values, formats, endpoints) nest the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tongxin.core import clock

FORMATS = ("json", "xml")

# For XML: the element name of the items of each list, by the list's own name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


class Open311Error(Exception):
    """A refusal in the spec's form: HTTP status and a list of (code, description)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def iso(at: dt.datetime | None) -> str | None:
    """ISO 8601 with the time zone, to the second (2026-11-22T09:30:00+08:00)."""
    if at is None:
        return None
    return clock.local(at).isoformat(timespec="seconds")


def parse_datetime(value: str, field: str) -> dt.datetime:
    """A w3c/ISO 8601 datetime (``Z`` allowed); without a zone it is local time."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise Open311Error(400, f"{field} must be an ISO 8601 datetime") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if value is None:
        return
    if isinstance(value, list):
        item_name = ITEM_NAMES.get(name, "item")
        for item in value:
            if isinstance(item, dict):
                _xml_item(element, item_name, item)
            else:
                _xml_value(element, item_name, item)
        return
    if isinstance(value, dict):
        for key, sub in value.items():
            _xml_value(element, key, sub)
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def _xml_item(parent: ET.Element, name: str, item: dict[str, Any]) -> None:
    element = ET.SubElement(parent, name)
    for key, value in item.items():
        _xml_value(element, key, value)


def to_xml(root: str, data: Any) -> bytes:
    """``data`` as the spec's XML: a list becomes one item element per entry under ``root``,
    a dict becomes ``root`` with one element per field."""
    element = ET.Element(root)
    if isinstance(data, list):
        item_name = ITEM_NAMES.get(root, "item")
        for item in data:
            _xml_item(element, item_name, item)
    else:
        for key, value in data.items():
            _xml_value(element, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")


def respond(data: Any, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            to_xml(root, data), status=status, content_type="text/xml; charset=utf-8"
        )
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def refusal(request: HttpRequest, error: Any) -> HttpResponse:
    """A refusal of ``core.input_guard`` (a ``DomainError``) in the spec's error shape, in
    the format the path asks for."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return error_response(error.status, error.message, fmt)


def error_response(status: int, description: str, fmt: str) -> HttpResponse:
    """The spec's error body: ``[{"code", "description"}]`` / ``<errors><error>…``."""
    return respond(
        [{"code": status, "description": description}],
        fmt if fmt in FORMATS else "json",
        root="errors",
        status=status,
    )
