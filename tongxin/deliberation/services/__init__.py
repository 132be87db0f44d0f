"""Writes of deliberation: votes (``votes``) and topics (``topics``)."""

from .elections import (
    candidate_finding,
    candidate_nominate,
    election_create,
    election_decide,
    election_open,
    election_publish,
)
from .micro import floor, hand_raise, micro_join, micro_vote, speaking_order
from .sweep import close_due_votes, remind_electors, votes_sweep
from .topics import (
    topic_act,
    topic_from_agenda,
    topic_from_case,
    topic_from_need,
    topic_propose,
)
from .votes import (
    Receipt,
    ballot_cast,
    paper_ballot_enter,
    receipt_check,
    totals_of,
    vote_close,
    vote_open,
)

__all__ = [
    "Receipt",
    "ballot_cast",
    "candidate_finding",
    "candidate_nominate",
    "close_due_votes",
    "election_create",
    "election_decide",
    "election_open",
    "election_publish",
    "floor",
    "hand_raise",
    "micro_join",
    "micro_vote",
    "paper_ballot_enter",
    "receipt_check",
    "remind_electors",
    "speaking_order",
    "topic_act",
    "topic_from_agenda",
    "topic_from_case",
    "topic_from_need",
    "topic_propose",
    "totals_of",
    "vote_close",
    "vote_open",
    "votes_sweep",
]
