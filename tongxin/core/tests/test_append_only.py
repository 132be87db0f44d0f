"""History is append-only everywhere (DESIGN.md §5 rule 4).

The history models are found from the models themselves: every concrete subclass of
``AppendOnlyModel`` in every app. Each must refuse, on the instance and on the queryset, every
way the ORM offers to change or remove a stored row. A list of the history models known today,
and a rule on model names, make sure a new history model cannot forget the base class.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models

from tongxin.core.models import AppendOnlyModel, AppendOnlyQuerySet
from tongxin.core.scoping import ScopedQuerySet

KNOWN_HISTORY = {
    "cases.CaseEvent",
    "cases.RoutingDecision",
    "volunteering.LedgerTransaction",
    "volunteering.Entry",
    "core.AuditEvent",
    "inbox.Delivery",
}
# Names that say "this is a record of what happened".
HISTORY_SUFFIXES = ("Event", "Decision", "Transaction", "History", "Delivery", "Log")
# Models whose name matches a suffix but that are not history, with the reason.
NOT_HISTORY: dict[str, str] = {
    "property.CreditEvent": (
        "a credit record that waits for the company's response and is then posted or withdrawn "
        "by its state machine (each act audited); not a log of what happened"
    ),
}


def label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def history_models() -> list[type[models.Model]]:
    return sorted(
        (
            m
            for m in apps.get_models()
            if issubclass(m, AppendOnlyModel) and not m._meta.abstract and not m._meta.proxy
        ),
        key=label,
    )


HISTORY = history_models()


def test_every_known_history_model_is_append_only():
    assert {label(m) for m in HISTORY} >= KNOWN_HISTORY


def test_models_named_like_history_are_append_only():
    named = {
        label(m)
        for m in apps.get_models()
        if m.__name__.endswith(HISTORY_SUFFIXES) and label(m) not in NOT_HISTORY
    }
    forgot = sorted(n for n in named if not issubclass(apps.get_model(n), AppendOnlyModel))
    assert forgot == [], f"history models without AppendOnlyModel: {forgot}"


def stored_row(model: type[models.Model]) -> Any:
    """A stored row of ``model``; when the demo has none, an instance that claims to be one
    (the refusals happen before any SQL)."""
    row = model._default_manager.order_by("pk").first()
    if row is None:
        row = model()
        row.pk = 1
        row._state.adding = False
        row._state.db = "default"
    return row


def some_field(model: type[models.Model]) -> str:
    return next(
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and not f.is_relation and f.name != "seq"
    )


@pytest.mark.parametrize("model", HISTORY, ids=label)
def test_history_rows_cannot_be_changed_or_removed(demo, model):
    assert isinstance(model._default_manager.all(), AppendOnlyQuerySet)
    assert isinstance(model.objects.all(), AppendOnlyQuerySet)  # type: ignore[attr-defined]
    row = stored_row(model)
    field = some_field(model)
    before = model._default_manager.count()
    with pytest.raises(RuntimeError, match="只能追加"):
        row.save()
    with pytest.raises(RuntimeError, match="只能追加"):
        row.save(update_fields=[field])
    with pytest.raises(RuntimeError, match="只能追加"):
        row.delete()
    with pytest.raises(RuntimeError, match="只能追加"):
        model._default_manager.filter(pk=row.pk).update(**{field: getattr(row, field)})
    with pytest.raises(RuntimeError, match="只能追加"):
        model._default_manager.all().delete()
    with pytest.raises(RuntimeError, match="只能追加"):
        model._default_manager.bulk_update([row], [field])
    with pytest.raises(RuntimeError, match="只能追加"):
        model._default_manager.all().bulk_update([row], [field])
    assert model._default_manager.count() == before


def test_scoped_history_keeps_visible_to_and_stays_append_only(demo):
    from tongxin.cases.models import RoutingDecision

    scoped = RoutingDecision.objects.visible_to(demo.user("grid1"))
    assert isinstance(scoped, ScopedQuerySet) and isinstance(scoped, AppendOnlyQuerySet)
    assert scoped.is_scoped
    with pytest.raises(RuntimeError, match="只能追加"):
        scoped.update(reason="rewritten")
    with pytest.raises(RuntimeError, match="只能追加"):
        scoped.delete()
