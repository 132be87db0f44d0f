"""The classification of this app's personal fields (GB/T 35273), registered with
``core.sensitivity`` from ``AppConfig.ready``."""

from __future__ import annotations

from tongxin.core.sensitivity import Classes

_TIMES = ("created_at", "updated_at")

CLASSIFICATION: dict[str, Classes] = {
    # The project manager is a published contact of the company (照片上墙).
    "property.servicecontract": Classes(
        general=("project_manager",),
        structural=(
            "id",
            *_TIMES,
            "company",
            "estate",
            "estate_path",
            "starts_on",
            "ends_on",
            "fee_standard",
            "party_org",
            "note",
        ),
    ),
    "property.panelmember": Classes(
        general=("person", "term_start", "term_end"),
        structural=("id", *_TIMES, "estate", "estate_path"),
    ),
    "property.inspection": Classes(
        general=("panelist", "note"),
        structural=("id", *_TIMES, "contract", "month"),
    ),
    "property.objection": Classes(
        general=("raised_by", "answered_by", "reason", "answer"),
        structural=("id", *_TIMES, "score", "answered_at"),
    ),
    "property.repairrating": Classes(
        general=("rated_by", "overall", "arrival", "service"),
        structural=("id", *_TIMES, "case", "contract", "month"),
    ),
    # A household's opinion of the service: the company never reads the answers, only the
    # month's score.
    "property.surveysample": Classes(
        structural=("id", *_TIMES, "contract", "month", "size", "population", "seed"),
    ),
    "property.surveyanswer": Classes(
        general=("household", "level", "comment", "answered_by", "recorded_by", "answered_at"),
        structural=("id", *_TIMES, "sample"),
    ),
    "property.creditevent": Classes(
        general=("created_by", "response", "decision_note"),
        structural=(
            "id",
            *_TIMES,
            "company",
            "contract",
            "estate_path",
            "rule",
            "points",
            "occurred_on",
            "state",
            "respond_until",
            "posted_on",
            "expires_on",
            "evidence_model",
            "evidence_id",
            "evidence_text",
            "evidence_url",
            "responded_at",
        ),
    ),
}
