"""API of deliberation and votes (``/api/v1/votes``, ``/api/v1/topics``). Thin: parse,
authorise, call a service or a selector, answer. A vote is seen by its electors and the
managers of its place; anyone else gets 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from tongxin.core.api_support import Moment, PageMeta, Text, caller, paginate
from tongxin.core.errors import Code, DomainError, ValidationFailed
from tongxin.core.i18n import lazy_str
from tongxin.core.scoping import access

from . import policies, selectors, services
from .models import Topic, Vote

router = Router(tags=["deliberation"])


class VoteIn(Schema):
    title: str
    electorate: str
    place_id: int
    rule: str
    closes_at: Moment
    secret: bool = True
    description: str = ""


class CreatedOut(Schema):
    id: int


class VoteOut(Schema):
    id: int
    title: str
    electorate: str
    electorate_label: Text
    rule: str
    rule_label: Text
    secret: bool
    place_id: int
    place: str
    state: str
    opens_at: Any
    closes_at: Any
    eligible_heads: int
    me: dict[str, Any]


class VotePage(PageMeta):
    items: list[VoteOut]


class BallotIn(Schema):
    choice: str


class ReceiptOut(Schema):
    vote_id: int
    receipt: str
    ballots: int
    units: list[str]


class PaperBallotIn(Schema):
    elector_id: int
    choice: str


class ReceiptIn(Schema):
    receipt: str


class ReceiptCheckOut(Schema):
    counted: bool
    choices: list[str]


class ResultOut(Schema):
    eligible_heads: int
    eligible_area: str
    participating_heads: int
    participating_area: str
    yes_heads: int
    yes_area: str
    no_heads: int
    no_area: str
    abstain_heads: int
    abstain_area: str
    quorum: bool
    passed: bool
    outcome: str
    reason: str
    final: bool


class UnitOut(Schema):
    id: int
    units: list[dict[str, str]]
    area: str
    voted: bool
    choice: str | None


class UnitsOut(Schema):
    vote_id: int
    secret: bool
    items: list[UnitOut]


def vote_out(user: Any, v: Vote) -> dict[str, Any]:
    return {
        "id": v.pk,
        "title": v.title,
        "electorate": v.electorate,
        "electorate_label": v.get_electorate_display(),
        "rule": v.rule,
        "rule_label": v.get_rule_display(),
        "secret": v.secret,
        "place_id": v.place_id,
        "place": v.place.name,
        "state": v.state,
        "opens_at": v.opens_at,
        "closes_at": v.closes_at,
        "eligible_heads": v.eligible_heads,
        "me": selectors.my_status(user, v),
    }


@router.post("/votes", response={201: CreatedOut}, summary=lazy_str("发起表决"))
def create_vote(request: HttpRequest, payload: VoteIn) -> Any:
    """Open a vote now; its electorate (``owners``, ``households``, ``residents``,
    ``representatives``) is computed from the registry under ``place_id`` and frozen. ``rule``:
    ``art278_ordinary`` | ``art278_special`` (owners only, heads and floor area) |
    ``two_thirds_present`` | ``majority_present``. Managers of the place only."""
    vote = services.vote_open(actor=caller(request), **payload.dict())
    return Status(201, {"id": vote.pk})


@router.get("/votes", response=VotePage, summary=lazy_str("表决列表"))
def list_votes(request: HttpRequest, page: int = 1) -> Any:
    user = caller(request)
    sl = paginate(selectors.votes_for(user), page)
    return sl.answer([vote_out(user, v) for v in sl.items])


@router.get("/votes/{vote_id}", response=VoteOut, summary=lazy_str("表决详情"))
def get_vote(request: HttpRequest, vote_id: int) -> Any:
    user = caller(request)
    return vote_out(user, selectors.vote_for(user, vote_id))


@router.post("/votes/{vote_id}/ballots", response={201: ReceiptOut}, summary=lazy_str("投票"))
def cast_ballot(request: HttpRequest, vote_id: int, payload: BallotIn) -> Any:
    """Cast the caller's ballot (``yes`` | ``no`` | ``abstain``) for every head they stand
    for; the answer's ``receipt`` is shown once and stored only as a hash: keep it to check
    the ballot was counted. A second ballot for the same head: 409 ``ALREADY_VOTED``."""
    user = caller(request)
    vote = selectors.vote_for(user, vote_id)
    r = services.ballot_cast(actor=user, vote=vote, choice=payload.choice)
    return Status(
        201, {"vote_id": r.vote_id, "receipt": r.code, "ballots": r.ballots, "units": r.units}
    )


@router.post(
    "/votes/{vote_id}/paper-ballots", response={201: ReceiptOut}, summary=lazy_str("录入纸质选票")
)
def enter_paper_ballot(request: HttpRequest, vote_id: int, payload: PaperBallotIn) -> Any:
    """A returned paper ballot for one head (``elector_id``, from ``/units``), entered by a
    manager of the vote's place; exactly once per head like a ballot online (409
    ``ALREADY_VOTED``). The receipt is written on the voter's stub."""
    user = caller(request)
    vote = selectors.vote_for(user, vote_id)
    r = services.paper_ballot_enter(
        actor=user, vote=vote, elector_id=payload.elector_id, choice=payload.choice
    )
    return Status(
        201, {"vote_id": r.vote_id, "receipt": r.code, "ballots": r.ballots, "units": r.units}
    )


@router.post("/votes/{vote_id}/receipt", response=ReceiptCheckOut, summary=lazy_str("核验回执"))
def check_receipt(request: HttpRequest, vote_id: int, payload: ReceiptIn) -> Any:
    """Whether the ballots of a receipt are in the count, and their choices (only the holder
    of the receipt knows which ballots they are)."""
    vote = selectors.vote_for(caller(request), vote_id)
    choices = services.receipt_check(vote, payload.receipt)
    return {"counted": bool(choices), "choices": choices}


@router.get("/votes/{vote_id}/result", response=ResultOut, summary=lazy_str("表决结果"))
def vote_result(request: HttpRequest, vote_id: int) -> Any:
    """The count on both axes (heads and floor area, m² with two decimals): live while the
    vote runs (``final`` false), stored when it closed."""
    vote = selectors.vote_for(caller(request), vote_id)
    return selectors.result_of(vote)


@router.get("/votes/{vote_id}/units", response=UnitsOut, summary=lazy_str("按房号公示"))
def vote_units(request: HttpRequest, vote_id: int) -> Any:
    """The public list by unit number and area: who took part, and for a named vote each
    unit's choice. Never a name."""
    vote = selectors.vote_for(caller(request), vote_id)
    return {"vote_id": vote.pk, "secret": vote.secret, "items": selectors.public_units(vote)}


@router.post("/votes/{vote_id}/close", response=ResultOut, summary=lazy_str("结束表决"))
def close_vote(request: HttpRequest, vote_id: int) -> Any:
    user = caller(request)
    vote = services.vote_close(actor=user, vote=selectors.vote_for(user, vote_id))
    return selectors.result_of(vote)


# ---------------------------------------------------------------------------- topics


class TopicIn(Schema):
    title: str = ""
    place_id: int | None = None
    body: str = ""
    category: str = ""
    channel: str = "web"
    case_id: int | None = None
    need_id: int | None = None
    agenda_item_id: int | None = None


class RecordOut(Schema):
    id: int
    step: str
    kind: str
    kind_label: Text
    text: str
    data: dict[str, Any]
    at: Any


class TopicOut(Schema):
    id: int
    title: str
    body: str
    category: str
    channel: str
    place_id: int
    place: str
    state: str
    state_label: Text
    supporters: int
    comment_until: Any
    acts: list[str]
    records: list[RecordOut] = []


class TopicPage(PageMeta):
    items: list[TopicOut]


class ActIn(Schema):
    text: str = ""
    data: dict[str, Any] = {}


def topic_out(t: Topic, *, records: bool = False) -> dict[str, Any]:
    from .workflow import TOPIC_MACHINE

    out = {
        "id": t.pk,
        "title": t.title,
        "body": t.body,
        "category": t.category,
        "channel": t.channel,
        "place_id": t.place_id,
        "place": t.place.name,
        "state": t.state,
        "state_label": t.get_state_display(),
        "supporters": t.supporters,
        "comment_until": t.comment_until,
        "acts": TOPIC_MACHINE.acts_from(t.state),
    }
    if records:
        out["records"] = [
            {
                "id": r.pk,
                "step": r.step,
                "kind": r.kind,
                "kind_label": r.get_kind_display(),
                "text": r.text,
                "data": r.data,
                "at": r.at,
            }
            for r in t.records.all()
        ]
    return out


@router.post("/topics", response={201: TopicOut}, summary=lazy_str("提出议题"))
def create_topic(request: HttpRequest, payload: TopicIn) -> Any:
    """A topic from the web form (``title``, ``place_id``, ``body``), or taken up from a
    case of category 意见建议 (``case_id``), a resident's need (``need_id``) or an item of a
    meeting's agenda (``agenda_item_id``, with ``place_id`` when the meeting has no place)."""
    user = caller(request)
    if payload.case_id is not None:
        topic = services.topic_from_case(actor=user, case_id=payload.case_id)
    elif payload.need_id is not None:
        topic = services.topic_from_need(actor=user, need_id=payload.need_id)
    elif payload.agenda_item_id is not None:
        topic = services.topic_from_agenda(
            actor=user, agenda_item_id=payload.agenda_item_id, place_id=payload.place_id
        )
    else:
        if payload.place_id is None:
            raise ValidationFailed(
                _("请选择议题所在的地点"),
                fields=[{"field": "place_id", "reason": _("不能为空")}],
            )
        topic = services.topic_propose(
            actor=user,
            title=payload.title,
            place_id=payload.place_id,
            body=payload.body,
            category=payload.category,
            channel=payload.channel,
        )
    return Status(201, topic_out(topic, records=True))


@router.get("/topics", response=TopicPage, summary=lazy_str("议题列表"))
def list_topics(request: HttpRequest, page: int = 1, state: str = "") -> Any:
    qs = selectors.topics_for(caller(request))
    if state:
        qs = qs.filter(state=state)
    sl = paginate(qs, page)
    return sl.answer([topic_out(t) for t in sl.items])


@router.get("/topics/{topic_id}", response=TopicOut, summary=lazy_str("议题详情"))
def get_topic(request: HttpRequest, topic_id: int) -> Any:
    return topic_out(selectors.topic_for(caller(request), topic_id), records=True)


@router.post(
    "/topics/{topic_id}/actions/{act}", response=TopicOut, summary=lazy_str("议事步骤操作")
)
def topic_action(request: HttpRequest, topic_id: int, act: str, payload: ActIn) -> Any:
    """One act of the six steps (see docs/deliberation.md): ``convene``, ``draft``,
    ``publish``, ``comment``, ``answer``, ``send_review``, ``review``, ``put_to_vote``,
    ``decide``, ``action``, ``complete``, ``evaluate``, ``close``, ``skip`` (with a reason in
    ``text``), ``support``, ``withdraw``. 409 ``TRANSITION_NOT_ALLOWED`` out of turn."""
    user = caller(request)
    topic = selectors.topic_for(user, topic_id)
    data = {**payload.data, "text": payload.text}
    topic = services.topic_act(actor=user, topic=topic, act=act, data=data)
    return topic_out(topic, records=True)


# ---------------------------------------------------------------------------- 业委会 elections


class ElectionIn(Schema):
    place_id: int
    title: str
    seats: int = 5


class ElectionActIn(Schema):
    closes_at: Moment | None = None


class CandidateIn(Schema):
    person_id: int | None = None
    statement: str = ""


class FindingIn(Schema):
    rule: str
    failed: bool
    note: str = ""


class CandidateOut(Schema):
    id: int
    name: str
    statement: str
    state: str
    vote_id: int | None
    checks: dict[str, Any] | None


class ElectionOut(Schema):
    id: int
    title: str
    place_id: int
    seats: int
    state: str
    rules: list[dict[str, str]]
    committee_id: int | None
    candidates: list[CandidateOut]


def election_out(user: Any, e: Any) -> dict[str, Any]:
    manager = selectors.may_manage_path(user, e.place_path)
    return {
        "id": e.pk,
        "title": e.title,
        "place_id": e.place_id,
        "seats": e.seats,
        "state": e.state,
        "rules": e.rules,
        "committee_id": e.committee_id,
        "candidates": [
            {
                "id": c.pk,
                "name": c.person.name,
                "statement": c.statement,
                "state": c.state,
                "vote_id": c.vote_id,
                "checks": c.checks if manager else None,
            }
            for c in selectors.candidates_of(user, e)
        ],
    }


@router.post("/elections", response={201: ElectionOut}, summary=lazy_str("发起业委会选举"))
def create_election(request: HttpRequest, payload: ElectionIn) -> Any:
    user = caller(request)
    e = services.election_create(actor=user, **payload.dict())
    return Status(201, election_out(user, e))


@router.get("/elections/{election_id}", response=ElectionOut, summary=lazy_str("业委会选举"))
def get_election(request: HttpRequest, election_id: int) -> Any:
    user = caller(request)
    return election_out(user, selectors.election_for(user, election_id))


@router.post(
    "/elections/{election_id}/candidates",
    response={201: CandidateOut},
    summary=lazy_str("提名候选人"),
)
def nominate(request: HttpRequest, election_id: int, payload: CandidateIn) -> Any:
    """Nominate oneself (no ``person_id``) or, as a manager, a resident; the registry's
    checks (owner, property company staff) run at once."""
    user = caller(request)
    e = selectors.election_for(user, election_id)
    c = services.candidate_nominate(actor=user, election=e, **payload.dict())
    manager = selectors.may_manage_path(user, e.place_path)
    return Status(
        201,
        {
            "id": c.pk,
            "name": c.person.name,
            "statement": c.statement,
            "state": c.state,
            "vote_id": None,
            "checks": c.checks if manager else None,
        },
    )


@router.post(
    "/elections/{election_id}/candidates/{candidate_id}/findings",
    response=ElectionOut,
    summary=lazy_str("记录资格审查结果"),
)
def record_finding(
    request: HttpRequest, election_id: int, candidate_id: int, payload: FindingIn
) -> Any:
    user = caller(request)
    e = selectors.election_for(user, election_id)
    c = selectors.candidate_for(user, e, candidate_id)
    services.candidate_finding(actor=user, candidate=c, **payload.dict())
    return election_out(user, selectors.election_for(user, election_id))


@router.post(
    "/elections/{election_id}/actions/{act}",
    response=ElectionOut,
    summary=lazy_str("选举步骤操作"),
)
def election_action(
    request: HttpRequest, election_id: int, act: str, payload: ElectionActIn
) -> Any:
    """``publish`` the eligible candidates, ``open`` the owners' votes (``closes_at``), and
    ``decide``: close the votes, elect, create the committee and its posts."""
    user = caller(request)
    e = selectors.election_for(user, election_id)
    policies.require_manager_of(user, e.place_path)
    if act == "publish":
        services.election_publish(actor=user, election=e)
    elif act == "open":
        if payload.closes_at is None:
            raise ValidationFailed(
                _("请填写截止时间"), fields=[{"field": "closes_at", "reason": _("不能为空")}]
            )
        services.election_open(actor=user, election=e, closes_at=payload.closes_at)
    elif act == "decide":
        services.election_decide(actor=user, election=e)
    else:
        raise DomainError(_("未知的操作：{act}").format(act=act), code=Code.UNKNOWN_ACTION)
    return election_out(user, selectors.election_for(user, election_id))


# ---------------------------------------------------------------------------- 微会议


class HandIn(Schema):
    topic: str = ""


class FloorIn(Schema):
    request_id: int
    act: str


class MicroVoteIn(Schema):
    title: str = ""
    rule: str = "majority_present"
    closes_at: Moment


class TurnOut(Schema):
    id: int
    name: str
    topic: str
    state: str


class OrderOut(Schema):
    meeting_id: int
    turns: list[TurnOut]


def _meeting(request: HttpRequest, meeting_id: int) -> Any:
    from tongxin.meetings.models import Meeting

    return access(Meeting.objects.visible_to(caller(request)).select_related("kind"), meeting_id)


def _order(meeting: Any) -> dict[str, Any]:
    return {
        "meeting_id": meeting.pk,
        "turns": [
            {"id": r.pk, "name": r.person.name, "topic": r.topic, "state": r.state}
            for r in services.speaking_order(meeting)
        ],
    }


@router.post("/micro-meetings/{meeting_id}/join", response=OrderOut, summary=lazy_str("线上参会"))
def micro_join(request: HttpRequest, meeting_id: int) -> Any:
    """Attend an online meeting (微会议) remotely: the invitee signs themself in."""
    meeting = _meeting(request, meeting_id)
    services.micro_join(actor=caller(request), meeting=meeting)
    return _order(meeting)


@router.get("/micro-meetings/{meeting_id}/order", response=OrderOut, summary=lazy_str("发言顺序"))
def speaking_order(request: HttpRequest, meeting_id: int) -> Any:
    return _order(_meeting(request, meeting_id))


@router.post("/micro-meetings/{meeting_id}/hands", response=OrderOut, summary=lazy_str("申请发言"))
def raise_hand(request: HttpRequest, meeting_id: int, payload: HandIn) -> Any:
    meeting = _meeting(request, meeting_id)
    services.hand_raise(actor=caller(request), meeting=meeting, topic=payload.topic)
    return _order(meeting)


@router.post("/micro-meetings/{meeting_id}/floor", response=OrderOut, summary=lazy_str("安排发言"))
def give_floor(request: HttpRequest, meeting_id: int, payload: FloorIn) -> Any:
    """Whoever runs the meeting gives the floor to a raised hand (``give``) or ends a turn
    (``done``)."""
    meeting = _meeting(request, meeting_id)
    services.floor(
        actor=caller(request), meeting=meeting, request_id=payload.request_id, act=payload.act
    )
    return _order(meeting)


@router.post(
    "/micro-meetings/{meeting_id}/votes", response={201: CreatedOut}, summary=lazy_str("会上表决")
)
def micro_vote(request: HttpRequest, meeting_id: int, payload: MicroVoteIn) -> Any:
    """An online vote inside the meeting; its electorate is the attendees now. Ballots,
    receipts and the result are those of ``/votes/{id}``."""
    meeting = _meeting(request, meeting_id)
    vote = services.micro_vote(actor=caller(request), meeting=meeting, **payload.dict())
    return Status(201, {"id": vote.pk})
