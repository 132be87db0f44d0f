"""Organisations, the posts people hold, absences, and the duty chains."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from tongxin.core import trees
from tongxin.core.actors import Actor
from tongxin.core.config_cache import ConfigManager
from tongxin.core.models import TimeStampedModel, in_force_q
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.core.trees import TreePaths
from tongxin.core.validators import validate_phone
from tongxin.people.models import Person
from tongxin.places.models import Place, PlaceKind

from .roles import Duty, Role

DEFAULT_LEAVE_REASON = "请假"  # i18n-data: the stored default reason


class OrgKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", gettext_lazy("社区大党委")
    GENERAL_BRANCH = "general_branch", gettext_lazy("党总支")
    BRANCH = "branch", gettext_lazy("党支部")
    PARTY_GROUP = "party_group", gettext_lazy("党小组")
    RESIDENTS_COMMITTEE = "residents_committee", gettext_lazy("居民委员会")
    OWNERS_COMMITTEE = "owners_committee", gettext_lazy("业主委员会")
    PROPERTY_COMPANY = "property_company", gettext_lazy("物业服务企业")
    SELF_MANAGEMENT = "self_management", gettext_lazy("自管委")
    CO_BUILDING_UNIT = "co_building_unit", gettext_lazy("共建单位")
    DEPARTMENT = "department", gettext_lazy("职能部门")
    VOLUNTEER_TEAM = "volunteer_team", gettext_lazy("志愿服务队")
    SOCIAL_ORG = "social_org", gettext_lazy("社会组织")
    # 两新组织: a non-public enterprise (非公企业) with its party organisation.
    ENTERPRISE = "enterprise", gettext_lazy("非公企业")
    STUDIO = "studio", gettext_lazy("专业工作室")
    STREET_OFFICE = "street_office", gettext_lazy("街道办事处")


class DepartmentKind(models.TextChoices):
    URBAN_MANAGEMENT = "urban_management", gettext_lazy("城管")
    HOUSING = "housing", gettext_lazy("住建")
    PUBLIC_SECURITY = "public_security", gettext_lazy("公安")
    TRAFFIC_POLICE = "traffic_police", gettext_lazy("交警")
    CIVIL_AFFAIRS = "civil_affairs", gettext_lazy("民政")
    MARKET_REGULATION = "market_regulation", gettext_lazy("市场监管")
    HEALTH = "health", gettext_lazy("卫健")
    WATER = "water", gettext_lazy("水务")
    POWER = "power", gettext_lazy("供电")
    GAS = "gas", gettext_lazy("燃气")
    HUMAN_RESOURCES = "human_resources", gettext_lazy("人社")
    FIRE = "fire", gettext_lazy("消防")
    ECOLOGY = "ecology", gettext_lazy("生态环境")


class OrganisationQuerySet(ScopedQuerySet, MP_NodeQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> OrganisationQuerySet:
        """Organisations covering a place the user may browse, and those they hold a post in.

        The structure is public knowledge within the user's area (照片上墙); the people in it
        are still reached through ``Post`` and ``PartyMembership`` scoping.
        """
        if scope.is_empty:
            return self.none()
        covering = Organisation.places.through.objects.filter(
            place__in=Place.objects.visible_to(user)
        ).values("organisation_id")
        held = (
            Post.objects.active()
            .filter(person_id__in=scope.person_ids, organisation__isnull=False)
            .values("organisation_id")
        )
        return self.filter(Q(pk__in=covering) | Q(pk__in=held))


class OrganisationManager(MP_NodeManager):
    """Treebeard's manager, returning the scoped queryset."""

    def get_queryset(self) -> OrganisationQuerySet:
        return OrganisationQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user: Actor | None) -> OrganisationQuerySet:
        return self.get_queryset().visible_to(user)


class Organisation(TreePaths, MP_Node, TimeStampedModel):
    """An organisation in the one organisation tree, covering some places.

    Organisations and their posts are public structure (照片上墙); the people behind posts are
    personal data and are shown through ``Post`` scoping.
    """

    steplen = 4

    kind = models.CharField(
        gettext_lazy("类型"), max_length=32, choices=OrgKind.choices, db_index=True
    )
    department_kind = models.CharField(
        gettext_lazy("部门类别"), max_length=32, choices=DepartmentKind.choices, blank=True
    )
    code = models.CharField(gettext_lazy("编码"), max_length=40, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    phone = models.CharField(gettext_lazy("对外电话"), max_length=32, blank=True)
    address = models.CharField(gettext_lazy("地址"), max_length=200, blank=True)
    places = models.ManyToManyField(
        Place, verbose_name=gettext_lazy("覆盖地点"), blank=True, related_name="organisations"
    )
    is_active = models.BooleanField(gettext_lazy("有效"), default=True)

    objects = OrganisationManager()

    class Meta:
        verbose_name = gettext_lazy("组织")
        verbose_name_plural = gettext_lazy("组织")

    def __str__(self) -> str:
        return self.name


def _check_phone(value: str) -> None:
    validate_phone(value)


class PostQuerySet(ScopedQuerySet):
    def active(self, on: dt.date | None = None) -> PostQuerySet:
        return self.filter(in_force_q(on))


class Post(TimeStampedModel):
    """A person holding a role at a place and/or in an organisation, for a period.

    ``rank`` is the AB角: A is first, B stands in when A is absent. ``public_contact`` marks
    posts whose holder's name and phone are published (照片上墙, 电话公开); ``public_phone`` is
    the number the post publishes in full (a work phone, or the holder's own with their
    consent), shown by ``contact_phone`` — without one, the holder's number appears masked.
    """

    class Rank(models.TextChoices):
        A = "A", gettext_lazy("A角")
        B = "B", gettext_lazy("B角")
        NONE = "", "—"

    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("人员"), on_delete=models.PROTECT, related_name="posts"
    )
    role = models.CharField(
        gettext_lazy("职务"), max_length=32, choices=Role.choices, db_index=True
    )
    place = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("负责地点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    place_path = models.CharField(max_length=255, blank=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("所属组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    rank = models.CharField(
        gettext_lazy("AB角"), max_length=1, choices=Rank.choices, blank=True, default=""
    )
    start_date = models.DateField(gettext_lazy("任职日期"), null=True, blank=True)
    end_date = models.DateField(gettext_lazy("离任日期"), null=True, blank=True)
    public_contact = models.BooleanField(gettext_lazy("公开联系方式"), default=False)
    public_phone = models.CharField(
        gettext_lazy("公开电话"),
        max_length=20,
        blank=True,
        validators=[_check_phone],
        help_text=gettext_lazy("公开联系方式时印在便民服务卡、上墙公示的号码（工作电话）"),
    )
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)

    objects = models.Manager.from_queryset(PostQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("职务")
        verbose_name_plural = gettext_lazy("职务")
        indexes = [
            models.Index(fields=["place", "role"], name="post_place_role"),
            models.Index(
                fields=["place_path"], name="post_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(place__isnull=False) | Q(organisation__isnull=False),
                name="post_has_place_or_org",
            ),
        ]

    def __str__(self) -> str:
        where = self.place or self.organisation
        rank = _("({rank}角)").format(rank=self.rank) if self.rank else ""
        return f"{where} {self.get_role_display()}{rank} {self.person}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Posts held at places the user may browse (subtree or ancestors), and org posts."""
        ancestors = trees.ancestors_of_all(scope.place_paths, Place.steplen)
        return (
            paths_q("place_path", scope.place_paths)
            | Q(place_path__in=ancestors)
            | Q(place__isnull=True, public_contact=True)
            | Q(person_id__in=scope.person_ids)
        )

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("离任日期不能早于任职日期")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.place_path = self.place.path if self.place_id and self.place else ""
        super().save(*args, **kwargs)

    @property
    def contact_phone(self) -> str:
        """The number this post shows the public: nothing unless its contact is public; then
        its published phone, else the holder's masked number (needs ``person`` loaded)."""
        if not self.public_contact:
            return ""
        return self.public_phone or self.person.phone_masked or ""

    def is_active_on(self, on: dt.date) -> bool:
        return (self.start_date is None or self.start_date <= on) and (
            self.end_date is None or self.end_date >= on
        )


class Absence(TimeStampedModel):
    """A period when a person cannot act on their posts (leave, illness, training)."""

    person = models.ForeignKey(
        Person, verbose_name=gettext_lazy("人员"), on_delete=models.CASCADE, related_name="absences"
    )
    start_date = models.DateField(gettext_lazy("开始日期"))
    end_date = models.DateField(gettext_lazy("结束日期"))
    reason = models.CharField(gettext_lazy("事由"), max_length=100, default=DEFAULT_LEAVE_REASON)

    class Meta:
        verbose_name = gettext_lazy("请假/缺岗")
        verbose_name_plural = gettext_lazy("请假/缺岗")
        indexes = [models.Index(fields=["person", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="absence_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.reason} {self.start_date}~{self.end_date}"


class DutyRule(models.Model):
    """One link of a responsibility chain: for ``duty`` at a place of ``place_kind``, try
    holders of ``role`` (A before B) in ``order``."""

    duty = models.CharField(gettext_lazy("职责"), max_length=32, choices=Duty.choices)
    place_kind = models.CharField(gettext_lazy("层级"), max_length=16, choices=PlaceKind.choices)
    role = models.CharField(gettext_lazy("职务"), max_length=32, choices=Role.choices)
    order = models.PositiveSmallIntegerField(gettext_lazy("顺序"), default=0)

    objects = ConfigManager()

    class Meta:
        verbose_name = gettext_lazy("责任链规则")
        verbose_name_plural = gettext_lazy("责任链规则")
        ordering = ["duty", "place_kind", "order"]
        constraints = [
            models.UniqueConstraint(fields=["duty", "place_kind", "role"], name="duty_rule_unique"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_duty_display()} {self.get_place_kind_display()} {self.get_role_display()}"
        )
