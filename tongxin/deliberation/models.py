"""Deliberation (六步议事) and votes (业主表决, 居民会议, 居民代表会议).

A *vote* freezes its electorate when it opens: one ``Elector`` row per head (an owner, or
the owners of the same dwellings, with the areas summed; a household; a representative), and
one ``ElectorMember`` row per person who may cast that head's ballot. Casting marks the
elector ``voted`` and writes a ``Ballot`` in the same transaction.

Secret ballots are unlinkable by construction: a ballot row holds the choice, the weight and
the hash of the voter's receipt code, and nothing else — no elector, no person, no time, and a
random key (so the insertion order is not in the key either). The "has voted" mark is on the
elector, the choice on the ballot; the receipt code (kept by the voter only) is the one link.

A *topic* (议题) goes through the six steps (``workflow.TOPIC_MACHINE``); every step's record
(a 恳谈会, a draft version, a comment and its answer, an expert review, a skip and its reason,
a 民评) is a ``TopicRecord``, append-only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor
from tongxin.core.models import AppendOnlyModel, AppendOnlyScopedQuerySet, TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.people.models import Person
from tongxin.places.models import Place


class Electorate(models.TextChoices):
    OWNERS = "owners", gettext_lazy("业主")
    HOUSEHOLDS = "households", gettext_lazy("居民户代表")
    RESIDENTS = "residents", gettext_lazy("居民")
    REPRESENTATIVES = "representatives", gettext_lazy("居民代表")
    ATTENDEES = "attendees", gettext_lazy("到会人员")


class Rule(models.TextChoices):
    ART278_ORDINARY = "art278_ordinary", gettext_lazy("业主共同决定（一般事项，过半数）")
    ART278_SPECIAL = "art278_special", gettext_lazy("业主共同决定（第六至八项，四分之三）")
    TWO_THIRDS_PRESENT = "two_thirds_present", gettext_lazy("到会过半数、到会三分之二以上通过")
    MAJORITY_PRESENT = "majority_present", gettext_lazy("到会过半数、到会过半数通过")


class Choice(models.TextChoices):
    YES = "yes", gettext_lazy("同意")
    NO = "no", gettext_lazy("反对")
    ABSTAIN = "abstain", gettext_lazy("弃权")


class VoteState(models.TextChoices):
    OPEN = "open", gettext_lazy("投票中")
    CLOSED = "closed", gettext_lazy("已结束")
    CANCELLED = "cancelled", gettext_lazy("已撤销")


class VoteQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> VoteQuerySet:
        """Managers of the vote's place (staff posts at the community or above) and the
        vote's electors see it; nobody else."""
        if user is None or not user.is_authenticated:
            return self.none()
        q = paths_q("place_path", scope.manager_paths)
        person_id = getattr(user, "person_id", None)
        if person_id:
            q |= Q(pk__in=ElectorMember.objects.filter(person_id=person_id).values("vote_id"))
        return self.filter(q)


class Vote(TimeStampedModel):
    title = models.CharField(gettext_lazy("表决事项"), max_length=200)
    description = models.TextField(gettext_lazy("说明"), blank=True)
    electorate = models.CharField(gettext_lazy("表决人"), max_length=20, choices=Electorate.choices)
    rule = models.CharField(gettext_lazy("表决规则"), max_length=24, choices=Rule.choices)
    secret = models.BooleanField(gettext_lazy("无记名投票"), default=True)
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("范围"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False)
    opens_at = models.DateTimeField(gettext_lazy("开始时间"))
    closes_at = models.DateTimeField(gettext_lazy("截止时间"))
    closed_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)
    # When the electors who had not voted were reminded (once, by the periodic sweep).
    reminded_at = models.DateTimeField(gettext_lazy("提醒时间"), null=True, blank=True)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=12,
        choices=VoteState.choices,
        default=VoteState.OPEN,
        db_index=True,
    )
    eligible_heads = models.PositiveIntegerField(gettext_lazy("应参与人数"), default=0)
    # Hundredths of a square metre (see ``counting``).
    eligible_area = models.BigIntegerField(gettext_lazy("应参与面积"), default=0)
    result = models.JSONField(gettext_lazy("表决结果"), null=True, blank=True, editable=False)
    topic = models.ForeignKey(
        "Topic",
        verbose_name=gettext_lazy("议题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="votes",
    )
    meeting_id = models.PositiveIntegerField(gettext_lazy("所属会议"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("发起人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("表决")
        verbose_name_plural = gettext_lazy("表决")
        ordering = ["-opens_at", "-id"]
        indexes = [
            models.Index(
                fields=["place_path"], name="vote_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def counts_area(self) -> bool:
        return self.rule in (Rule.ART278_ORDINARY, Rule.ART278_SPECIAL)


class ThroughVoteQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> ThroughVoteQuerySet:
        """The rows of the votes the user may see."""
        return self.filter(vote__in=Vote.objects.visible_to(user))


class Elector(models.Model):
    """One head of a vote's frozen electorate: its weight (one head, ``area`` m²), the units
    it stands for (shown in the public result, never a name) and whether it has voted."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electors")
    label = models.CharField(gettext_lazy("房号/户"), max_length=300)
    heads = models.PositiveSmallIntegerField(default=1)
    # Hundredths of a square metre: integers sum exactly in every database.
    area = models.BigIntegerField(default=0)
    units = models.JSONField(default=list)
    voted = models.BooleanField(gettext_lazy("已投票"), default=False)

    objects = ThroughVoteQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("表决人")
        verbose_name_plural = gettext_lazy("表决人")
        indexes = [models.Index(fields=["vote", "voted"], name="elector_vote_voted")]

    def __str__(self) -> str:
        return self.label

    @property
    def area_text(self) -> str:
        """The area in m² with two decimals (the stored hundredths)."""
        from decimal import Decimal

        return str((Decimal(self.area) / 100).quantize(Decimal("0.01")))


class OwnRowsQuerySet(ScopedQuerySet):
    """Rows that name a person: the person themself sees theirs, nobody else through a page."""

    def narrow(self, user: Actor | None, scope: Scope) -> OwnRowsQuerySet:
        person_id = getattr(user, "person_id", None)
        if user is None or not user.is_authenticated or not person_id:
            return self.none()
        return self.filter(person_id=person_id)


class ElectorMember(models.Model):
    """A person who may cast an elector's ballot (an owner of its dwellings, a member of its
    household, the representative)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    objects = OwnRowsQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["elector", "person"], name="elector_member_once")
        ]
        indexes = [models.Index(fields=["vote", "person"], name="elector_member_vote_person")]

    def __str__(self) -> str:
        return f"{self.elector_id}:{self.person_id}"


class Ballot(models.Model):
    """A cast ballot. For a secret vote nothing here names the voter: a random key, no time,
    no elector; ``receipt_hash`` lets the voter find it with their receipt code. An open
    (named) vote keeps the elector, so the public result lists each unit's choice."""

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    heads = models.PositiveSmallIntegerField(default=1)
    area = models.BigIntegerField(default=0)  # hundredths of m², as the elector's
    receipt_hash = models.CharField(max_length=64, unique=True)
    elector = models.OneToOneField(
        Elector, null=True, blank=True, on_delete=models.CASCADE, related_name="ballot"
    )

    objects = ThroughVoteQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("选票")
        verbose_name_plural = gettext_lazy("选票")

    def __str__(self) -> str:
        return self.get_choice_display()


# ---------------------------------------------------------------------------- topics


class TopicState(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("提议题")
    CONSULTATION = "consultation", gettext_lazy("恳谈会")
    DRAFTING = "drafting", gettext_lazy("拟方案")
    NOTICE = "notice", gettext_lazy("张榜公示")
    REVIEW = "review", gettext_lazy("专家审查")
    VOTING = "voting", gettext_lazy("表决")
    IMPLEMENTING = "implementing", gettext_lazy("实施")
    EVALUATION = "evaluation", gettext_lazy("民评")
    CLOSED = "closed", gettext_lazy("已办结")
    REJECTED = "rejected", gettext_lazy("未通过")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


class Channel(models.TextChoices):
    WEB = "web", gettext_lazy("网上提交")
    MESSAGE = "message", gettext_lazy("留言箱")
    CASE = "case", gettext_lazy("意见建议")
    MEETING = "meeting", gettext_lazy("会议议程")
    NEED = "need", gettext_lazy("居民需求")
    LOG = "log", gettext_lazy("民情日志")


class TopicQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> TopicQuerySet:
        """Residents see the topics of the places they live in (a topic is public to its
        community); staff see those of their places."""
        if user is None or not user.is_authenticated:
            return self.none()
        q = paths_q("place_path", scope.place_paths) | paths_q("place_path", scope.manager_paths)
        person = getattr(user, "person", None)
        if person is not None and person.place_path:
            # The topics of the places above the resident's home.
            n = 4
            prefixes = [person.place_path[:k] for k in range(n, len(person.place_path) + 1, n)]
            q |= Q(place_path__in=prefixes)
        return self.filter(q)


class Topic(TimeStampedModel):
    title = models.CharField(gettext_lazy("议题"), max_length=200)
    body = models.TextField(gettext_lazy("内容"), blank=True)
    category = models.CharField(gettext_lazy("分类"), max_length=40, blank=True)
    channel = models.CharField(
        gettext_lazy("来源"), max_length=12, choices=Channel.choices, default=Channel.WEB
    )
    source_id = models.PositiveIntegerField(gettext_lazy("来源编号"), null=True, blank=True)
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("范围"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False)
    state = models.CharField(
        gettext_lazy("步骤"),
        max_length=16,
        choices=TopicState.choices,
        default=TopicState.PROPOSED,
        db_index=True,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("提议人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    supporters = models.PositiveIntegerField(gettext_lazy("附议人数"), default=0)
    comment_until = models.DateTimeField(gettext_lazy("公示截止"), null=True, blank=True)
    # A duplicate merged into another topic (its supporters carried over; it is withdrawn).
    merged_into = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("并入议题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("议题")
        verbose_name_plural = gettext_lazy("议题")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["place_path"], name="topic_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TopicSupport(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    objects = OwnRowsQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "person"], name="topic_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.person_id}"


class RecordKind(models.TextChoices):
    PROPOSAL = "proposal", gettext_lazy("提出议题")
    MEETING = "meeting", gettext_lazy("恳谈会")
    DRAFT = "draft", gettext_lazy("方案稿")
    NOTICE = "notice", gettext_lazy("张榜公示")
    COMMENT = "comment", gettext_lazy("居民意见")
    ANSWER = "answer", gettext_lazy("答复")
    REVIEW = "review", gettext_lazy("专家审查意见")
    VOTE = "vote", gettext_lazy("表决")
    DECISION = "decision", gettext_lazy("表决结果")
    ACTION = "action", gettext_lazy("实施事项")
    EVALUATION = "evaluation", gettext_lazy("民评")
    SKIP = "skip", gettext_lazy("跳过步骤")
    STEP = "step", gettext_lazy("进入下一步")
    MERGE = "merge", gettext_lazy("合并议题")


class TopicRecordQuerySet(AppendOnlyScopedQuerySet):  # type: ignore[override]
    def narrow(self, user: Actor | None, scope: Scope) -> TopicRecordQuerySet:
        """The records of the topics the user may see."""
        return self.filter(topic__in=Topic.objects.visible_to(user))


class TopicRecord(AppendOnlyModel):
    """One record of a topic's steps, never changed: a draft version is a new record."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="records")
    step = models.CharField(max_length=16, choices=TopicState.choices)
    kind = models.CharField(max_length=12, choices=RecordKind.choices)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    objects: ClassVar[Any] = models.Manager.from_queryset(TopicRecordQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("议事记录")
        verbose_name_plural = gettext_lazy("议事记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.kind}"

    def data_get(self, key: str, default: Any = None) -> Any:
        return (self.data or {}).get(key, default)


# ---------------------------------------------------------------------------- 业委会 elections


class ElectionState(models.TextChoices):
    NOMINATING = "nominating", gettext_lazy("提名中")
    PUBLISHED = "published", gettext_lazy("候选人公示")
    VOTING = "voting", gettext_lazy("投票中")
    DECIDED = "decided", gettext_lazy("已产生结果")


class ElectionQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> ElectionQuerySet:
        """The managers of the estate and the estate's residents (an election is public to
        the estate)."""
        if user is None or not user.is_authenticated:
            return self.none()
        q = paths_q("place_path", scope.manager_paths)
        person = getattr(user, "person", None)
        if person is not None and person.place_path:
            p = person.place_path
            q |= Q(place_path__in=[p[:k] for k in range(4, len(p) + 1, 4)])
        return self.filter(q)


class Election(TimeStampedModel):
    """An election of an estate's owners' committee (业委会): nomination, eligibility checks
    against the configured negative list (``rules``, data), the candidates' publication, one
    owners' vote per candidate (Art. 278, ordinary item), the committee's posts."""

    title = models.CharField(gettext_lazy("名称"), max_length=200)
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("小区"), on_delete=models.PROTECT, related_name="+"
    )
    place_path = models.CharField(max_length=255, editable=False)
    seats = models.PositiveSmallIntegerField(gettext_lazy("委员名额"), default=5)
    rules = models.JSONField(gettext_lazy("资格条件"), default=list)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=12,
        choices=ElectionState.choices,
        default=ElectionState.NOMINATING,
    )
    committee_id = models.PositiveIntegerField(gettext_lazy("业主委员会"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ElectionQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("业委会选举")
        verbose_name_plural = gettext_lazy("业委会选举")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class CandidateState(models.TextChoices):
    NOMINATED = "nominated", gettext_lazy("已提名")
    ELIGIBLE = "eligible", gettext_lazy("符合条件")
    INELIGIBLE = "ineligible", gettext_lazy("不符合条件")
    ELECTED = "elected", gettext_lazy("当选")
    NOT_ELECTED = "not_elected", gettext_lazy("未当选")


class CandidateQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> CandidateQuerySet:
        return self.filter(election__in=Election.objects.visible_to(user))


class Candidate(TimeStampedModel):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("候选人"), on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(gettext_lazy("竞选陈述"), blank=True)
    # rule code → {"failed": bool, "note": str, "source": "registry"|"finding"}
    checks = models.JSONField(gettext_lazy("资格审查"), default=dict)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=12,
        choices=CandidateState.choices,
        default=CandidateState.NOMINATED,
    )
    vote = models.ForeignKey(
        Vote, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("候选人")
        verbose_name_plural = gettext_lazy("候选人")
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="candidate_once")
        ]

    def __str__(self) -> str:
        return str(self.person_id)


# ---------------------------------------------------------------------------- 微会议


class SpeakingState(models.TextChoices):
    WAITING = "waiting", gettext_lazy("等待发言")
    SPEAKING = "speaking", gettext_lazy("发言中")
    DONE = "done", gettext_lazy("已发言")


class SpeakingRequest(TimeStampedModel):
    """A raised hand at an online meeting (微会议): the speaking order is the order of the
    requests; whoever runs the meeting gives the floor."""

    meeting_id = models.PositiveIntegerField(db_index=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=10, choices=SpeakingState.choices, default=SpeakingState.WAITING
    )
    topic = models.CharField(gettext_lazy("发言要点"), max_length=200, blank=True)

    objects = OwnRowsQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("发言申请")
        verbose_name_plural = gettext_lazy("发言申请")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.person_id}"
