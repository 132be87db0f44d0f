"""The one error envelope: every code is a member of its app's code enum and documented in
docs/api.md, and every refusal has the same shape whatever raised it."""

from __future__ import annotations

import ast
import importlib
import re
from enum import StrEnum
from pathlib import Path

import pytest

from tongxin.core.errors import Code, DomainError, NotFound, ValidationFailed, envelope

ROOT = Path(__file__).resolve().parents[3]
CODE_SHAPE = re.compile(r"[A-Z]+(_[A-Z]+)*")


def literal_codes() -> dict[str, str]:
    """Error codes written as string literals (``code="X"`` arguments, ``code = "X"`` class
    attributes, ``envelope("X", …)``): each should be a member of its app's code enum."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "tongxin").rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            values: list[ast.AST] = []
            if isinstance(node, ast.Call):
                values += [k.value for k in node.keywords if k.arg == "code"]
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "envelope" and node.args:
                    values.append(node.args[0])
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    targets = []
                    if isinstance(stmt, ast.Assign):
                        targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
                    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                        targets = [stmt.target.id]
                    if "code" in targets and stmt.value is not None:
                        values.append(stmt.value)
            for value in values:
                text = value.value if isinstance(value, ast.Constant) else None
                if isinstance(text, str) and CODE_SHAPE.fullmatch(text):
                    found.setdefault(text, where)
    return found


def declared_codes() -> dict[str, str]:
    """Every member of every app's code enum (``core.errors.Code``, ``<app>/errors.py``)."""
    out = {c.value: "tongxin.core.errors.Code" for c in Code}
    for path in sorted((ROOT / "tongxin").glob("*/errors.py")):
        module = importlib.import_module(f"tongxin.{path.parent.name}.errors")
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                out.update({c.value: f"{module.__name__}.{name}" for c in value})
    return out


def test_codes_come_from_the_apps_code_enums():
    assert literal_codes() == {}, "declare the code in the app's errors.py (a StrEnum)"


def test_every_code_is_documented():
    docs = (ROOT / "docs" / "api.md").read_text()
    codes = declared_codes()
    assert {"NOT_FOUND", "TRANSITION_NOT_ALLOWED", "GEOMETRY_RULES", "OUT_OF_STOCK"} <= set(codes)
    missing = {code: where for code, where in codes.items() if f"`{code}`" not in docs}
    assert missing == {}, f"list these error codes in docs/api.md (Errors): {missing}"


@pytest.mark.parametrize(
    "error",
    [
        NotFound(),
        ValidationFailed("坏了", fields=[{"field": "a", "reason": "必填"}]),
        DomainError("不行", code="X_Y", context={"state": "accepted"}),
    ],
    ids=["not-found", "validation", "context"],
)
def test_every_refusal_has_the_same_shape(error):
    body = error.body()
    assert list(body) == ["code", "message", "fields", "context"]
    assert all(set(f) == {"field", "reason"} for f in body["fields"])
    assert envelope(body["code"], body["message"], body["fields"], body["context"]) == body
