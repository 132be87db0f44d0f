"""The one meeting mechanism: kinds, meetings, invitees, sign-in, apologies, resolutions.

Every module that meets uses these tables: the alliance's quarterly 联席会, party life's
三会一课 and 主题党日, deliberation's 恳谈会 and 居民代表会议, property's 1+3+N joint meetings.

- ``MeetingKind``: configuration (a data migration seeds the kinds; the admin edits them): the
  quorum rule (a fraction of the invitees, "at least" or "more than"), whether an apology lowers
  the number expected, the default cadence.
- ``Meeting``: convened by an organisation, at a time, at a place or online; its agenda items,
  invitations, sign-ins, apologies, minutes, attachments (``core.uploads``, owned by the
  meeting) and resolutions.
- ``Invitation``: one seat — a person, a post (whoever holds it answers) or a unit (any person
  holding a post in that organisation answers). Quorum counts seats, not people.
- ``ActionItem``: a resolution, owned by a person, due on a day, tracked open → done/cancelled.
- ``Schedule``: an organisation's expected cadence for a kind (weekly, monthly, quarterly,
  yearly); ``schedules.missed`` lists the periods without a held meeting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.actors import Actor, person_of
from tongxin.core.config_cache import ConfigManager
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.orgs.models import Organisation, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import Person
from tongxin.places.models import Place


class Cadence(models.TextChoices):
    NONE = "", gettext_lazy("不定期")
    WEEKLY = "weekly", gettext_lazy("每周")
    MONTHLY = "monthly", gettext_lazy("每月")
    QUARTERLY = "quarterly", gettext_lazy("每季度")
    HALF_YEARLY = "half_yearly", gettext_lazy("每半年")
    YEARLY = "yearly", gettext_lazy("每年")


class MeetingKind(models.Model):
    """A kind of meeting and its rules (configuration, cached: ``selectors.kinds()``).

    Quorum: the seats present must reach ``quorum_numerator / quorum_denominator`` of the
    seats expected — at least that fraction, or more than it when ``quorum_strict``. The seats
    expected are the invitations, less the excused ones when ``apologies_reduce_expected``.
    ``election_numerator/denominator`` is the stricter rule of an election meeting (a branch
    assembly electing its committee: at least 4/5)."""

    code = models.SlugField(gettext_lazy("编码"), max_length=32, unique=True)
    label = models.CharField(gettext_lazy("名称"), max_length=40)
    quorum_numerator = models.PositiveSmallIntegerField(gettext_lazy("法定人数分子"), default=1)
    quorum_denominator = models.PositiveSmallIntegerField(gettext_lazy("法定人数分母"), default=2)
    quorum_strict = models.BooleanField(
        gettext_lazy("须超过该比例"),
        default=False,
        help_text=gettext_lazy("勾选为“超过”，不勾选为“达到”"),
    )
    apologies_reduce_expected = models.BooleanField(
        gettext_lazy("请假不计入应到"),
        default=False,
        help_text=gettext_lazy("勾选后，已请假的受邀方不计入应到人数"),
    )
    election_numerator = models.PositiveSmallIntegerField(
        gettext_lazy("选举时法定人数分子"), null=True, blank=True
    )
    election_denominator = models.PositiveSmallIntegerField(
        gettext_lazy("选举时法定人数分母"), null=True, blank=True
    )
    default_cadence = models.CharField(
        gettext_lazy("默认周期"), max_length=16, choices=Cadence.choices, blank=True, default=""
    )
    online = models.BooleanField(gettext_lazy("线上会议"), default=False)
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    objects = ConfigManager()

    class Meta:
        verbose_name = gettext_lazy("会议类型")
        verbose_name_plural = gettext_lazy("会议类型")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_denominator__gt=0)
                & Q(quorum_numerator__lte=models.F("quorum_denominator")),
                name="meetingkind_quorum_fraction",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def quorum_fraction(self, *, election: bool = False) -> Fraction:
        if election and self.election_numerator and self.election_denominator:
            return Fraction(self.election_numerator, self.election_denominator)
        return Fraction(self.quorum_numerator, self.quorum_denominator)


class MeetingState(models.TextChoices):
    PLANNED = "planned", gettext_lazy("待召开")
    HELD = "held", gettext_lazy("已召开")
    MINUTED = "minuted", gettext_lazy("已记录纪要")
    CLOSED = "closed", gettext_lazy("已归档")
    CANCELLED = "cancelled", gettext_lazy("已取消")


# A meeting that took place: counted by attendance, cadence and the alliance's 六个一.
HELD_STATES = (MeetingState.HELD, MeetingState.MINUTED, MeetingState.CLOSED)


def officer_orgs(user: Actor | None) -> list[tuple[int, str, str]]:
    """``(organisation id, path, role)`` of the posts in force the user holds in organisations,
    read once per user object (a request's user)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_meeting_org_posts", None)
    if cached is not None:
        return list(cached)
    person = person_of(user)
    rows: list[tuple[int, str, str]] = []
    if person is not None:
        rows = [
            (oid, path, role)
            for oid, path, role in Post.objects.active()
            .filter(person_id=person.pk, organisation__isnull=False)
            .values_list("organisation_id", "organisation__path", "role")
        ]
    with contextlib.suppress(AttributeError):
        user._meeting_org_posts = tuple(rows)  # type: ignore[attr-defined,union-attr]
    return rows


# Posts that make their holder an officer of the organisation (who sees and runs its
# meetings, and those of the organisations under it); a plain member does not.
NON_OFFICER_ROLES = frozenset({Role.MEMBER, Role.CENTRE_HOUSEHOLD})


class MeetingQuerySet(ScopedQuerySet):
    """A meeting is seen by the officers of its convening organisation and of the
    organisations above it, and by its invitees (a person, a post's holder, anyone holding a
    post in an invited unit)."""

    def narrow(self, user: Actor | None, scope: Scope) -> MeetingQuerySet:
        person = person_of(user)
        if person is None:
            return self.none()
        posts = officer_orgs(user)
        officer_paths = [path for _oid, path, role in posts if role not in NON_OFFICER_ROLES]
        unit_ids = sorted({oid for oid, _path, _role in posts})
        invited = Invitation.objects.filter(
            Q(person_id=person.pk)
            | Q(post__person_id=person.pk, post__in=Post.objects.active())
            | Q(organisation_id__in=unit_ids)
        ).values("meeting_id")
        q = Q(pk__in=invited) | Q(convener_id=person.pk)
        if officer_paths:
            q |= paths_q("org_path", officer_paths)
        return self.filter(q)

    def held(self) -> MeetingQuerySet:
        return self.filter(state__in=HELD_STATES)


class Meeting(models.Model):
    """One meeting of a kind, convened by an organisation."""

    kind = models.ForeignKey(
        MeetingKind, verbose_name=gettext_lazy("类型"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("召集组织"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    # The convening organisation's path: scoping needs no join.
    org_path = models.CharField(max_length=255, editable=False)
    title = models.CharField(gettext_lazy("会议名称"), max_length=120)
    starts_at = models.DateTimeField(gettext_lazy("开始时间"), db_index=True)
    ends_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)
    place = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("地点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place_text = models.CharField(gettext_lazy("地点说明"), max_length=200, blank=True)
    online_url = models.URLField(gettext_lazy("线上会议链接"), max_length=500, blank=True)
    is_election = models.BooleanField(gettext_lazy("选举会议"), default=False)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=MeetingState.choices,
        default=MeetingState.PLANNED,
        db_index=True,
    )
    convener = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("召集人"),
        on_delete=models.PROTECT,
        related_name="convened_meetings",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    minutes = models.TextField(gettext_lazy("会议纪要"), max_length=20000, blank=True)
    cancel_reason = models.CharField(gettext_lazy("取消原因"), max_length=200, blank=True)
    # The QR sign-in token (core.tokens.mint) and until when it is honoured.
    signin_token = models.CharField(max_length=40, blank=True, editable=False)
    signin_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(gettext_lazy("登记时间"), default=clock.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("会议")
        verbose_name_plural = gettext_lazy("会议")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "starts_at"], name="meeting_org_start"),
            models.Index(
                fields=["org_path"], name="meeting_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.org_path = self.organisation.path
        super().save(*args, **kwargs)

    @property
    def local_day(self) -> dt.date:
        return clock.local_date(self.starts_at)

    @property
    def is_held(self) -> bool:
        return self.state in HELD_STATES

    @property
    def where(self) -> str:
        if self.place_text:
            return self.place_text
        if self.place_id and self.place:
            return str(self.place)
        return ""


class MeetingPartQuerySet(ScopedQuerySet):
    """A part of a meeting (an agenda item, a seat, a sign-in, an apology) is seen by whoever
    sees the meeting."""

    def narrow(self, user: Actor | None, scope: Scope) -> MeetingPartQuerySet:
        return self.filter(meeting_id__in=Meeting.objects.narrow(user, scope).values("pk"))


class AgendaItem(models.Model):
    """One item of a meeting's agenda, in order."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=gettext_lazy("会议"), on_delete=models.CASCADE, related_name="agenda"
    )
    position = models.PositiveSmallIntegerField(gettext_lazy("序号"))
    text = models.CharField(gettext_lazy("议题"), max_length=300)

    objects = MeetingPartQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("议程")
        verbose_name_plural = gettext_lazy("议程")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_position_once")
        ]

    def __str__(self) -> str:
        return self.text


class InviteeKind(models.TextChoices):
    PERSON = "person", gettext_lazy("个人")
    POST = "post", gettext_lazy("职务")
    UNIT = "unit", gettext_lazy("单位")


class Invitation(models.Model):
    """One seat at a meeting: a person, a post (its holder answers) or a unit (anyone holding a
    post in that organisation answers). Exactly one of the three is set."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=gettext_lazy("会议"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    kind = models.CharField(gettext_lazy("受邀类型"), max_length=8, choices=InviteeKind.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("受邀人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_invitations",
    )
    post = models.ForeignKey(
        Post,
        verbose_name=gettext_lazy("受邀职务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("受邀单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_invitations",
    )

    objects = MeetingPartQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("参会邀请")
        verbose_name_plural = gettext_lazy("参会邀请")
        ordering = ["meeting", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="person",
                        person__isnull=False,
                        post__isnull=True,
                        organisation__isnull=True,
                    )
                    | Q(
                        kind="post",
                        person__isnull=True,
                        post__isnull=False,
                        organisation__isnull=True,
                    )
                    | Q(
                        kind="unit",
                        person__isnull=True,
                        post__isnull=True,
                        organisation__isnull=False,
                    )
                ),
                name="invitation_one_invitee",
            ),
            models.UniqueConstraint(
                fields=["meeting", "person"],
                name="invitation_person_once",
                condition=Q(kind="person"),
            ),
            models.UniqueConstraint(
                fields=["meeting", "post"], name="invitation_post_once", condition=Q(kind="post")
            ),
            models.UniqueConstraint(
                fields=["meeting", "organisation"],
                name="invitation_unit_once",
                condition=Q(kind="unit"),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "meeting"], name="invitation_unit_idx")]

    def __str__(self) -> str:
        return str(self.person or self.post or self.organisation)


class SignInMethod(models.TextChoices):
    QR = "qr", gettext_lazy("扫码签到")
    SECRETARY = "secretary", gettext_lazy("会务登记")
    ONLINE = "online", gettext_lazy("线上参会")


class Attendance(models.Model):
    """A person signed in, answering one invitation (for a unit, several people may come; the
    seat counts once)."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=gettext_lazy("会议"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    invitation = models.ForeignKey(
        Invitation,
        verbose_name=gettext_lazy("对应邀请"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("签到人"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(gettext_lazy("签到方式"), max_length=12, choices=SignInMethod.choices)
    signed_at = models.DateTimeField(gettext_lazy("签到时间"), default=clock.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = MeetingPartQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("签到")
        verbose_name_plural = gettext_lazy("签到")
        ordering = ["meeting", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.person_id}"


class Apology(models.Model):
    """An invitee's apology (请假) with its reason; one per seat."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=gettext_lazy("会议"),
        on_delete=models.CASCADE,
        related_name="apologies",
    )
    invitation = models.OneToOneField(
        Invitation,
        verbose_name=gettext_lazy("对应邀请"),
        on_delete=models.CASCADE,
        related_name="apology",
    )
    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("请假人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(gettext_lazy("请假事由"), max_length=200)
    created_at = models.DateTimeField(gettext_lazy("请假时间"), default=clock.now)

    objects = MeetingPartQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("请假")
        verbose_name_plural = gettext_lazy("请假")
        ordering = ["meeting", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.person_id}"


class ActionState(models.TextChoices):
    OPEN = "open", gettext_lazy("待落实")
    DONE = "done", gettext_lazy("已完成")
    CANCELLED = "cancelled", gettext_lazy("已撤销")


class ActionItemQuerySet(ScopedQuerySet):
    """An owner sees their own items; whoever sees the meeting sees its items."""

    def narrow(self, user: Actor | None, scope: Scope) -> ActionItemQuerySet:
        person = person_of(user)
        if person is None:
            return self.none()
        meetings = Meeting.objects.narrow(user, scope).values("pk")
        return self.filter(Q(owner_id=person.pk) | Q(meeting_id__in=meetings))

    def overdue(self, today: dt.date | None = None) -> ActionItemQuerySet:
        return self.filter(state=ActionState.OPEN, due__lt=today or clock.today())


class ActionItem(models.Model):
    """A resolution of a meeting as an action item (决议事项): text, owner, due day, state."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=gettext_lazy("会议"),
        on_delete=models.CASCADE,
        related_name="action_items",
    )
    text = models.CharField(gettext_lazy("决议内容"), max_length=500)
    owner = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("责任人"),
        on_delete=models.PROTECT,
        related_name="meeting_action_items",
    )
    due = models.DateField(gettext_lazy("完成期限"), null=True, blank=True, db_index=True)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=12,
        choices=ActionState.choices,
        default=ActionState.OPEN,
        db_index=True,
    )
    note = models.CharField(gettext_lazy("办理说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(gettext_lazy("登记时间"), default=clock.now)
    closed_at = models.DateTimeField(gettext_lazy("办结时间"), null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("决议事项")
        verbose_name_plural = gettext_lazy("决议事项")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["owner", "state"], name="action_owner_state")]

    def __str__(self) -> str:
        return self.text

    @property
    def is_overdue(self) -> bool:
        return self.state == ActionState.OPEN and self.due is not None and self.due < clock.today()


class ScheduleQuerySet(ScopedQuerySet):
    """Schedules are seen by whoever sees their organisation's meetings as an officer."""

    def narrow(self, user: Actor | None, scope: Scope) -> ScheduleQuerySet:
        paths = [p for _o, p, role in officer_orgs(user) if role not in NON_OFFICER_ROLES]
        if not paths:
            return self.none()
        return self.filter(paths_q("organisation__path", paths))


class Schedule(models.Model):
    """An organisation's expected cadence for a kind of meeting, from a day (inclusive) to an
    optional last day."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("组织"),
        on_delete=models.CASCADE,
        related_name="meeting_schedules",
    )
    kind = models.ForeignKey(
        MeetingKind,
        verbose_name=gettext_lazy("会议类型"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    cadence = models.CharField(gettext_lazy("周期"), max_length=16, choices=Cadence.choices)
    starts_on = models.DateField(gettext_lazy("起始日期"))
    ends_on = models.DateField(gettext_lazy("截止日期"), null=True, blank=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("会议周期")
        verbose_name_plural = gettext_lazy("会议周期")
        ordering = ["organisation", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="schedule_once"),
            models.CheckConstraint(condition=~Q(cadence=""), name="schedule_has_cadence"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.kind} {self.get_cadence_display()}"
