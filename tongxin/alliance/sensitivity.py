"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    # Agreements and objections name the account that wrote them, nothing else personal.
    "alliance.agreement": Classes(
        general=("created_by", "note"),
        structural=("id", *_TIMES, "membership", "year", "signed_on"),
    ),
    "alliance.objection": Classes(
        general=("raised_by", "answered_by", "reason", "answer"),
        structural=("id", *_TIMES, "scorecard", "member_card", "answered_at"),
    ),
    "alliance.commitment": Classes(structural=("id", "agreement", "kind", "text", "target")),
    "alliance.inservicemember": Classes(
        general=("person", "unit", "since"),
        structural=("id", *_TIMES),
    ),
    "alliance.pledge": Classes(
        general=("text", "state", "delivered_on", "explanation", "year"),
        structural=("id", *_TIMES, "member"),
    ),
}
