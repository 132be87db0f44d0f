"""Reads of the alliance, through the one choke point (``visible_to``).

Split by subdomain: ``records`` (what units did, from the other modules), ``progress``
(agreements against the records), ``six`` (六个一), ``cards`` (the scorecards' facts).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from tongxin.core.actors import Actor
from tongxin.core.scoping import access

from ..models import CardState, Membership, Scorecard


def memberships_for(user: Actor | None) -> QuerySet[Membership]:
    """The member units the user may see: a manager every unit of their alliances, a unit's
    liaison (any post in the unit) their own unit only."""
    return (
        Membership.objects.visible_to(user)
        .select_related("alliance", "unit", "party_org")
        .order_by("alliance__place_path", "alliance_id", "unit__name", "id")
    )


def membership_for(user: Actor | None, membership_id: Any) -> Membership:
    return access(memberships_for(user), membership_id)


def scorecard_of(membership: Membership, year: int) -> dict[str, Any]:
    """The unit's card for ``year``: the stored one once published or final (what was
    published stays), else computed live from the records."""
    stored = Scorecard.objects.filter(membership=membership, year=year).first()
    if stored is not None and stored.state != CardState.DRAFT:
        body = dict(stored.result)
        body["state"] = stored.state
        body["publish_until"] = stored.publish_until.isoformat() if stored.publish_until else None
        body["scorecard_id"] = stored.pk
        return body
    from .cards import compute_one

    body = compute_one(membership, year).as_dict()
    body["state"] = CardState.DRAFT.value
    body["publish_until"] = None
    body["scorecard_id"] = stored.pk if stored else None
    return body


def total_of(body: dict[str, Any]) -> Decimal:
    return Decimal(body["total"])
