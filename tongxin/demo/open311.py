"""The demo's Open311 jurisdiction and partner (key ``demo-open311-key``)."""

from __future__ import annotations

from tongxin.open311.models import Jurisdiction, Partner
from tongxin.places.models import Place

DEMO_KEY = "demo-open311-key"
DEMO_JURISDICTION = "demo.tongxin"


def build_demo_open311() -> Partner | None:
    """Create the demo jurisdiction over the first street (or community) and its partner."""
    root = (
        Place.objects.filter(kind="street").order_by("path").first()
        or Place.objects.filter(kind="community").order_by("path").first()
    )
    if root is None:
        return None
    jurisdiction, _ = Jurisdiction.objects.get_or_create(
        jurisdiction_id=DEMO_JURISDICTION,
        defaults={"name": f"{root.name}（演示）", "place": root, "contact": "演示环境"},
    )
    partner = Partner(name="演示合作方（市民随手拍）", contact="demo@example.org")
    partner.set_key(DEMO_KEY)
    partner.save()
    partner.jurisdictions.add(jurisdiction)
    return partner
