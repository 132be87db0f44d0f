"""The scorecard kinds behind ``/api/v1/scorecards``: a small registry, code → provider.

A provider lists a viewer's cards of a year (``list``: the subjects the viewer may see, a
page of them) and gets one (``get``; 404 when the viewer may not see it). ``branch`` and
``member`` are party life's own (``selectors.cards``); ``unit`` is the alliance's unit
scorecards (``alliance.selectors``). Another app adds a kind with ``register`` (from its
``AppConfig.ready``, or here when it sits below this app).

A card's id is ``<kind>-<subject id>-<year>``: a card exists for every subject and year,
stored once computed (``PartyCard``), else computed live from the records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor, person_of
from tongxin.core.errors import NotFound
from tongxin.core.scoping import paths_q
from tongxin.orgs.models import Organisation
from tongxin.people.models import PartyMembership

from ..errors import UnknownScorecardKind
from ..models import CardKind, CardState, PartyCard, officer_paths
from . import cards


@dataclass(frozen=True)
class Provider:
    code: str
    label: str | Promise
    # (viewer, year, page) → (the page's card bodies, how many cards the viewer has)
    list: Callable[[Actor, int, int], tuple[list[dict[str, Any]], int]]
    # (viewer, subject id, year) → the card's body; NotFound when out of sight
    get: Callable[[Actor, int, int], dict[str, Any]]


REGISTRY: dict[str, Provider] = {}
PAGE = 50


def register(provider: Provider) -> None:
    REGISTRY[provider.code] = provider


def provider(kind: str) -> Provider:
    found = REGISTRY.get(kind)
    if found is None:
        reason = _("取值应为：") + "、".join(sorted(REGISTRY))
        raise UnknownScorecardKind(
            _("未知的成绩单类型：{kind}").format(kind=kind),
            fields=[{"field": "kind", "reason": reason}],
        )
    return found


def parse_id(card_id: str) -> tuple[Provider, int, int]:
    kind, _sep, rest = card_id.partition("-")
    subject, _sep2, year = rest.partition("-")
    if not subject.isdigit() or not year.isdigit():
        raise NotFound()
    return provider(kind), int(subject), int(year)


def body_of(card: cards.Card, stored: PartyCard | None = None) -> dict[str, Any]:
    """The API's body of a card: the stored result once published or final, else live."""
    if stored is not None and stored.state != CardState.DRAFT:
        res = stored.result
        return {
            "id": card.id,
            "kind": card.kind,
            "subject": card.subject,
            "year": card.year,
            "total": res["total"],
            "stars": stored.stars,
            "grade": res["grade"],
            "state": stored.state,
            "publish_until": stored.publish_until.isoformat() if stored.publish_until else None,
            "items": res["items"],
            "card_pk": stored.pk,
        }
    res = card.result.as_dict()
    return {
        "id": card.id,
        "kind": card.kind,
        "subject": card.subject,
        "year": card.year,
        "total": res["total"],
        "stars": card.stars,
        "grade": res["grade"],
        "state": CardState.DRAFT.value,
        "publish_until": None,
        "items": res["items"],
        "card_pk": stored.pk if stored else None,
    }


# ------------------------------------------------------------------------ branches


def visible_branches(viewer: Actor) -> Any:
    paths = officer_paths(viewer)
    return (
        Organisation.objects.visible_to(viewer)
        .filter(kind__in=cards.BRANCH_KINDS, is_active=True)
        .filter(paths_q("path", paths))
        .order_by("path")
    )


def branch_bodies(branches: list[Organisation], year: int) -> list[dict[str, Any]]:
    """The cards of these branches, each evaluated with its committee's branches (the stars'
    cap is a share of them)."""
    stored = {
        c.organisation_id: c
        for c in PartyCard.objects.filter(
            kind=CardKind.BRANCH, year=year, organisation__in=branches, person__isnull=True
        )
    }
    by_parent: dict[str, list[Organisation]] = {}
    for b in branches:
        by_parent.setdefault(b.path[: -Organisation.steplen], []).append(b)
    computed: dict[int, cards.Card] = {}
    for group in by_parent.values():
        population = cards.sibling_branches(group[0])
        for card in cards.evaluate_branches(population, year):
            computed[card.subject_id] = card
    return [body_of(computed[b.pk], stored.get(b.pk)) for b in branches if b.pk in computed]


def branch_list(viewer: Actor, year: int, page: int) -> tuple[list[dict[str, Any]], int]:
    qs = visible_branches(viewer)
    n = qs.count()
    rows = list(qs[(page - 1) * PAGE : page * PAGE])
    return branch_bodies(rows, year), n


def branch_get(viewer: Actor, subject_id: int, year: int) -> dict[str, Any]:
    branch = visible_branches(viewer).filter(pk=subject_id).first()
    if branch is None:
        raise NotFound()
    return branch_bodies([branch], year)[0]


# ------------------------------------------------------------------------ members


def visible_members(viewer: Actor) -> Any:
    """An officer sees the members of the organisations under them; a member their own."""
    me = person_of(viewer)
    from django.db.models import Q

    q = Q(person_id=me.pk) if me is not None else Q(pk__in=[])
    paths = officer_paths(viewer)
    if paths:
        q |= paths_q("organisation__path", paths) & Q(
            pk__in=PartyMembership.objects.visible_to(viewer).values("pk")
        )
    return (
        PartyMembership.objects.filter(q)
        .select_related("person", "organisation")
        .order_by("organisation__path", "person__name", "person_id")
    )


def member_bodies(memberships: list[PartyMembership], year: int) -> list[dict[str, Any]]:
    stored = {
        c.person_id: c
        for c in PartyCard.objects.filter(
            kind=CardKind.MEMBER, year=year, person_id__in=[m.person_id for m in memberships]
        )
    }
    return [body_of(c, stored.get(c.subject_id)) for c in cards.evaluate_members(memberships, year)]


def member_list(viewer: Actor, year: int, page: int) -> tuple[list[dict[str, Any]], int]:
    qs = visible_members(viewer)
    n = qs.count()
    return member_bodies(list(qs[(page - 1) * PAGE : page * PAGE]), year), n


def member_get(viewer: Actor, subject_id: int, year: int) -> dict[str, Any]:
    m = visible_members(viewer).filter(person_id=subject_id).first()
    if m is None:
        raise NotFound()
    return member_bodies([m], year)[0]


# ------------------------------------------------------------------------ units (alliance)


def _unit_body(m: Any, year: int) -> dict[str, Any]:
    from tongxin.alliance import selectors as alliance

    body = alliance.scorecard_of(m, year)
    return {
        "id": f"unit-{m.pk}-{year}",
        "kind": "unit",
        "subject": m.unit.name,
        "year": year,
        "total": body["total"],
        "stars": None,
        "grade": body["grade"],
        "state": body["state"],
        "publish_until": body["publish_until"],
        "items": body["items"],
    }


def unit_list(viewer: Actor, year: int, page: int) -> tuple[list[dict[str, Any]], int]:
    from tongxin.alliance import selectors as alliance

    qs = alliance.memberships_for(viewer)
    n = qs.count()
    return [_unit_body(m, year) for m in qs[(page - 1) * PAGE : page * PAGE]], n


def unit_get(viewer: Actor, subject_id: int, year: int) -> dict[str, Any]:
    from tongxin.alliance import selectors as alliance

    return _unit_body(alliance.membership_for(viewer, subject_id), year)


register(Provider("branch", gettext_lazy("党支部成绩单"), branch_list, branch_get))
register(Provider("member", gettext_lazy("党员成绩单"), member_list, member_get))
register(Provider("unit", gettext_lazy("共建单位成绩单"), unit_list, unit_get))


# ------------------------------------------------------------- in-service members (alliance)


def _member_card_body(m: Any, year: int) -> dict[str, Any]:
    from tongxin.alliance.selectors import member_cards

    body = member_cards.card_of(m, year)
    if body is None:  # the employer is in no alliance: nothing scores the member
        body = {"total": None, "grade": "", "state": "", "publish_until": None, "items": []}
    return {
        "id": f"in_service-{m.pk}-{year}",
        "kind": "in_service",
        "subject": m.person.name,
        "year": year,
        "total": body["total"],
        "stars": None,
        "grade": body["grade"],
        "state": body["state"],
        "publish_until": body["publish_until"],
        "items": body["items"],
    }


def _in_service_seen(viewer: Actor) -> Any:
    from tongxin.alliance.models import InServiceMember

    return (
        InServiceMember.objects.visible_to(viewer)
        .select_related("person", "unit")
        .order_by("unit_id", "person__name", "id")
    )


def in_service_list(viewer: Actor, year: int, page: int) -> tuple[list[dict[str, Any]], int]:
    qs = _in_service_seen(viewer)
    n = qs.count()
    return [_member_card_body(m, year) for m in qs[(page - 1) * PAGE : page * PAGE]], n


def in_service_get(viewer: Actor, subject_id: int, year: int) -> dict[str, Any]:
    from tongxin.core.scoping import access

    return _member_card_body(access(_in_service_seen(viewer), subject_id), year)


register(Provider("in_service", gettext_lazy("在职党员成绩单"), in_service_list, in_service_get))
