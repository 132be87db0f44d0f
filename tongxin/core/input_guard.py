"""Input the database cannot store, and bodies that cannot be read, refused at the door.

PostgreSQL cannot store a NUL character in text, and no database can store half of a UTF-16
surrogate pair (``"\\ud800"`` in JSON decodes to one); SQLite stores NUL silently, so the same
request would succeed there and crash on PostgreSQL. Every way input arrives is checked once,
here, before any code sees it:

- JSON bodies of the API: ``JSONBodyParser`` (the API's parser) reads the body, answers 400
  ``MALFORMED_BODY`` for one that is not UTF-8 JSON or nests deeper than ``MAX_DEPTH``, and 422
  naming each field that holds such a character;
- query strings and form fields of every request (pages, the API, Open311):
  ``UnstorableInputMiddleware``, 422 with the fields named (the envelope for the API,
  Open311's own error shape, registered with ``register_answer``, the error page elsewhere);
- bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413 ``PAYLOAD_TOO_LARGE`` (the same middleware,
  and the API's handler for the body read by the parser).

Django's form fields already refuse NUL (``ProhibitNullCharactersValidator``); this guards the
rest (values read from ``request.POST`` directly, JSON, query parameters).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja.parser import Parser

from .errors import Code, DomainError, FieldError, ValidationFailed

MAX_DEPTH = 32  # no body of ours nests deeper than a handful of levels


class MalformedBody(DomainError):
    """The request's body cannot be read as what the endpoint takes."""

    code = Code.MALFORMED_BODY
    status = 400


class PayloadTooLarge(DomainError):
    code = Code.PAYLOAD_TOO_LARGE
    status = 413


def too_large() -> PayloadTooLarge:
    return PayloadTooLarge(_("请求内容过大，请减少文字或分批提交"))


def storable(text: str) -> bool:
    """Whether every database we run on can store ``text``."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _walk(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if not storable(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not storable(key):
                yield path or "body"
            else:
                yield from _walk(item, name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}.{i}" if path else str(i))


def unstorable_fields(value: Any, path: str = "") -> list[FieldError]:
    """A field error for each place in ``value`` (JSON-like) that holds such a character."""
    reason = _("含有无法保存的字符（空字符或无效的 Unicode 字符），请删除后重试")
    return [{"field": name, "reason": reason} for name in dict.fromkeys(_walk(value, path))]


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively: a hostile body must not exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _refuse(fields: list[FieldError]) -> ValidationFailed:
    return ValidationFailed(_("请求中含有无法保存的字符"), fields=fields)


class JSONBodyParser(Parser):
    """The API's parser: JSON bodies read strictly (see the module docstring). Its refusals
    reach the client as they are: ``install_error_handlers`` unwraps the 400 ninja wraps them
    in."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedBody(_("请求体应为 UTF-8 编码的 JSON")) from None
        try:
            data = json.loads(text)
        except RecursionError:
            raise MalformedBody(_("请求体嵌套过深")) from None
        except json.JSONDecodeError as exc:
            where = _("请求体不是有效的 JSON（第 {line} 行第 {column} 列）")
            raise MalformedBody(where.format(line=exc.lineno, column=exc.colno)) from None
        if _depth(data) > MAX_DEPTH:
            raise MalformedBody(_("请求体嵌套过深（最多 {levels} 层）").format(levels=MAX_DEPTH))
        fields = unstorable_fields(data)
        if fields:
            raise _refuse(fields)
        return data


def _querydict_fields(request: HttpRequest) -> list[FieldError]:
    """A field error for each query or form parameter with such a character (key or value)."""
    bad: list[str] = []
    for prefix, data in (("query", request.GET), ("form", request.POST)):
        for key, values in data.lists():
            if not storable(key):
                bad.append(prefix)
            elif any(isinstance(v, str) and not storable(v) for v in values):
                bad.append(f"{prefix}.{key}")
    reason = _("含有无法保存的字符（空字符或无效的 Unicode 字符），请删除后重试")
    return [{"field": name, "reason": reason} for name in dict.fromkeys(bad)]


Answer = Callable[[HttpRequest, DomainError], HttpResponse]


def _envelope(request: HttpRequest, error: DomainError) -> HttpResponse:
    return JsonResponse(
        error.body(), status=error.status, json_dumps_params={"ensure_ascii": False}
    )


def _page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "400.html", {"error": error}, status=error.status)


# How a refusal is answered, by path prefix (longest first); pages get the error page.
_answers: dict[str, Answer] = {"/api/": _envelope}


def register_answer(prefix: str, answer: Answer) -> None:
    """Answer refusals under ``prefix`` with ``answer`` (an interface with its own error
    format registers it from ``AppConfig.ready``: Open311's spec-shaped errors)."""
    _answers[prefix] = answer


def answer_for(request: HttpRequest) -> Answer | None:
    """How an interface under this path answers refusals; None for pages."""
    for prefix in sorted(_answers, key=len, reverse=True):
        if request.path.startswith(prefix):
            return _answers[prefix]
    return None


def _answer(request: HttpRequest, error: DomainError) -> HttpResponse:
    answer = answer_for(request)
    return answer(request, error) if answer else _page(request, error)


class UnstorableInputMiddleware:
    """Refuses, before any view, a query string or form field the database cannot store and a
    body over the size limit (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            fields = _querydict_fields(request)
        except RequestDataTooBig:
            return _answer(request, too_large())
        if fields:
            return _answer(request, _refuse(fields))
        return self.get_response(request)
