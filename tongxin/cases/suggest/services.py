"""Which categories a text is about, for intake (the report form, the hotline desk, the API,
Open311 without a service code), and the trained versions of each community's model.

Reads: :func:`suggest` (top-k active categories with confidence, the top one marked to be
preselected when confident, the department the routing would pick for a department-level
one). Writes: :func:`retrain` (the shipped corpus plus the community's closed cases, measured,
stored as a new ``SuggestModel`` version), :func:`retrain_due` (the scheduled job),
:func:`use_shipped` (a community falls back to the shipped model).

Each model is loaded once per process (``_loaded``, by row); which row a community uses is a
configuration entry (``core.config_cache``), so a new version reaches every process at once.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock, config_cache
from tongxin.core.actors import Actor
from tongxin.core.errors import ValidationFailed
from tongxin.places.models import Place

from .. import config
from ..models import Case, CaseCategory, Level
from ..workflow import State
from . import corpus, shipped
from .model import Model, evaluate, train
from .models import SuggestModel

MAX_TEXT = 4000
MAX_LOADED = 64  # community models kept in a process (about 0.5 MB each)
_lock = threading.Lock()
_loaded: dict[int, Model] = {}


# ------------------------------------------------------------------------------ which model


def _load_active() -> dict[int, tuple[int, str]]:
    """Community id → (row id, source) of its newest active version."""
    out: dict[int, tuple[int, str]] = {}
    rows = SuggestModel.objects.filter(is_active=True).order_by("community_id", "-version")
    for pk, community_id, source in rows.values_list("pk", "community_id", "source"):
        out.setdefault(community_id, (pk, source))
    return out


def register() -> None:
    config_cache.entry("cases.suggest_models", _load_active, SuggestModel)


def model_for(community_id: int | None) -> tuple[Model, dict[str, Any]]:
    """The model a community's suggestions use, and what it is (version, source)."""
    active: dict[int, tuple[int, str]] = config_cache.get("cases.suggest_models")
    pick = active.get(community_id) if community_id else None
    if pick is None or pick[1] == SuggestModel.Source.FALLBACK:
        m = shipped.load()
        return m, {"version": m.meta.get("version", shipped.VERSION), "source": "shipped"}
    pk = pick[0]
    found = _loaded.get(pk)
    if found is None:
        with _lock:
            found = _loaded.get(pk)
            if found is None:
                row = SuggestModel.objects.filter(pk=pk).values_list("data", flat=True).first()
                found = Model.loads(bytes(row)) if row else shipped.load()
                while len(_loaded) >= MAX_LOADED:  # the oldest loaded goes first
                    _loaded.pop(next(iter(_loaded)))
                _loaded[pk] = found
    m = found
    return m, {"version": m.meta.get("version", ""), "source": SuggestModel.Source.CLOSED_CASES}


def community_of(place: Place | None) -> Place | None:
    if place is None:
        return None
    return place.at_or_above("community")


def community_for_user(user: Actor, place: Place | None = None) -> Place | None:
    """The community whose model serves a suggestion: the place's, else the user's first
    staff place's, else their home's."""
    found = community_of(place)
    if found is not None:
        return found
    from tongxin.core.scoping import scope_for

    paths = sorted(scope_for(user).case_paths) if user.is_authenticated else []
    if paths:
        anchor = Place.objects.filter(path=paths[0]).first()
        found = community_of(anchor)
        if found is not None:
            return found
    if user.is_authenticated and getattr(user, "person_id", None):
        from tongxin.people.selectors import home_place

        return community_of(home_place(user))
    return None


def preview_place(
    actor: Actor, *, lat: float | None, lng: float | None, place_id: int | None
) -> Place | None:
    """Where the report being written is, by intake's own rules (a point in a grid, a place
    the reporter may pick), or ``None`` when that cannot be said yet (nothing is refused)."""
    if lat is None and lng is None and place_id is None:
        return None
    from ..services import resolve_location

    try:
        found = resolve_location(actor=actor, lat=lat, lng=lng, place_id=place_id, address="")
    except ValidationFailed:
        return None
    return found.place


# ------------------------------------------------------------------------------ suggest


@dataclass
class Suggestion:
    category: CaseCategory
    confidence: float
    preselect: bool = False
    department: Any = None  # the Organisation routing would pick (department-level ones)

    @property
    def code(self) -> str:
        return self.category.code

    @property
    def top(self) -> CaseCategory:
        return self.category.lineage()[-1]

    @property
    def percent(self) -> int:
        """For people: 1–99 (a model is never sure, and a listed choice is never impossible)."""
        return min(99, max(1, round(self.confidence * 100)))


def suggest(
    text: str, *, place: Place | None = None, community: Place | None = None, k: int = 3
) -> list[Suggestion]:
    """The ``k`` likeliest active categories for ``text``, best first (``k`` of them whenever
    that many are active). The first is marked ``preselect`` when its confidence reaches
    ``TONGXIN_SUGGEST_CONFIDENT``. With a ``place``, a department-level suggestion carries
    the department that routing would pick there."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        return []
    community = community or community_of(place)
    model, _info = model_for(community.pk if community else None)
    cats = config.categories()
    ranked = model.top(text, len(model.classes))
    out: list[Suggestion] = []
    seen: set[str] = set()
    for code, p in ranked:
        cat = cats.by_code.get(code)
        if cat is None or not cat.is_active or code in seen:
            continue
        seen.add(code)
        out.append(Suggestion(category=cat, confidence=p))
        if len(out) == k:
            break
    if len(out) < k:  # categories the model does not know: the rest, in the tree's order
        parents = {c.parent_id for c in cats.by_pk.values() if c.is_active}
        for cat in cats.by_code.values():
            if len(out) == k:
                break
            if cat.is_active and cat.code not in seen and cat.pk not in parents:
                seen.add(cat.code)
                out.append(Suggestion(category=cat, confidence=0.0))
    if out and out[0].confidence >= settings.TONGXIN_SUGGEST_CONFIDENT:
        out[0].preselect = True
    if place is not None:
        from ..routing import department_for

        for s in out:
            if s.category.level == Level.DEPARTMENT:
                s.department = department_for(s.category, place)
    return out


def suggestions_out(items: list[Suggestion]) -> list[dict[str, Any]]:
    """The API's form of the suggestions."""
    return [
        {
            "code": s.code,
            "name": s.category.name,
            "top": s.top.name,
            "confidence": round(s.confidence, 4),
            "preselect": s.preselect,
            "level": s.category.level,
            "department": s.department.name if s.department is not None else None,
        }
        for s in items
    ]


# ------------------------------------------------------------------------------ retraining


def _is_local_test(pk: int) -> bool:
    """A fifth of a community's cases, fixed by their id, kept out of training to measure on."""
    return zlib.crc32(str(pk).encode()) % 5 == 0


def closed_cases(community: Place) -> list[tuple[int, str, str]]:
    """(id, category code, description) of the community's closed cases with a text."""
    codes = {c.pk: c.code for c in config.categories().by_pk.values()}
    rows = (
        Case.objects.filter(place_path__prefix=community.path, state=State.CLOSED)
        .exclude(description="")
        .order_by("pk")
        .values_list("pk", "category_id", "description")
    )
    return [(pk, codes[cid], text) for pk, cid, text in rows if cid in codes]


def retrain(*, community: Place, actor: Actor | None = None) -> SuggestModel:
    """Train a new version for the community: the shipped corpus plus four fifths of its
    closed cases (each counted twice: the community's own words weigh more), measured on the
    held-out set and on the fifth kept out, beside the shipped model on the same. The new
    version is used when it does no worse than the shipped model on either; else it is kept,
    inactive, with the reason."""
    if community.kind != "community":
        raise ValidationFailed(_("只能按社区训练分类模型"), fields=[{"field": "community"}])
    cases = closed_cases(community)
    local_train = [(code, text) for pk, code, text in cases if not _is_local_test(pk)]
    local_test = [(code, text) for pk, code, text in cases if _is_local_test(pk)]
    rows = corpus.training_rows() + local_train * 2
    model = train(rows)
    heldout = corpus.read(corpus.HELDOUT)
    base = shipped.load()
    mine, theirs = evaluate(model, heldout), base.meta.get("accuracy") or evaluate(base, heldout)
    mine_local = evaluate(model, local_test) if local_test else None
    theirs_local = evaluate(base, local_test) if local_test else None
    accuracy: dict[str, Any] = {
        "heldout": mine,
        "local": mine_local,
        "shipped": {"heldout": theirs, "local": theirs_local},
    }
    worse = mine["top1"] + 0.02 < theirs["top1"] or (
        mine_local is not None
        and theirs_local is not None
        and mine_local["top1"] + 0.02 < theirs_local["top1"]
    )
    with transaction.atomic():
        last = (
            SuggestModel.objects.select_for_update()
            .filter(community=community)
            .order_by("-version")
            .first()
        )
        version = (last.version if last else 0) + 1
        model.meta.update(version=f"{community.pk}-v{version}", source="closed_cases")
        row = SuggestModel.objects.create(
            community=community,
            version=version,
            source=SuggestModel.Source.CLOSED_CASES,
            data=model.dumps(),
            texts=len(rows),
            cases=len(cases),
            last_case_id=cases[-1][0] if cases else 0,
            accuracy=accuracy,
            is_active=not worse,
            note=_("准确率低于内置模型，未启用") if worse else "",
            trained_at=clock.now(),
        )
        if not worse:
            SuggestModel.objects.filter(community=community, is_active=True).exclude(
                pk=row.pk
            ).update(is_active=False)
        audit.record(
            actor=actor,
            action="cases.suggest_model.retrain",
            obj=row,
            detail={"version": version, "cases": len(cases), "active": not worse},
        )
    return row


def use_shipped(*, actor: Actor, community: Place) -> SuggestModel:
    """The community falls back to the shipped model (and the scheduled retraining leaves it
    there until an administrator switches the fallback row off)."""
    with transaction.atomic():
        last = (
            SuggestModel.objects.select_for_update()
            .filter(community=community)
            .order_by("-version")
            .first()
        )
        SuggestModel.objects.filter(community=community, is_active=True).update(is_active=False)
        row = SuggestModel.objects.create(
            community=community,
            version=(last.version if last else 0) + 1,
            source=SuggestModel.Source.FALLBACK,
            trained_at=clock.now(),
            note=_("改用内置模型"),
        )
        audit.record(actor=actor, action="cases.suggest_model.fallback", obj=row)
    return row


def retrain_due() -> str:
    """The scheduled job: retrain every community with enough closed cases and new ones since
    its last version, unless it fell back to the shipped model. Idempotent: nothing new, no
    new version."""
    minimum = settings.TONGXIN_SUGGEST_MIN_CASES
    latest: dict[int, SuggestModel] = {}
    for row in SuggestModel.objects.order_by("community_id", "-version"):
        latest.setdefault(row.community_id, row)
    done = 0
    for community in Place.objects.filter(kind="community").order_by("pk"):
        last = latest.get(community.pk)
        if last is not None and last.source == SuggestModel.Source.FALLBACK and last.is_active:
            continue
        newest = (
            Case.objects.filter(place_path__prefix=community.path, state=State.CLOSED)
            .exclude(description="")
            .order_by("-pk")
            .values_list("pk", flat=True)
        )
        count = newest.count()
        top = newest.first() or 0
        if count < minimum or (last is not None and last.last_case_id >= top):
            continue
        retrain(community=community)
        done += 1
    return f"{done}"
