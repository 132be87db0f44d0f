"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    "partylife.liferecord": Classes(
        general=("topic", "presenter", "recorder", "review_note", "reviewed_by"),
        structural=("id", *_TIMES, "meeting", "review_state", "reviewed_at"),
    ),
    "partylife.studymaterial": Classes(
        structural=(
            "id",
            *_TIMES,
            "organisation",
            "title",
            "body",
            "published_on",
            "min_seconds",
        ),
    ),
    "partylife.studyread": Classes(
        general=("person", "opened_at", "seconds", "studied_at"),
        structural=("id", "material"),
    ),
    "partylife.appraisal": Classes(
        structural=("id", *_TIMES, "organisation", "year", "state", "meeting"),
    ),
    "partylife.selfappraisal": Classes(
        general=("person", "text"), structural=("id", *_TIMES, "appraisal")
    ),
    # A secret ballot: the voter is only a one-way key.
    "partylife.mutualvote": Classes(
        general=("subject", "grade"), structural=("id", "appraisal", "ballot")
    ),
    "partylife.appraisalresult": Classes(
        general=("person", "grade"), structural=("id", *_TIMES, "appraisal")
    ),
    "partylife.partycard": Classes(
        general=("person", "total", "stars", "result"),
        structural=(
            "id",
            *_TIMES,
            "kind",
            "organisation",
            "year",
            "state",
            "computed_at",
            "publish_until",
        ),
    ),
    "partylife.cardobjection": Classes(
        general=("raised_by", "answered_by", "reason", "answer"),
        structural=("id", *_TIMES, "card", "nomination_list", "answered_at"),
    ),
    # 评先评优: a nomination names the person and what they did; the list is the organisation's.
    "partylife.nominationlist": Classes(
        general=("review_note", "reviewed_by"),
        structural=(
            "id",
            *_TIMES,
            "organisation",
            "year",
            "occasion",
            "state",
            "submitted_at",
            "reviewed_at",
            "publish_from",
            "publish_until",
        ),
    ),
    "partylife.nomination": Classes(
        general=("person", "title", "deeds"),
        structural=("id", *_TIMES, "nomination_list", "branch", "card"),
    ),
    "partylife.lifefixedday": Classes(
        structural=("id", *_TIMES, "organisation", "kind", "day"),
    ),
    # Who a centre household links: people and households, personal.
    "partylife.centrelink": Classes(
        general=("person", "household", "since", "until"),
        structural=("id", *_TIMES, "centre", "kind"),
    ),
}
