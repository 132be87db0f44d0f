"""Writes of topics (议题): collected from every channel, then moved through the six steps
(``workflow.TOPIC_MACHINE``), every step's work a ``TopicRecord``.

Residents propose, support, comment during the notice's window and evaluate (民评) after
implementation; the managers of the topic's place do the rest. A 恳谈会 is a meeting of the
one meeting mechanism (kind ``consultation``); the vote is a vote of this app, opened from the
topic; skipping a step needs a reason and a step the configuration allows to skip.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.cases.models import Case
from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import Code, Forbidden, ValidationFailed
from tongxin.core.scoping import access, scope_for
from tongxin.matching.models import Need
from tongxin.meetings import services as meetings
from tongxin.places.models import Place

from .. import policies
from ..errors import (
    AlreadyDone,
    CommentWindowClosed,
    CommentWindowOpen,
    DraftRequired,
    SkipNotAllowed,
    VoteNotClosed,
)
from ..models import Channel, RecordKind, Topic, TopicRecord, TopicState, TopicSupport, VoteState
from ..workflow import SKIPPABLE, TOPIC_MACHINE, TopicAct, next_step
from .votes import vote_open

MAX_INT = 2**31 - 1
TOPIC_PLACE_KINDS = ("community", "grid", "estate", "building")
MERGEABLE_INTO = (
    TopicState.PROPOSED,
    TopicState.CONSULTATION,
    TopicState.DRAFTING,
    TopicState.NOTICE,
    TopicState.REVIEW,
)
RESIDENT_ACTS = {TopicAct.SUPPORT, TopicAct.COMMENT, TopicAct.EVALUATE}


def _problem(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(reason, fields=[{"field": field, "reason": reason}])


def _text(value: Any, field: str, *, required: bool = True, limit: int = 4000) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise _problem(field, _("不能为空"))
    if len(text) > limit:
        raise _problem(field, _("不能超过{n}字").format(n=limit))
    return text


def _record(topic: Topic, kind: str, actor: Actor | None, text: str = "", **data: Any) -> None:
    TopicRecord.objects.create(
        topic=topic,
        step=topic.state,
        kind=kind,
        text=text,
        data=data,
        actor=as_account(actor) if actor is not None and actor.is_authenticated else None,
        at=clock.now(),
    )


def _home_paths(actor: Actor) -> set[str]:
    person = getattr(actor, "person", None)
    if person is None or not person.place_path:
        return set()
    p = person.place_path
    return {p[:k] for k in range(4, len(p) + 1, 4)}


def may_propose_at(actor: Actor, place: Place) -> bool:
    return (
        place.path in _home_paths(actor)
        or policies.manages(actor, place)
        or scope_for(actor).covers_path(place.path)
    )


def topic_propose(
    *,
    actor: Actor,
    title: str,
    place_id: int,
    body: str = "",
    category: str = "",
    channel: str = Channel.WEB,
    source_id: int | None = None,
) -> Topic:
    """A topic from the web form, the message box or a meeting's agenda."""
    title = _text(title, "title", limit=200)
    body = _text(body, "body", required=False)
    category = _text(category, "category", required=False, limit=40)
    if channel not in Channel.values:
        raise _problem("channel", _("来源不正确"))
    place = None
    if isinstance(place_id, int) and 0 < place_id <= MAX_INT:
        place = Place.objects.filter(pk=place_id, kind__in=TOPIC_PLACE_KINDS).first()
    if place is None or not may_propose_at(actor, place):
        raise _problem("place_id", _("请选择您所在的社区、网格、小区或楼栋"))
    with transaction.atomic():
        topic = Topic.objects.create(
            title=title,
            body=body,
            category=category,
            channel=channel,
            source_id=source_id,
            place=place,
            place_path=place.path,
            proposed_by=as_account(actor),
        )
        _record(topic, RecordKind.PROPOSAL, actor, body, channel=channel, source_id=source_id)
        audit.record(actor=actor, action="deliberation.topic_propose", obj=topic)
    return topic


def topic_from_case(*, actor: Actor, case_id: int) -> Topic:
    """A case of category 意见建议 becomes a topic of its grid (one step from the case page)."""
    case = access(Case.objects.visible_to(actor).select_related("category", "grid"), case_id)
    if not case.category.code.startswith("suggestion"):
        raise _problem("case_id", _("只有“意见建议”类诉求可以转为议题"))
    if not scope_for(actor).handles_cases_at(case.place_path or ""):
        raise Forbidden(_("只有处理该诉求的工作人员可以转为议题"), code=Code.ACTION_FORBIDDEN)
    place = case.grid or case.place
    if place is None:
        raise _problem("case_id", _("该诉求没有所在网格"))
    return topic_propose(
        actor=actor,
        title=case.description[:60],
        body=case.description,
        place_id=place.pk,
        category=case.category.name,
        channel=Channel.CASE,
        source_id=case.pk,
    )


def topic_from_need(*, actor: Actor, need_id: int) -> Topic:
    """A resident's need (matching) taken up as a topic of its community."""
    need = access(Need.objects.visible_to(actor).select_related("community"), need_id)
    return topic_propose(
        actor=actor,
        title=need.description[:60],
        body=need.description,
        place_id=need.community_id,
        category=need.get_kind_display(),
        channel=Channel.NEED,
        source_id=need.pk,
    )


def topic_from_agenda(*, actor: Actor, agenda_item_id: int, place_id: int | None = None) -> Topic:
    """An item of a meeting's agenda (a 党群议事会, 楼道会客厅 …) taken up as a topic: at the
    meeting's place (or ``place_id`` when the meeting has none), the meeting as its source."""
    from tongxin.meetings.models import AgendaItem

    item = access(AgendaItem.objects.visible_to(actor).select_related("meeting"), agenda_item_id)
    meeting = item.meeting
    target = place_id
    if target is None and meeting.place_id is not None:
        place = Place.objects.filter(pk=meeting.place_id).only("path").first()
        if place is not None:
            above = [place.path[:k] for k in range(4, len(place.path) + 1, 4)]
            target = (
                Place.objects.filter(path__in=above, kind__in=TOPIC_PLACE_KINDS)
                .order_by("-path")
                .values_list("pk", flat=True)
                .first()
            )
    if target is None:
        raise _problem("place_id", _("会议没有地点，请选择议题所在的地点"))
    return topic_propose(
        actor=actor,
        title=item.text[:200],
        body=_("{meeting}议程第{n}项").format(meeting=meeting.title, n=item.position),
        place_id=target,
        channel=Channel.MEETING,
        source_id=meeting.pk,
    )


def _int(data: dict[str, Any], key: str, default: int | None = None) -> int | None:
    value: Any = data.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _problem(key, _("应为整数")) from None
    if not -MAX_INT <= number <= MAX_INT:
        raise _problem(key, _("应为整数"))
    return number


def _lines(data: dict[str, Any], key: str, limit: int) -> list[str]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        raise _problem(key, _("应为列表"))
    return [str(v).strip()[:limit] for v in value if str(v).strip()][:50]


def skippable() -> frozenset[str]:
    return frozenset(getattr(settings, "TONGXIN_DELIBERATION_SKIPPABLE", SKIPPABLE))


def _moment(value: Any, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise _problem(field, _("时间格式不正确")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.now().tzinfo)
    return moment


def topic_act(*, actor: Actor, topic: Topic, act: str, data: dict[str, Any]) -> Topic:
    """Do ``act`` on the topic (see ``workflow``); ``data`` carries the act's fields."""
    TOPIC_MACHINE.ensure(act, topic.state)
    if act not in RESIDENT_ACTS and not (
        act == TopicAct.WITHDRAW and topic.proposed_by_id == getattr(actor, "pk", None)
    ):
        policies.require_manager_of(actor, topic.place_path)
    text = str(data.get("text") or "").strip()
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        TOPIC_MACHINE.ensure(act, topic.state)
        handler = HANDLERS[TopicAct(act)]
        to = handler(actor, topic, data, text)
        before = topic.state
        TOPIC_MACHINE.move(topic, act, to)
        if topic.state != before:
            _record(topic, RecordKind.STEP, actor, "", act=act, previous=before)
        topic.save()
        audit.record(
            actor=actor,
            action=f"deliberation.topic_{act}",
            obj=topic,
            detail={"from": before, "to": topic.state},
        )
    return topic


def _convene(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    meeting_id = _int(data, "meeting_id")
    if meeting_id is None:
        starts_at = _moment(data.get("starts_at") or "", "starts_at")
        meeting = meetings.meeting_convene(
            actor=actor,
            kind="consultation",
            organisation_id=_int(data, "organisation_id"),
            starts_at=starts_at,
            agenda=[topic.title],
            title=_("恳谈会：{title}").format(title=topic.title)[:100],
            place_text=_text(data.get("place_text"), "place_text", required=False, limit=100),
        )
        meeting_id = meeting.pk
    _record(topic, RecordKind.MEETING, actor, text, meeting_id=int(meeting_id))
    return None


def _draft(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    body = _text(data.get("text"), "text", limit=20000)
    version = topic.records.filter(kind=RecordKind.DRAFT).count() + 1
    _record(topic, RecordKind.DRAFT, actor, body, version=version)
    return None


def _publish(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    days = _int(data, "days", 7) or 7
    if not 5 <= days <= 30:
        raise _problem("days", _("公示期应为5至30天"))
    draft = topic.records.filter(kind=RecordKind.DRAFT).order_by("-id").first()
    if draft is None:
        raise DraftRequired(_("请先拟定方案，再张榜公示"))
    topic.comment_until = clock.now() + dt.timedelta(days=days)
    _record(
        topic,
        RecordKind.NOTICE,
        actor,
        text,
        days=days,
        until=topic.comment_until.isoformat(),
        version=draft.data_get("version"),
    )
    return None


def _comment(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    if topic.comment_until is None or clock.now() > topic.comment_until:
        raise CommentWindowClosed(_("公示期已结束，不再收集意见"))
    _record(topic, RecordKind.COMMENT, actor, _text(text, "text", limit=2000))
    return None


def _answer(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    comment_id = _int(data, "comment_id", 0) or 0
    comment = topic.records.filter(kind=RecordKind.COMMENT, pk=comment_id).first()
    if comment is None:
        raise _problem("comment_id", _("请选择要答复的意见"))
    _record(topic, RecordKind.ANSWER, actor, _text(text, "text", limit=2000), comment_id=comment.pk)
    return None


def _send_review(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    if topic.comment_until and clock.now() < topic.comment_until:
        raise CommentWindowOpen(_("公示期尚未结束"))
    return None


def _review(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    reviewers = _lines(data, "reviewers", 50)
    if not reviewers:
        raise _problem("reviewers", _("请填写审查专家"))
    changes = _lines(data, "changes", 500)
    _record(
        topic,
        RecordKind.REVIEW,
        actor,
        _text(text, "text", limit=4000),
        reviewers=reviewers,
        changes=changes,
    )
    return None


def _put_to_vote(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    vote = vote_open(
        actor=actor,
        title=_text(data.get("title") or topic.title, "title", limit=200),
        electorate=str(data.get("electorate") or ""),
        place_id=_int(data, "place_id", topic.place_id) or topic.place_id,
        rule=str(data.get("rule") or ""),
        closes_at=_moment(data.get("closes_at") or "", "closes_at"),
        secret=bool(data.get("secret", True)),
        topic=topic,
    )
    _record(topic, RecordKind.VOTE, actor, text, vote_id=vote.pk)
    return None


def _decide(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    vote = topic.votes.order_by("-id").first()
    if vote is None or vote.state != VoteState.CLOSED or not vote.result:
        raise VoteNotClosed(_("表决尚未结束"))
    passed = bool(vote.result.get("passed"))
    _record(topic, RecordKind.DECISION, actor, text, vote_id=vote.pk, passed=passed)
    return TopicState.IMPLEMENTING if passed else TopicState.REJECTED


def _action(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    due = data.get("due")
    _record(
        topic,
        RecordKind.ACTION,
        actor,
        _text(text, "text", limit=500),
        owner=_text(data.get("owner"), "owner", required=False, limit=50),
        due=str(due) if due else None,
    )
    return None


def _complete(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    _record(topic, RecordKind.ACTION, actor, text, done=True)
    return None


def _evaluate(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    rating = _int(data, "rating", 0) or 0
    if not 1 <= rating <= 5:
        raise _problem("rating", _("请打1至5分"))
    mine = topic.records.filter(kind=RecordKind.EVALUATION, actor=as_account(actor))
    if mine.exists():
        raise AlreadyDone(_("您已经评价过"))
    _record(topic, RecordKind.EVALUATION, actor, text[:1000], rating=rating)
    return None


def _close(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    return None


def _skip(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    step = next_step(topic.state)
    if step not in skippable():
        raise SkipNotAllowed(_("“{step}”这一步不能跳过").format(step=TopicState(step).label))
    if len(text) < 4:
        raise SkipNotAllowed(_("跳过一步须写明理由"))
    _record(topic, RecordKind.SKIP, actor, text[:1000], skipped=step)
    return None


def _support(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    person_id = getattr(actor, "person_id", None)
    if not person_id:
        raise Forbidden(_("您的账号未关联居民，不能附议"), code=Code.ACTION_FORBIDDEN)
    _row, made = TopicSupport.objects.get_or_create(topic=topic, person_id=person_id)
    if not made:
        raise AlreadyDone(_("您已经附议过"))
    topic.supporters += 1
    return None


def _merge(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    """Merge a duplicate into the topic it repeats (grouping): the supporters carry over
    (each once), both topics record it, and the duplicate is withdrawn."""
    target_id = _int(data, "target_id", 0) or 0
    target = (
        Topic.objects.visible_to(actor)
        .select_for_update()
        .filter(pk=target_id, state__in=MERGEABLE_INTO)
        .exclude(pk=topic.pk)
        .first()
    )
    if target is None:
        raise _problem("target_id", _("请选择要并入的议题（尚未办结的其他议题）"))
    policies.require_manager_of(actor, target.place_path)
    person_ids = set(TopicSupport.objects.filter(topic=topic).values_list("person_id", flat=True))
    proposer = getattr(topic.proposed_by, "person_id", None)
    if proposer:
        person_ids.add(proposer)
    already = set(
        TopicSupport.objects.filter(topic=target, person_id__in=person_ids).values_list(
            "person_id", flat=True
        )
    )
    fresh = sorted(person_ids - already - {getattr(target.proposed_by, "person_id", None)})
    TopicSupport.objects.bulk_create([TopicSupport(topic=target, person_id=p) for p in fresh])
    target.supporters += len(fresh)
    target.save(update_fields=["supporters", "updated_at"])
    topic.merged_into = target
    _record(topic, RecordKind.MERGE, actor, text[:1000], target_id=target.pk)
    _record(target, RecordKind.MERGE, actor, text[:1000], merged_id=topic.pk, title=topic.title)
    return None


def _withdraw(actor: Actor, topic: Topic, data: dict[str, Any], text: str) -> str | None:
    _record(topic, RecordKind.STEP, actor, text[:1000], withdrawn=True)
    return None


HANDLERS = {
    TopicAct.CONVENE: _convene,
    TopicAct.DRAFT: _draft,
    TopicAct.PUBLISH: _publish,
    TopicAct.COMMENT: _comment,
    TopicAct.ANSWER: _answer,
    TopicAct.SEND_REVIEW: _send_review,
    TopicAct.REVIEW: _review,
    TopicAct.PUT_TO_VOTE: _put_to_vote,
    TopicAct.DECIDE: _decide,
    TopicAct.ACTION: _action,
    TopicAct.COMPLETE: _complete,
    TopicAct.EVALUATE: _evaluate,
    TopicAct.CLOSE: _close,
    TopicAct.SKIP: _skip,
    TopicAct.SUPPORT: _support,
    TopicAct.WITHDRAW: _withdraw,
    TopicAct.MERGE: _merge,
}
