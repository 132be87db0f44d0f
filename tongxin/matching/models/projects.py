"""项目清单: projects of co-building units and the community's party committee.

A ``Project`` takes in one or several needs (``ProjectNeed``; the needs leave the claiming
list while the project holds them), has owner units (``orgs.Organisation``), a budget, a money
account in the volunteering ledger (``account``, kind ``project``, unit fen) with every movement
an append-only ``ProjectMoney`` row beside its ledger transaction, milestones, and a close-off
record. Money is integer fen (0.01 元); never floats.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core import clock, trees
from tongxin.core.actors import Actor
from tongxin.core.models import AppendOnlyModel, AppendOnlyScopedManager, TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.orgs.models import Organisation
from tongxin.places.models import Place
from tongxin.volunteering.models import Account, LedgerTransaction

from .common import home_community_paths
from .needs import Need


class ProjectState(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("已立项")
    APPROVED = "approved", gettext_lazy("已批准")
    RUNNING = "running", gettext_lazy("实施中")
    CLOSED = "closed", gettext_lazy("已结项")
    CANCELLED = "cancelled", gettext_lazy("已撤销")


# What the residents of the community see: a project once approved (not a proposal, not a
# cancelled one).
PUBLIC_PROJECT_STATES = (ProjectState.APPROVED, ProjectState.RUNNING, ProjectState.CLOSED)


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", gettext_lazy("全部完成")
    PARTIAL = "partial", gettext_lazy("部分完成")
    NOT_ACHIEVED = "not_achieved", gettext_lazy("未完成")


class ProjectQuerySet(ScopedQuerySet):
    """Projects are the community's, not personal data: its staff (the community's managers
    and the grid workers inside it) see every one; holders of a post in an owner unit see
    their units' projects; the residents of the community see the approved, running and
    closed ones (the public face, ``project_selectors.project_out``)."""

    def narrow(self, user: Actor | None, scope: Scope) -> ProjectQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        staff_paths = trees.ancestors_of_all(scope.case_paths, Place.steplen, include_self=True)
        q = (
            paths_q("community__path", scope.manager_paths)
            | paths_q("community__path", scope.case_paths)
            | Q(community__path__in=staff_paths)
            | Q(
                state__in=PUBLIC_PROJECT_STATES,
                community__path__in=home_community_paths(user, scope),
            )
        )
        if scope.org_ids:
            q |= Q(
                pk__in=Project.owners.through.objects.filter(
                    organisation_id__in=scope.org_ids
                ).values("project_id")
            )
        return self.filter(q)


class Project(TimeStampedModel):
    """A 共建实事项目 / 盟友聚力 project: owner units, budget and money, milestones, close-off.

    ``raised`` and ``spent`` are the figures (kept in step with the ``ProjectMoney`` rows and
    the ledger, under the project's row lock); the balance is the ledger account's and always
    equals raised − spent."""

    community = models.ForeignKey(
        Place, verbose_name=gettext_lazy("社区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(gettext_lazy("项目名称"), max_length=80)
    description = models.CharField(gettext_lazy("项目内容"), max_length=1000, blank=True)
    owners = models.ManyToManyField(
        Organisation, verbose_name=gettext_lazy("牵头单位"), related_name="+"
    )
    budget = models.PositiveBigIntegerField(gettext_lazy("预算(分)"), default=0)
    starts_on = models.DateField(gettext_lazy("开始日期"), null=True, blank=True)
    ends_on = models.DateField(gettext_lazy("计划完成日期"), null=True, blank=True)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=ProjectState.choices,
        default=ProjectState.PROPOSED,
        db_index=True,
    )
    account = models.OneToOneField(
        Account, verbose_name=gettext_lazy("资金账户"), on_delete=models.PROTECT, related_name="+"
    )
    raised = models.PositiveBigIntegerField(gettext_lazy("已筹(分)"), default=0)
    spent = models.PositiveBigIntegerField(gettext_lazy("已支(分)"), default=0)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("立项人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(gettext_lazy("批准时间"), null=True, blank=True)
    # The close-off record (结项): what was done, how it went, how many it helped.
    summary = models.CharField(gettext_lazy("结项总结"), max_length=1000, blank=True)
    outcome = models.CharField(
        gettext_lazy("完成情况"), max_length=16, choices=Outcome.choices, blank=True
    )
    beneficiaries = models.PositiveIntegerField(gettext_lazy("受益人数"), null=True, blank=True)
    waiver = models.CharField(gettext_lazy("未完成节点说明"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("结项人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(gettext_lazy("结项时间"), null=True, blank=True)
    cancel_reason = models.CharField(gettext_lazy("撤销原因"), max_length=300, blank=True)

    objects = models.Manager.from_queryset(ProjectQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("项目")
        verbose_name_plural = gettext_lazy("项目清单")

    def __str__(self) -> str:
        return self.title

    @property
    def balance(self) -> int:
        return self.raised - self.spent


class ProjectPartQuerySet(ScopedQuerySet):
    """A project's parts (its milestones, the needs it took in) are seen with the project;
    a need taken in, only as far as the need itself may be seen."""

    def narrow(self, user: Actor | None, scope: Scope) -> ProjectPartQuerySet:
        qs = self.filter(project__in=Project.objects.visible_to(user).values("pk"))
        if self.model is ProjectNeed:
            qs = qs.filter(need__in=Need.objects.visible_to(user).values("pk"))
        return qs


class ProjectNeed(models.Model):
    """A need the project took in. The need's own state is ``in_project`` while the project
    runs (off the claiming list), ``closed`` with the project's close-off, and back to
    ``verified`` if the project is cancelled (the community may list it again)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="links")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("纳入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(gettext_lazy("纳入时间"))

    objects = models.Manager.from_queryset(ProjectPartQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("项目需求")
        verbose_name_plural = gettext_lazy("项目需求")
        constraints = [
            models.UniqueConstraint(fields=["project", "need"], name="project_need_once")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.need_id}"


class Milestone(TimeStampedModel):
    """A step of the project with its due date; done with a note of the evidence (a photo's
    whereabouts, the acceptance sheet's number…)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(gettext_lazy("节点"), max_length=80)
    due_on = models.DateField(gettext_lazy("计划日期"))
    done_at = models.DateTimeField(gettext_lazy("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evidence = models.CharField(gettext_lazy("完成凭证"), max_length=300, blank=True)

    objects = models.Manager.from_queryset(ProjectPartQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("项目节点")
        verbose_name_plural = gettext_lazy("项目节点")
        ordering = ("due_on", "id")

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.due_on < clock.today()


class MoneyKind(models.TextChoices):
    RAISE = "raise", gettext_lazy("筹资")
    SPEND = "spend", gettext_lazy("支出")


class ProjectMoney(AppendOnlyModel):
    """One movement of a project's money, beside its ledger transaction (which holds the
    money): a contribution in (from a unit or a person, by name) or an expense out (with its
    purpose and receipt number)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="money")
    kind = models.CharField(gettext_lazy("类型"), max_length=8, choices=MoneyKind.choices)
    amount = models.PositiveBigIntegerField(gettext_lazy("金额(分)"))
    contributor = models.CharField(gettext_lazy("出资方"), max_length=60, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("出资单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.CharField(gettext_lazy("用途"), max_length=200, blank=True)
    receipt_no = models.CharField(gettext_lazy("票据号"), max_length=60, blank=True)
    tx = models.ForeignKey(
        LedgerTransaction,
        verbose_name=gettext_lazy("记账"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("经手人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(gettext_lazy("时间"), db_index=True)

    objects: ClassVar[AppendOnlyScopedManager[ProjectMoney]] = AppendOnlyScopedManager()

    class Meta:
        verbose_name = gettext_lazy("项目收支")
        verbose_name_plural = gettext_lazy("项目收支")

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("project__community__path", scope.manager_paths)
