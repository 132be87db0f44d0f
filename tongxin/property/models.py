"""Red property (红色物业): property companies' service contracts per estate, 三无 compounds and
their 自管委, the residents' evaluation panels and their monthly inspections against a
configurable checklist, the month's score (computed by ``core.scoring``) with objections,
residents' repair ratings, credit rules and credit records backed by evidence, and
rectification orders (整改).

A property company is an ``orgs.Organisation`` of kind ``property_company``; its staff are the
people holding posts in it. Scores and credit are stored as computed (the engine's JSON) once
published, so a published month stays what was published.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.orgs.models import Organisation
from tongxin.people.models import Person
from tongxin.places.models import Place


def estate_q(scope: Scope, prefix: str = "", company_field: str = "company_id") -> Q:
    """Rows at an estate the user may browse (staff over it: grid, community, street), and the
    rows of the company they work for."""
    return paths_q(f"{prefix}estate_path", scope.place_paths) | Q(
        **{f"{prefix}{company_field}__in": scope.org_ids}
    )


class EstateScopedQuerySet(ScopedQuerySet):
    """Seen by staff over the estate and by the company's own people. ``via`` leads to the
    row holding ``estate_path`` and ``company_id``."""

    via = ""

    def narrow(self, user: Actor | None, scope: Scope) -> Any:
        if scope.is_empty:
            return self.none()
        return self.filter(estate_q(scope, self.via))


class Scheme(models.Model):
    """The evaluation scheme (configuration, one row in force): the monthly formula, the credit
    formula with its grade bands, the response and objection windows."""

    name = models.CharField(gettext_lazy("名称"), max_length=60)
    monthly_formula = models.JSONField(gettext_lazy("月度评分办法"), default=dict, blank=True)
    credit_formula = models.JSONField(gettext_lazy("信用评分办法"), default=dict, blank=True)
    response_days = models.PositiveSmallIntegerField(gettext_lazy("企业申辩期(天)"), default=7)
    objection_days = models.PositiveSmallIntegerField(gettext_lazy("异议期(天)"), default=7)
    survey_size = models.PositiveSmallIntegerField(
        gettext_lazy("满意度调查每月抽样户数"), default=20
    )

    class Meta:
        verbose_name = gettext_lazy("物业评价办法")
        verbose_name_plural = gettext_lazy("物业评价办法")

    def __str__(self) -> str:
        return self.name


class ServiceContract(TimeStampedModel):
    """A property company serving an estate under a contract: dates, fee standard (元/㎡·月),
    the project manager and the company's party organisation at the estate."""

    company = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("物业服务企业"),
        on_delete=models.PROTECT,
        related_name="property_contracts",
    )
    estate = models.ForeignKey(
        Place, verbose_name=gettext_lazy("小区"), on_delete=models.PROTECT, related_name="+"
    )
    estate_path = models.CharField(max_length=255, editable=False, db_index=True)
    starts_on = models.DateField(gettext_lazy("合同开始"))
    ends_on = models.DateField(gettext_lazy("合同结束"))
    fee_standard = models.DecimalField(
        gettext_lazy("收费标准(元/㎡·月)"), max_digits=6, decimal_places=2
    )
    project_manager = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("项目经理"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    party_org = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("项目党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)

    objects = models.Manager.from_queryset(EstateScopedQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("物业服务合同")
        verbose_name_plural = gettext_lazy("物业服务合同")
        ordering = ["estate_path", "-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="property_contract_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.estate}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.estate_path = self.estate.path
        super().save(*args, **kwargs)


class SelfManagedQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> Any:
        if scope.is_empty:
            return self.none()
        return self.filter(
            paths_q("estate_path", scope.place_paths) | Q(committee_id__in=scope.org_ids)
        )


class SelfManagedCompound(TimeStampedModel):
    """A 三无 compound (no property company, no owners' committee, no competent department)
    managed by its residents' 自管委 instead."""

    estate = models.OneToOneField(
        Place, verbose_name=gettext_lazy("小区"), on_delete=models.PROTECT, related_name="+"
    )
    estate_path = models.CharField(max_length=255, editable=False, db_index=True)
    committee = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("自管委"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateField(gettext_lazy("自管起始"))
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)

    objects = models.Manager.from_queryset(SelfManagedQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("三无小区自管")
        verbose_name_plural = gettext_lazy("三无小区自管")
        ordering = ["estate_path"]

    def __str__(self) -> str:
        return str(self.estate)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.estate_path = self.estate.path
        super().save(*args, **kwargs)


class ChecklistItem(models.Model):
    """One item the panel inspects (configuration): cleaning, greening, security, repairs,
    lifts, fire safety, fees published, response to cases…"""

    code = models.SlugField(gettext_lazy("编码"), max_length=32, unique=True)
    label = models.CharField(gettext_lazy("名称"), max_length=40)
    guidance = models.CharField(gettext_lazy("检查要点"), max_length=200, blank=True)
    max_score = models.PositiveSmallIntegerField(gettext_lazy("满分"), default=10)
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        verbose_name = gettext_lazy("检查项目")
        verbose_name_plural = gettext_lazy("检查项目")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class PanelQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> Any:
        if scope.is_empty:
            return self.none()
        return self.filter(
            paths_q("estate_path", scope.place_paths) | Q(person_id__in=scope.person_ids)
        )


class PanelMember(TimeStampedModel):
    """A residents' representative on an estate's evaluation panel for one term
    (``defaults.PANEL_TERM_MONTHS``); nobody serves two terms in a row (``panel_rotate``)."""

    estate = models.ForeignKey(
        Place, verbose_name=gettext_lazy("小区"), on_delete=models.PROTECT, related_name="+"
    )
    estate_path = models.CharField(max_length=255, editable=False, db_index=True)
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("居民代表"),
        on_delete=models.PROTECT,
        related_name="property_panels",
    )
    term_start = models.DateField(gettext_lazy("任期开始"))
    term_end = models.DateField(gettext_lazy("任期结束"))

    objects = models.Manager.from_queryset(PanelQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("评议小组成员")
        verbose_name_plural = gettext_lazy("评议小组成员")
        ordering = ["estate_path", "-term_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "person", "term_start"], name="property_panel_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.person}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.estate_path = self.estate.path
        super().save(*args, **kwargs)


class ViaContractQuerySet(EstateScopedQuerySet):
    """Rows of a contract (scores, ratings, rectifications): seen as the contract is."""

    via = "contract__"


class InspectionQuerySet(ViaContractQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> Any:
        if scope.is_empty:
            return self.none()
        return self.filter(estate_q(scope, self.via) | Q(panelist_id__in=scope.person_ids))


class Inspection(TimeStampedModel):
    """One panelist's inspection of an estate in a month: a score per checklist item."""

    contract = models.ForeignKey(
        ServiceContract,
        verbose_name=gettext_lazy("服务合同"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    month = models.DateField(gettext_lazy("月份"))
    panelist = models.ForeignKey(
        Person, verbose_name=gettext_lazy("检查人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(gettext_lazy("说明"), max_length=500, blank=True)

    objects = models.Manager.from_queryset(InspectionQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("月度检查")
        verbose_name_plural = gettext_lazy("月度检查")
        ordering = ["-month", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "month", "panelist"], name="property_inspection_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract.estate} {self.month:%Y-%m} {self.panelist}"


class InspectionScoreQuerySet(ScopedQuerySet):
    """An item's score is seen as its inspection is."""

    def narrow(self, user: Actor | None, scope: Scope) -> Any:
        if scope.is_empty:
            return self.none()
        return self.filter(inspection__in=Inspection.objects.visible_to(user).values("pk"))


class InspectionScore(models.Model):
    """An item's score in one inspection (0 to the item's maximum)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(gettext_lazy("得分"))
    max_score = models.PositiveSmallIntegerField(gettext_lazy("满分"))
    # The ids of the item's photos (``core.uploads``, owner: this row), read only by those
    # who see the inspection.
    photos = models.JSONField(gettext_lazy("照片"), default=list, blank=True)

    objects = models.Manager.from_queryset(InspectionScoreQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("检查得分")
        verbose_name_plural = gettext_lazy("检查得分")
        ordering = ["inspection_id", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="property_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.score}/{self.max_score}"


class PanelSeesQuerySet(ViaContractQuerySet):
    """Rows of a contract that the estate's panelists (any term) see too: its published
    scores."""

    def narrow(self, user: Actor | None, scope: Scope) -> Any:
        if scope.is_empty:
            return self.none()
        panels = PanelMember.objects.filter(person_id__in=scope.person_ids).values("estate_id")
        return self.filter(estate_q(scope, self.via) | Q(contract__estate_id__in=panels))


class MonthState(models.TextChoices):
    DRAFT = "draft", gettext_lazy("待公示")
    PUBLISHED = "published", gettext_lazy("公示中")


class MonthlyScore(TimeStampedModel):
    """The month's score of a company at an estate, as computed and published."""

    contract = models.ForeignKey(
        ServiceContract,
        verbose_name=gettext_lazy("服务合同"),
        on_delete=models.PROTECT,
        related_name="monthly_scores",
    )
    month = models.DateField(gettext_lazy("月份"))
    total = models.DecimalField(gettext_lazy("得分"), max_digits=6, decimal_places=2)
    grade = models.CharField(gettext_lazy("等次"), max_length=16)
    result = models.JSONField(default=dict)
    state = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=MonthState.choices, default=MonthState.DRAFT
    )
    published_on = models.DateField(gettext_lazy("公示日期"), null=True, blank=True)
    objection_until = models.DateField(gettext_lazy("异议截止"), null=True, blank=True)

    objects = models.Manager.from_queryset(PanelSeesQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("月度评分")
        verbose_name_plural = gettext_lazy("月度评分")
        ordering = ["-month", "contract_id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="property_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.month:%Y-%m} {self.total}"


class ObjectionQuerySet(ScopedQuerySet):
    """An objection is seen as its score is."""

    def narrow(self, user: Actor | None, scope: Scope) -> Any:
        if scope.is_empty:
            return self.none()
        return self.filter(score__in=MonthlyScore.objects.visible_to(user).values("pk"))


class Objection(TimeStampedModel):
    """An objection to a published monthly score (by the company or a panelist), answered by
    the community."""

    score = models.ForeignKey(MonthlyScore, on_delete=models.PROTECT, related_name="objections")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(gettext_lazy("异议理由"), max_length=500)
    answer = models.CharField(gettext_lazy("答复"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(ObjectionQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("评分异议")
        verbose_name_plural = gettext_lazy("评分异议")
        ordering = ["-created_at"]


class RepairRating(TimeStampedModel):
    """A resident's rating of a closed property repair case at an estate: overall, speed of
    arrival and the repairer's service, each 1–5 (好差评 five levels)."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="property_rating"
    )
    contract = models.ForeignKey(
        ServiceContract, on_delete=models.PROTECT, related_name="repair_ratings"
    )
    rated_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    overall = models.PositiveSmallIntegerField(gettext_lazy("总体评价"))
    arrival = models.PositiveSmallIntegerField(gettext_lazy("上门速度"))
    service = models.PositiveSmallIntegerField(gettext_lazy("服务态度"))
    month = models.DateField(gettext_lazy("月份"))

    objects = models.Manager.from_queryset(ViaContractQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("报修评价")
        verbose_name_plural = gettext_lazy("报修评价")
        ordering = ["-created_at"]


class CreditSource(models.TextChoices):
    INSPECTION = "inspection", gettext_lazy("月度检查")
    CASE = "case", gettext_lazy("民情诉求")
    MEETING = "meeting", gettext_lazy("联席会议决议")
    RECTIFICATION = "rectification", gettext_lazy("整改")
    LAWSUIT = "lawsuit", gettext_lazy("诉讼")
    STREET = "street", gettext_lazy("街道检查")


class CreditRule(models.Model):
    """A credit rule (configuration): its points (positive good, negative bad), how long a
    record stays valid, the source of evidence it takes, and whether it blacklists outright."""

    code = models.SlugField(gettext_lazy("编码"), max_length=40, unique=True)
    label = models.CharField(gettext_lazy("名称"), max_length=60)
    reason = models.CharField(gettext_lazy("依据"), max_length=200, blank=True)
    points = models.DecimalField(gettext_lazy("分值"), max_digits=5, decimal_places=2)
    validity_days = models.PositiveSmallIntegerField(gettext_lazy("有效期(天)"), default=365)
    source = models.CharField(gettext_lazy("证据来源"), max_length=16, choices=CreditSource.choices)
    blacklist = models.BooleanField(gettext_lazy("列入黑名单"), default=False)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        verbose_name = gettext_lazy("信用规则")
        verbose_name_plural = gettext_lazy("信用规则")
        ordering = ["source", "code"]

    def __str__(self) -> str:
        return self.label


class CreditState(models.TextChoices):
    PENDING = "pending", gettext_lazy("待企业申辩")
    RESPONDED = "responded", gettext_lazy("企业已申辩")
    POSTED = "posted", gettext_lazy("已记入")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤销")


class CreditEvent(TimeStampedModel):
    """One credit record of a company: the rule, the points, the evidence it rests on (model,
    id, text, link), the company's response window, and when it stops counting."""

    company = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="property_credit_events"
    )
    contract = models.ForeignKey(
        ServiceContract, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    estate_path = models.CharField(max_length=255, blank=True, db_index=True)
    rule = models.ForeignKey(CreditRule, on_delete=models.PROTECT, related_name="events")
    points = models.DecimalField(gettext_lazy("分值"), max_digits=5, decimal_places=2)
    occurred_on = models.DateField(gettext_lazy("发生日期"))
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=CreditState.choices,
        default=CreditState.PENDING,
        db_index=True,
    )
    respond_until = models.DateField(gettext_lazy("申辩截止"))
    posted_on = models.DateField(gettext_lazy("记入日期"), null=True, blank=True)
    expires_on = models.DateField(gettext_lazy("失效日期"))
    evidence_model = models.CharField(max_length=40)
    evidence_id = models.CharField(max_length=40)
    evidence_text = models.CharField(gettext_lazy("证据"), max_length=300)
    evidence_url = models.CharField(max_length=200, blank=True)
    response = models.CharField(gettext_lazy("企业申辩"), max_length=1000, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(gettext_lazy("处理意见"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = models.Manager.from_queryset(EstateScopedQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("信用记录")
        verbose_name_plural = gettext_lazy("信用记录")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "evidence_model", "evidence_id"], name="property_credit_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.rule} {self.points}"


class RectState(models.TextChoices):
    OPEN = "open", gettext_lazy("待整改")
    RESPONDED = "responded", gettext_lazy("待复查")
    CLOSED = "closed", gettext_lazy("已整改")


class Rectification(TimeStampedModel):
    """A rectification order (整改通知) to the company: what, by when; the company answers,
    a re-inspection closes it or sends it back."""

    contract = models.ForeignKey(
        ServiceContract, on_delete=models.PROTECT, related_name="rectifications"
    )
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(gettext_lazy("整改要求"), max_length=500)
    deadline = models.DateField(gettext_lazy("整改期限"))
    state = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=RectState.choices, default=RectState.OPEN
    )
    response = models.CharField(gettext_lazy("整改情况"), max_length=1000, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    reinspection_note = models.CharField(gettext_lazy("复查意见"), max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(ViaContractQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("整改通知")
        verbose_name_plural = gettext_lazy("整改通知")
        ordering = ["state", "deadline", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyLevel(models.IntegerChoices):
    """The national 好差评 scale, five levels."""

    VERY_SATISFIED = 5, gettext_lazy("非常满意")
    SATISFIED = 4, gettext_lazy("满意")
    FAIR = 3, gettext_lazy("基本满意")
    DISSATISFIED = 2, gettext_lazy("不满意")
    VERY_DISSATISFIED = 1, gettext_lazy("非常不满意")


class SurveySample(TimeStampedModel):
    """The month's satisfaction sample at an estate: households drawn deterministically
    (``services.survey.draw``) — the same contract, month and households give the same
    sample — sized by ``Scheme.survey_size``."""

    contract = models.ForeignKey(
        ServiceContract, on_delete=models.PROTECT, related_name="survey_samples"
    )
    month = models.DateField(gettext_lazy("月份"))
    size = models.PositiveSmallIntegerField(gettext_lazy("抽样户数"))
    population = models.PositiveIntegerField(gettext_lazy("小区户数"))
    seed = models.CharField(gettext_lazy("抽样种子"), max_length=64)

    objects = models.Manager.from_queryset(ViaContractQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("满意度抽样")
        verbose_name_plural = gettext_lazy("满意度抽样")
        ordering = ["-month", "contract_id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="property_sample_once")
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.month:%Y-%m}"


class SurveyAnswerQuerySet(ScopedQuerySet):
    """A household's answer is seen by the staff over the estate, by the household itself and
    by the estate's panelists (who record doorstep answers) — never by the company."""

    def narrow(self, user: Actor | None, scope: Scope) -> Any:
        if scope.is_empty:
            return self.none()
        panels = PanelMember.objects.filter(person_id__in=scope.person_ids).values("estate_id")
        return self.filter(
            paths_q("sample__contract__estate_path", scope.place_paths)
            | Q(household_id__in=scope.household_ids)
            | Q(answered_by_id__in=scope.person_ids)
            | Q(sample__contract__estate_id__in=panels)
        )


class SurveyAnswer(TimeStampedModel):
    """One sampled household's answer: empty until a member answers (or a panelist records
    it at the door); answered once."""

    sample = models.ForeignKey(SurveySample, on_delete=models.CASCADE, related_name="answers")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        gettext_lazy("满意度"), choices=SurveyLevel.choices, null=True, blank=True
    )
    comment = models.CharField(gettext_lazy("意见建议"), max_length=300, blank=True)
    answered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager.from_queryset(SurveyAnswerQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("满意度答卷")
        verbose_name_plural = gettext_lazy("满意度答卷")
        ordering = ["sample_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "household"], name="property_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.sample} #{self.household_id}"
