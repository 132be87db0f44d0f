"""Writes of party life: keyword-only, an explicit actor, audited in the act's transaction.

A party-life meeting is a ``meetings.Meeting`` convened, signed in and held through the
meeting services (the one mechanism); ``life_record`` does it in one step for the branch
secretary who records a meeting that took place, with the topic, presenter, recorder and
the absentees' reasons (``LifeRecord``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core import audit, clock
from tongxin.core.actors import Actor, as_account, person_of
from tongxin.core.errors import Code, Forbidden, Problems, ValidationFailed
from tongxin.core.scoping import access
from tongxin.meetings import services as meetings
from tongxin.meetings.models import Invitation, InviteeKind, Meeting, MeetingState
from tongxin.orgs.models import Organisation
from tongxin.people.models import MembershipStatus, PartyMembership

from .defaults import PUBLICATION_DAYS
from .errors import AppraisalClosed
from .models import (
    Appraisal,
    AppraisalGrade,
    AppraisalResult,
    AppraisalState,
    CardKind,
    CardObjection,
    CardState,
    LifeFixedDay,
    LifeRecord,
    LifeRequirement,
    MutualVote,
    PartyCard,
    ReviewState,
    SelfAppraisal,
    StudyMaterial,
    StudyRead,
)
from .policies import require_officer, require_superior

PARTY_KINDS = (
    "branch_assembly",
    "branch_committee",
    "group_meeting",
    "party_lecture",
    "theme_day",
    "life_meeting",
    "appraisal",
)


def members_of(organisation: Organisation) -> list[PartyMembership]:
    """The party members of the organisation and the organisations under it."""
    return list(
        PartyMembership.objects.filter(organisation__path__startswith=organisation.path)
        .select_related("person", "organisation")
        .order_by("person__name", "person_id")
    )


def life_record(
    *,
    actor: Actor,
    organisation: Organisation,
    kind: str,
    starts_at: dt.datetime,
    topic: str,
    present: Sequence[int],
    absent: Mapping[int, str] | None = None,
    presenter_id: int | None = None,
    recorder_id: int | None = None,
    minutes: str = "",
    place_text: str = "",
    material_ids: Sequence[int] = (),
) -> LifeRecord:
    """Record a party-life meeting that took place: every member of the organisation is
    invited (the number due), ``present`` signed in by the secretary, ``absent`` with their
    reasons (an absentee without a reason is absent unexcused), the meeting held (and
    minuted when ``minutes`` are given). All or nothing."""
    require_officer(actor, organisation)
    absent = dict(absent or {})
    problems = Problems()
    if kind not in PARTY_KINDS:
        problems.add("kind", _("请选择组织生活类型"))
    topic = (topic or "").strip()
    if not topic:
        problems.add("topic", _("请填写主题"))
    elif len(topic) > 200:
        problems.add("topic", _("主题最多 200 字"))
    if starts_at.tzinfo is None:
        starts_at = clock.local(starts_at)
    if starts_at > clock.now():
        problems.add("starts_at", _("只能登记已召开的会议"))
    members = {m.person_id: m for m in members_of(organisation)}
    for pid in list(present) + list(absent):
        if pid not in members:
            problems.add("present", _("名单中有非本组织的党员"))
            break
    if set(present) & set(absent):
        problems.add("absent", _("同一人不能既出席又缺席"))
    for named in (presenter_id, recorder_id):
        if named is not None and named not in members:
            problems.add("presenter", _("主持人、记录人应为本组织党员"))
    for pid, reason in absent.items():
        if len(reason or "") > 200:
            problems.add(f"absent.{pid}", _("请假事由最多 200 字"))
    materials = list(
        StudyMaterial.objects.filter(
            pk__in=list(material_ids),
            organisation__path__in=[
                organisation.path[:n] for n in range(4, len(organisation.path) + 1, 4)
            ],
        )
    )
    if len(materials) != len(set(material_ids)):
        problems.add("materials", _("学习材料应为本组织或上级组织发布的材料"))
    problems.raise_if_any()
    with transaction.atomic():
        meeting = meetings.meeting_convene(
            actor=actor,
            kind=kind,
            organisation_id=organisation.pk,
            starts_at=starts_at,
            agenda=[topic],
            title=f"{organisation.name}·{topic}"[:120],
            place_text=place_text,
        )
        # Every member has a seat (the number due). The members are the organisation's by
        # its records, not the people the secretary's post happens to see, so the seats are
        # written here as the meeting services write them; nobody is notified of a meeting
        # that has already taken place.
        Invitation.objects.bulk_create(
            [Invitation(meeting=meeting, kind=InviteeKind.PERSON, person_id=pid) for pid in members]
        )
        for pid in present:
            meetings.meeting_sign_in(actor=actor, meeting_id=meeting.pk, person_id=pid)
        for pid, reason in absent.items():
            if (reason or "").strip():
                meetings.meeting_apology(
                    actor=actor, meeting_id=meeting.pk, reason=reason, person_id=pid
                )
        meetings.meeting_act(actor=actor, meeting_id=meeting.pk, act="hold")
        if minutes.strip():
            meetings.meeting_act(
                actor=actor, meeting_id=meeting.pk, act="minute", data={"minutes": minutes}
            )
        record = LifeRecord.objects.create(
            meeting=meeting, topic=topic, presenter_id=presenter_id, recorder_id=recorder_id
        )
        record.materials.set(materials)
        audit.record(
            actor=actor,
            action="partylife.record",
            obj=record,
            detail={"kind": kind, "present": len(present), "due": len(members)},
        )
    return record


def life_record_for(actor: Actor, meeting: Meeting) -> LifeRecord:
    """The meeting's party-life record, made on first use (a meeting convened through the
    meetings pages has none yet)."""
    record, _created = LifeRecord.objects.get_or_create(
        meeting=meeting, defaults={"topic": meeting.title[:200]}
    )
    return record


def life_review(*, actor: Actor, meeting_id: Any, accept: bool, note: str = "") -> LifeRecord:
    """The superior organisation's review of a held meeting's record: accepted, or returned
    for correction with the reason."""
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationFailed(
            _("退回修改须说明原因"), fields=[{"field": "note", "reason": _("必填")}]
        )
    with transaction.atomic():
        meeting = access(Meeting.objects.visible_to(actor), meeting_id)
        require_superior(actor, meeting.org_path)
        if meeting.state not in (MeetingState.HELD, MeetingState.MINUTED, MeetingState.CLOSED):
            raise ValidationFailed(
                _("会议尚未召开，不能审核"), fields=[{"field": "meeting", "reason": _("未召开")}]
            )
        record = life_record_for(actor, meeting)
        record.review_state = ReviewState.ACCEPTED if accept else ReviewState.RETURNED
        record.review_note = note[:300]
        record.reviewed_by = as_account(actor)
        record.reviewed_at = clock.now()
        record.save()
        audit.record(
            actor=actor,
            action="partylife.review",
            obj=record,
            detail={"state": record.review_state},
        )
    return record


def life_correct(
    *, actor: Actor, meeting_id: Any, topic: str = "", minutes: str = ""
) -> LifeRecord:
    """The branch corrects a returned record (its topic, its minutes): it waits for the
    superior's review again."""
    with transaction.atomic():
        meeting = access(Meeting.objects.visible_to(actor), meeting_id)
        organisation = Organisation.objects.get(pk=meeting.organisation_id)
        require_officer(actor, organisation)
        record = life_record_for(actor, meeting)
        if topic.strip():
            record.topic = topic.strip()[:200]
        if minutes.strip():
            meetings.meeting_act(
                actor=actor, meeting_id=meeting.pk, act="minute", data={"minutes": minutes}
            )
        record.review_state = ReviewState.PENDING
        record.save()
        audit.record(actor=actor, action="partylife.correct", obj=record)
    return record


def fixed_day_set(
    *, actor: Actor, organisation: Organisation, kind: str, day: int | None
) -> LifeFixedDay | None:
    """Fix the day of the month the organisation holds a monthly kind (its 主题党日);
    ``None`` goes back to its level's default."""
    require_officer(actor, organisation)
    req = (
        LifeRequirement.objects.filter(org_kind=organisation.kind, kind__code=kind)
        .select_related("kind")
        .first()
    )
    if req is None or req.cadence != "monthly":
        raise ValidationFailed(
            _("只有按月召开的组织生活可以设定固定日"),
            fields=[{"field": "kind", "reason": _("不是月度组织生活")}],
        )
    if day is not None and not 1 <= day <= 31:
        raise ValidationFailed(
            _("固定日应为 1 至 31 日"), fields=[{"field": "day", "reason": _("1 至 31")}]
        )
    with transaction.atomic():
        LifeFixedDay.objects.filter(organisation=organisation, kind=req.kind).delete()
        row = None
        if day is not None:
            row = LifeFixedDay.objects.create(organisation=organisation, kind=req.kind, day=day)
        audit.record(
            actor=actor,
            action="partylife.fixed_day",
            obj=organisation,
            detail={"kind": kind, "day": day},
        )
    return row


# ------------------------------------------------------------------------- scorecards


def cards_compute(*, actor: Actor, organisation: Organisation, year: int) -> list[PartyCard]:
    """Compute and store the drafts of the year's cards of the branches under
    ``organisation`` (a committee, or one branch with its committee's branches as the
    population of the stars' cap) and of their members; published and final cards are
    left as they are."""
    from .selectors import cards

    require_officer(actor, organisation)
    if organisation.kind in cards.BRANCH_KINDS:
        branches = cards.sibling_branches(organisation)
        mine = {organisation.pk}
    else:
        branches = list(
            Organisation.objects.filter(
                kind__in=cards.BRANCH_KINDS, path__startswith=organisation.path, is_active=True
            ).order_by("path")
        )
        mine = {b.pk for b in branches}
    now = clock.now()
    with transaction.atomic():
        paths = [b.path for b in branches if b.pk in mine]
        from tongxin.core.scoping import paths_q

        members = list(
            PartyMembership.objects.filter(paths_q("organisation__path", paths))
            .select_related("person", "organisation")
            .order_by("person_id")
        )
        # The year's published and final cards of these branches and members' organisations
        # (a card's organisation is its branch, or the member's): not the whole year's cards,
        # which every committee's run read again (a scan of the district's cards each).
        fixed = set(
            PartyCard.objects.filter(
                year=year, organisation_id__in=mine | {m.organisation_id for m in members}
            )
            .exclude(state=CardState.DRAFT)
            .values_list("kind", "organisation_id", "person_id")
        )
        todo: list[tuple[Any, int | None]] = [
            (card, None)
            for card in cards.evaluate_branches(branches, year)
            if card.subject_id in mine and (CardKind.BRANCH, card.subject_id, None) not in fixed
        ]
        todo += [
            (card, card.subject_id)
            for card in cards.evaluate_members(members, year)
            if (CardKind.MEMBER, card.organisation_id, card.subject_id) not in fixed
        ]
        out = _store(todo, year, now)
        audit.record(
            actor=actor,
            action="partycard.compute",
            obj=organisation,
            detail={"year": year, "cards": len(out)},
        )
    return out


STORE_BATCH = 500  # rows a statement when the drafts are written


def _store(todo: Sequence[tuple[Any, int | None]], year: int, now: dt.datetime) -> list[PartyCard]:
    """Write the cards as drafts (``(card, person id or None for a branch)``, all of
    ``year``): the rows already there (a branch's by its organisation, a member's by the
    person) updated, the others created, in a fixed number of statements a batch of
    ``STORE_BATCH`` — not two a card."""
    branch_ids = [c.organisation_id for c, pid in todo if pid is None]
    person_ids = [pid for _c, pid in todo if pid is not None]
    existing: dict[tuple[str, int | None], PartyCard] = {}
    if branch_ids:
        for row in PartyCard.objects.filter(
            kind=CardKind.BRANCH,
            year=year,
            organisation_id__in=branch_ids,
            person__isnull=True,
        ).defer("result"):
            existing[(CardKind.BRANCH, row.organisation_id)] = row
    for i in range(0, len(person_ids), STORE_BATCH):
        for row in PartyCard.objects.filter(
            kind=CardKind.MEMBER, year=year, person_id__in=person_ids[i : i + STORE_BATCH]
        ).defer("result"):  # rewritten whole
            existing[(CardKind.MEMBER, row.person_id)] = row
    out: list[PartyCard] = []
    new: list[PartyCard] = []
    changed: list[PartyCard] = []
    for card, person_id in todo:
        key = (card.kind, card.organisation_id if person_id is None else person_id)
        row = existing.get(key)
        if row is None:
            row = PartyCard(kind=card.kind, year=card.year, person_id=person_id)
            new.append(row)
        else:
            row.updated_at = now
            changed.append(row)
        row.organisation_id = card.organisation_id
        row.total = card.result.total
        row.stars = card.stars
        row.result = card.result.as_dict()
        row.computed_at = now
        row.state = CardState.DRAFT
        out.append(row)
    PartyCard.objects.bulk_create(new, batch_size=STORE_BATCH)
    for i in range(0, len(changed), STORE_BATCH):
        _update_drafts(changed[i : i + STORE_BATCH], now)
    return out


_DRAFT_FIELDS = ["organisation", "total", "stars", "result", "computed_at", "state", "updated_at"]


def _update_drafts(rows: Sequence[PartyCard], now: dt.datetime) -> None:
    """One UPDATE for the rows. On PostgreSQL the new values come as one JSON document of the
    rows (``jsonb_to_recordset``): ``bulk_update``'s ``CASE WHEN id = …`` per row and field
    cost ~3 s of Python a 500 rows (7 fields × 500 expressions resolved and compiled) and a
    quadratic CASE in the server; an array of the results' JSON texts (``UNNEST``) cost as
    much again in the driver, which escapes every quote of every text in Python when it
    writes the array (~1 s a 500 district cards), where one string is escaped by libpq."""
    from django.db import connection

    if connection.vendor != "postgresql":
        PartyCard.objects.bulk_update(rows, _DRAFT_FIELDS)
        return
    import json

    assert PartyCard._meta.db_table == "partylife_partycard"
    payload = json.dumps(
        [
            {
                "id": r.pk,
                "organisation_id": r.organisation_id,
                "total": str(r.total),  # numeric from its text: no float on the way
                "stars": r.stars,
                "result": r.result,
                "state": str(r.state),
            }
            for r in rows
        ]
    )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE partylife_partycard AS c SET organisation_id = v.organisation_id,"
            " total = v.total, stars = v.stars, result = v.result, state = v.state,"
            " computed_at = %s, updated_at = %s"
            " FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, organisation_id bigint,"
            " total numeric, stars integer, result jsonb, state text)"
            " WHERE c.id = v.id",
            [now, now, payload],
        )


def cards_publish(*, actor: Actor, organisation: Organisation, year: int) -> int:
    """Compute the drafts afresh and publish them for ``PUBLICATION_DAYS`` of objections."""
    from . import publicity

    drafts = cards_compute(actor=actor, organisation=organisation, year=year)
    until = publicity.window_end(clock.today(), PUBLICATION_DAYS, working=False)
    with transaction.atomic():
        n = PartyCard.objects.filter(pk__in=[c.pk for c in drafts]).update(
            state=CardState.PUBLISHED, publish_until=until
        )
        audit.record(
            actor=actor,
            action="partycard.publish",
            obj=organisation,
            detail={"year": year, "until": until, "cards": n},
        )
    return n


def objection_raise(*, actor: Actor, card: PartyCard, reason: str) -> CardObjection:
    """An objection to a published card, within its window: by the member (their own card)
    or an officer of the branch (the branch's card)."""
    from . import publicity
    from .policies import oversees

    me = person_of(actor)
    own = card.person_id is not None and me is not None and me.pk == card.person_id
    if not own and not (card.person_id is None and oversees(actor, card.organisation)):
        raise Forbidden(_("只能对本人或本支部的成绩提出异议"), code=Code.ACTION_FORBIDDEN)
    publicity.require_open(card.state == CardState.PUBLISHED, card.publish_until)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请填写异议理由"), fields=[{"field": "reason", "reason": _("必填")}]
        )
    with transaction.atomic():
        obj = CardObjection.objects.create(
            card=card, reason=reason[:500], raised_by=as_account(actor)
        )
        audit.record(actor=actor, action="partycard.object", obj=obj)
    return obj


def objection_answer(*, actor: Actor, objection: CardObjection, answer: str) -> CardObjection:
    """The answer to an objection: a card's by the superior organisation, a nomination
    list's by whoever approves the list (``nominations.may_approve``)."""
    from .policies import is_superior_of

    if objection.card is not None:
        allowed = is_superior_of(actor, objection.card.organisation.path)
    else:
        from .selectors.nominations import may_approve

        assert objection.nomination_list is not None
        allowed = may_approve(actor, objection.nomination_list.organisation)
    if not allowed:
        raise Forbidden(_("只有上级党组织可以答复异议"), code=Code.ACTION_FORBIDDEN)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(_("请填写答复"), fields=[{"field": "answer", "reason": _("必填")}])
    with transaction.atomic():
        objection.answer = answer[:500]
        objection.answered_by = as_account(actor)
        objection.answered_at = clock.now()
        objection.save()
        audit.record(actor=actor, action="partycard.answer", obj=objection)
    return objection


def cards_finalize(*, actor: Actor, organisation: Organisation, year: int) -> int:
    """Make the published cards under ``organisation`` final once their window has ended and
    every objection has its answer."""
    from . import publicity

    require_officer(actor, organisation)
    published = PartyCard.objects.filter(
        organisation__path__startswith=organisation.path, year=year, state=CardState.PUBLISHED
    )
    publicity.require_closable(
        window_open=published.filter(publish_until__gte=clock.today()).exists(),
        unanswered=CardObjection.objects.filter(
            card__in=published, answered_at__isnull=True
        ).exists(),
    )
    with transaction.atomic():
        n = published.update(state=CardState.FINAL)
        audit.record(
            actor=actor, action="partycard.finalize", obj=organisation, detail={"year": year}
        )
    return n


# ------------------------------------------------------------------------- 微学习

PING_MAX_SECONDS = 30  # a ping counts at most this much time since the previous one


def material_publish(
    *, actor: Actor, organisation: Organisation, title: str, body: str, min_seconds: int = 60
) -> StudyMaterial:
    require_officer(actor, organisation)
    problems = Problems()
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        problems.add("title", _("请填写标题"))
    if not body:
        problems.add("body", _("请填写内容"))
    if not 10 <= min_seconds <= 3600:
        problems.add("min_seconds", _("学习时长应在 10 秒到 1 小时之间"))
    problems.raise_if_any()
    with transaction.atomic():
        material = StudyMaterial.objects.create(
            organisation=organisation,
            title=title[:120],
            body=body[:20000],
            published_on=clock.today(),
            min_seconds=min_seconds,
        )
        audit.record(actor=actor, action="study.publish", obj=material)
    return material


def study_open(*, actor: Actor, material: StudyMaterial) -> StudyRead | None:
    """The reader opened the page: their reading, begun now (a click alone is not a study:
    only time on the page counts, through ``study_ping``)."""
    person = person_of(actor)
    if person is None:
        return None
    with transaction.atomic():
        read, created = StudyRead.objects.get_or_create(
            material=material, person=person, defaults={"opened_at": clock.now()}
        )
        if not created:
            read.opened_at = clock.now()
            read.save(update_fields=["opened_at"])
    return read


def study_ping(*, actor: Actor, material: StudyMaterial) -> StudyRead:
    """The page is still open: the time since the last ping (at most ``PING_MAX_SECONDS``,
    measured by the server's clock, never by the browser) is added; past the material's
    floor the reading counts as studied."""
    person = person_of(actor)
    if person is None:
        raise Forbidden(_("您的账号未关联人员"), code=Code.ACTION_FORBIDDEN)
    now = clock.now()
    with transaction.atomic():
        read = (
            StudyRead.objects.select_for_update().filter(material=material, person=person).first()
        )
        if read is None:
            read = StudyRead.objects.create(material=material, person=person, opened_at=now)
            return read
        elapsed = int((now - read.opened_at).total_seconds())
        read.seconds += max(0, min(elapsed, PING_MAX_SECONDS))
        read.opened_at = now
        if read.studied_at is None and read.seconds >= material.min_seconds:
            read.studied_at = now
        read.save(update_fields=["seconds", "opened_at", "studied_at"])
    return read


# ------------------------------------------------------------------------- 民主评议


def ballot_of(appraisal: Appraisal, person_id: int) -> str:
    """The voter's one-way key in an appraisal: enough to refuse a second ballot, never
    enough to read who voted what from the table."""
    import hashlib
    import hmac

    from django.conf import settings

    msg = f"appraisal:{appraisal.pk}:{person_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), msg, hashlib.sha256).hexdigest()


def appraisal_open(
    *, actor: Actor, organisation: Organisation, year: int, meeting: Meeting | None = None
) -> Appraisal:
    require_officer(actor, organisation)
    with transaction.atomic():
        a, _created = Appraisal.objects.get_or_create(
            organisation=organisation, year=year, defaults={"meeting": meeting}
        )
        audit.record(actor=actor, action="appraisal.open", obj=a)
    return a


def _participant(actor: Actor, appraisal: Appraisal) -> PartyMembership:
    person = person_of(actor)
    m = (
        PartyMembership.objects.filter(
            person=person, organisation__path__startswith=appraisal.organisation.path
        ).first()
        if person is not None
        else None
    )
    if m is None:
        raise Forbidden(_("只有本支部党员可以参加评议"), code=Code.ACTION_FORBIDDEN)
    if appraisal.state != AppraisalState.OPEN:
        raise AppraisalClosed(_("评议已结束"))
    return m


def appraisal_self(*, actor: Actor, appraisal: Appraisal, text: str) -> SelfAppraisal:
    m = _participant(actor, appraisal)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("请填写自我评价"), fields=[{"field": "text", "reason": _("必填")}])
    with transaction.atomic():
        s, _created = SelfAppraisal.objects.update_or_create(
            appraisal=appraisal, person_id=m.person_id, defaults={"text": text[:2000]}
        )
        audit.record(actor=actor, action="appraisal.self", obj=appraisal)
    return s


def appraisal_vote(*, actor: Actor, appraisal: Appraisal, votes: Mapping[int, str]) -> int:
    """The member's secret mutual appraisal: a grade for each other full member, once. The
    ballot keeps no voter (``ballot_of``); the audit says that they voted, not how."""
    m = _participant(actor, appraisal)
    graded = {
        p.person_id
        for p in PartyMembership.objects.filter(
            organisation__path__startswith=appraisal.organisation.path,
            status=MembershipStatus.FULL,
        )
    } - {m.person_id}
    problems = Problems()
    for pid, grade in votes.items():
        if pid not in graded:
            problems.add(f"v{pid}", _("不在评议名单中"))
        if grade not in AppraisalGrade.values:
            problems.add(f"v{pid}", _("等次不正确"))
    if not votes:
        problems.add("votes", _("请至少评议一人"))
    problems.raise_if_any()
    ballot = ballot_of(appraisal, m.person_id)
    with transaction.atomic():
        if MutualVote.objects.filter(appraisal=appraisal, ballot=ballot).exists():
            raise ValidationFailed(
                _("您已投过票"), fields=[{"field": "votes", "reason": _("不能重复投票")}]
            )
        MutualVote.objects.bulk_create(
            [
                MutualVote(appraisal=appraisal, ballot=ballot, subject_id=pid, grade=g)
                for pid, g in sorted(votes.items())
            ]
        )
        audit.record(actor=actor, action="appraisal.vote", obj=appraisal)
    return len(votes)


def appraisal_grade(*, actor: Actor, appraisal: Appraisal, grades: Mapping[int, str]) -> int:
    """The branch's grading of its full members (probationary members take part but are not
    graded), with 优秀 at most a third of those graded (``scoring.cap_count``)."""
    from tongxin.core.scoring import cap_count

    from .defaults import EXCELLENT_SHARE
    from .errors import ExcellentCapExceeded

    require_officer(actor, appraisal.organisation)
    members = {
        p.person_id: p
        for p in PartyMembership.objects.filter(
            organisation__path__startswith=appraisal.organisation.path
        )
    }
    problems = Problems()
    for pid, grade in grades.items():
        m = members.get(pid)
        if m is None:
            problems.add(f"g{pid}", _("不在评议名单中"))
        elif m.status != MembershipStatus.FULL:
            problems.add(f"g{pid}", _("预备党员参加评议，不定等次"))
        if grade not in AppraisalGrade.values:
            problems.add(f"g{pid}", _("等次不正确"))
    problems.raise_if_any()
    full = [p for p in members.values() if p.status == MembershipStatus.FULL]
    allowed = cap_count(len(full), EXCELLENT_SHARE)
    excellent = sum(1 for g in grades.values() if g == AppraisalGrade.EXCELLENT)
    if excellent > allowed:
        raise ExcellentCapExceeded(
            _("优秀不得超过参评党员的三分之一（最多 {n} 名）").format(n=allowed),
            fields=[{"field": "grades", "reason": _("优秀人数超过比例")}],
            context={"allowed": allowed, "given": excellent},
        )
    with transaction.atomic():
        AppraisalResult.objects.filter(appraisal=appraisal).delete()
        AppraisalResult.objects.bulk_create(
            [AppraisalResult(appraisal=appraisal, person_id=p, grade=g) for p, g in grades.items()]
        )
        appraisal.state = AppraisalState.GRADED
        appraisal.save(update_fields=["state", "updated_at"])
        audit.record(
            actor=actor, action="appraisal.grade", obj=appraisal, detail={"graded": len(grades)}
        )
    return len(grades)
