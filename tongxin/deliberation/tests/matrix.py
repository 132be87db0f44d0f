"""Deliberation's rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and
the subject they are tried on: the demo's owners' vote on the demo resident's estate (the
resident is an elector and has not voted; the secretary manages the community) and the demo's
first topic, on the same estate.

- votes: the electors (the resident) and the managers (the secretary); 404 for everyone else;
  casting: the electors only (the secretary is refused, 403 ``NOT_AN_ELECTOR``); closing and
  setting up: the managers;
- topics: the residents of the estate (the building head lives there) and the staff whose places
  cover it; the acts answer
  everyone who sees the topic (an act out of turn is a message, not a refusal);
- elections: seen by the estate's residents (the resident, the building head) and its
  managers; anyone of them may nominate themself; findings and the election's acts are the
  managers';
- creating a vote, a topic or an election without input: 422 for every signed-in role.
"""

from __future__ import annotations

from typing import Any

from tongxin.core.tests.matrix_roles import SIGNED_IN
from tongxin.meetings.tests.matrix import RUNNERS as MEETING_RUNNERS
from tongxin.meetings.tests.matrix import VIEWERS as MEETING_VIEWERS

SEC = frozenset({"secretary"})
LOG_RECORDERS = frozenset({"grid1", "secretary"})
VOTE_PEOPLE = frozenset({"resident", "secretary"})
TOPIC_PEOPLE = frozenset({"resident", "building", "grid1", "secretary"})
ESTATE_PEOPLE = frozenset({"resident", "building", "secretary"})
CASE_PARTIES = frozenset({"grid1", "secretary", "resident"})

RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "api:create_vote": (SIGNED_IN, "signed_in", "POST", {}),
    "api:list_votes": (VOTE_PEOPLE, "list", "GET", {}),
    "api:get_vote": (VOTE_PEOPLE, "object", "GET", {}),
    "api:cast_ballot": (frozenset({"resident"}), "object", "POST", {"choice": "abstain"}),
    "api:enter_paper_ballot": (SEC, "object", "POST", {"elector_id": 0, "choice": "yes"}),
    "api:check_receipt": (VOTE_PEOPLE, "object", "POST", {"receipt": "nothing"}),
    "api:vote_result": (VOTE_PEOPLE, "object", "GET", {}),
    "api:vote_units": (VOTE_PEOPLE, "object", "GET", {}),
    "api:close_vote": (SEC, "object", "POST", {}),
    "api:create_topic": (SIGNED_IN, "signed_in", "POST", {}),
    "api:list_topics": (TOPIC_PEOPLE, "list", "GET", {}),
    "api:get_topic": (TOPIC_PEOPLE, "object", "GET", {}),
    "api:topic_action": (TOPIC_PEOPLE, "object", "POST", {}),
    "api:create_election": (SIGNED_IN, "signed_in", "POST", {}),
    "api:get_election": (ESTATE_PEOPLE, "object", "GET", {}),
    "api:nominate": (ESTATE_PEOPLE, "object", "POST", {}),
    "api:record_finding": (SEC, "object", "POST", {"rule": "illegal_building", "failed": False}),
    "api:election_action": (SEC, "object", "POST", {}),
    # 微会议 on the meetings matrix's subject meeting (a 联席会, not online: 422 for its
    # viewers, 404 for the rest; the floor is given by those who run it).
    "api:micro_join": (MEETING_VIEWERS, "object", "POST", {}),
    "api:speaking_order": (MEETING_VIEWERS, "object", "GET", {}),
    "api:raise_hand": (MEETING_VIEWERS, "object", "POST", {}),
    "api:give_floor": (MEETING_RUNNERS, "object", "POST", {"request_id": 0, "act": "give"}),
    "api:micro_vote": (
        MEETING_VIEWERS,
        "object",
        "POST",
        {"closes_at": "2100-01-01T00:00:00+08:00"},
    ),
    "deliberation:votes": (VOTE_PEOPLE, "list", "GET", {}),
    "deliberation:vote_new": (SEC, "object", "GET", {}),
    "deliberation:vote": (VOTE_PEOPLE, "object", "GET", {}),
    "deliberation:ballot": (VOTE_PEOPLE, "object", "POST", {"choice": "abstain"}),
    "deliberation:receipt": (VOTE_PEOPLE, "object", "POST", {"receipt": "nothing"}),
    "deliberation:vote_close": (SEC, "object", "POST", {}),
    "deliberation:vote_result": (VOTE_PEOPLE, "object", "GET", {}),
    "deliberation:vote_result_csv": (VOTE_PEOPLE, "object", "GET", {}),
    "deliberation:vote_paper": (SEC, "object", "GET", {}),
    "deliberation:vote_paper_enter": (SEC, "object", "POST", {"choice": "yes"}),
    "deliberation:vote_sheets": (SEC, "object", "GET", {}),
    # 微会议 pages on the same subject meeting: its viewers get the room (a meeting that is
    # not online sends them on to its own page); the floor is its runners'; opening a vote
    # in a meeting that is not online is a message to its viewers.
    "deliberation:micros": (SIGNED_IN, "signed_in", "GET", {}),
    "deliberation:micro": (MEETING_VIEWERS, "object", "GET", {}),
    "deliberation:micro_join": (MEETING_VIEWERS, "object", "POST", {}),
    "deliberation:micro_hand": (MEETING_VIEWERS, "object", "POST", {}),
    "deliberation:micro_floor": (MEETING_RUNNERS, "object", "POST", {"act": "give"}),
    "deliberation:micro_vote": (MEETING_VIEWERS, "object", "POST", {"minutes": "10"}),
    "deliberation:topics": (TOPIC_PEOPLE, "list", "GET", {}),
    "deliberation:topic_new": (SIGNED_IN, "signed_in", "POST", {}),
    "deliberation:topic_from_case": (CASE_PARTIES, "object", "POST", {}),
    # Raising a topic from a daily-log entry: the staff who record at the entry's place (the
    # notices matrix's subject entry), as raising a case or a need from it.
    "deliberation:topic_from_log": (LOG_RECORDERS, "object", "POST", {"kind": "other"}),
    # 业委会 elections: the estate's residents and its managers see them and may nominate
    # themselves; the election's acts are the managers' (an unknown act: a message).
    "deliberation:elections": (ESTATE_PEOPLE, "list", "GET", {}),
    "deliberation:election": (ESTATE_PEOPLE, "object", "GET", {}),
    "deliberation:election_nominate": (ESTATE_PEOPLE, "object", "POST", {}),
    "deliberation:election_act": (SEC, "object", "POST", {}),
    "deliberation:election_finding": (SEC, "object", "POST", {"verdict": "pass"}),
    "deliberation:topic": (TOPIC_PEOPLE, "object", "GET", {}),
    "deliberation:topic_notice": (TOPIC_PEOPLE, "object", "GET", {}),
    "deliberation:topic_act": (TOPIC_PEOPLE, "object", "POST", {}),
}

ARGUMENTS = {
    "vote_id": "vote",
    "topic_id": "topic",
    "election_id": "election",
    "candidate_id": "candidate",
}


def subject(demo: Any) -> dict[str, Any]:
    from tongxin.deliberation import services
    from tongxin.deliberation.models import Topic, Vote

    vote = Vote.objects.order_by("id").first()
    topic = Topic.objects.filter(state="proposed").order_by("id").first()
    assert vote is not None and topic is not None, "the demo builds a vote and topics"
    election = services.election_create(
        actor=demo.user("secretary"), place_id=vote.place_id, title="矩阵测试选举", seats=3
    )
    candidate = services.candidate_nominate(actor=demo.user("resident"), election=election)
    return {"vote": vote, "topic": topic, "election": election, "candidate": candidate}


def marker(name: str, subject: dict[str, Any]) -> str:
    if name == "api:list_votes":
        return f'"id": {subject["vote"].pk},'
    if name == "api:list_topics":
        return f'"id": {subject["topic"].pk},'
    if name == "deliberation:elections":
        return f'data-election="{subject["election"].pk}"'
    if name == "deliberation:votes":
        return f'data-vote="{subject["vote"].pk}"'
    return f'data-topic="{subject["topic"].pk}"'


def list_query(name: str, subject: dict[str, Any]) -> dict[str, Any]:
    return {}
