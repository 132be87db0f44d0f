"""评先评优: the honours a party organisation nominates for (优秀共产党员, 优秀党务工作者,
先进基层党组织), the quotas (configuration) and the nomination lists with their 公示
(``partylife.nominations`` writes them; ``partylife.publicity`` holds the window)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor, person_of
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.orgs.models import Organisation, OrgKind
from tongxin.people.models import Person

from . import PartyCard, officer_paths, visible_orgs


class HonourTitle(models.TextChoices):
    EXCELLENT_MEMBER = "excellent_member", gettext_lazy("优秀共产党员")
    EXCELLENT_WORKER = "excellent_worker", gettext_lazy("优秀党务工作者")
    ADVANCED_ORG = "advanced_org", gettext_lazy("先进基层党组织")


class Occasion(models.TextChoices):
    YEAR_END = "year_end", gettext_lazy("年终评先评优")
    JULY_FIRST = "july_first", gettext_lazy("七一表彰")


class NominationQuota(models.Model):
    """How many of a title an organisation may nominate (configuration, edited in the admin):
    the organisation's own row, else its level's (``organisation`` empty); none: zero."""

    org_kind = models.CharField(
        gettext_lazy("组织层级"), max_length=32, choices=OrgKind.choices, blank=True
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("党组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    title = models.CharField(gettext_lazy("表彰类别"), max_length=20, choices=HonourTitle.choices)
    count = models.PositiveSmallIntegerField(gettext_lazy("名额"))

    class Meta:
        verbose_name = gettext_lazy("评先评优名额")
        verbose_name_plural = gettext_lazy("评先评优名额")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "title"],
                condition=Q(organisation__isnull=False),
                name="nominationquota_org_once",
            ),
            models.UniqueConstraint(
                fields=["org_kind", "title"],
                condition=Q(organisation__isnull=True),
                name="nominationquota_kind_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation or self.get_org_kind_display()} {self.title} {self.count}"


class NominationState(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    SUBMITTED = "submitted", gettext_lazy("待审批")
    RETURNED = "returned", gettext_lazy("已退回")
    PUBLISHED = "published", gettext_lazy("公示中")
    FINAL = "final", gettext_lazy("已确定")


PUBLIC_NOMINATION_STATES = (NominationState.PUBLISHED, NominationState.FINAL)


class NominationListQuerySet(ScopedQuerySet):
    """The officers over the organisation see its lists in every state; a party member sees
    the published (and final) lists of their organisation and those above it."""

    def narrow(self, user: Actor | None, scope: Scope) -> NominationListQuerySet:
        q = Q(pk__in=[])
        me = person_of(user)
        if me is not None:
            from tongxin.people.models import PartyMembership

            own = PartyMembership.objects.filter(person_id=me.pk).select_related("organisation")
            prefixes = {
                m.organisation.path[:n]
                for m in own
                for n in range(
                    Organisation.steplen, len(m.organisation.path) + 1, Organisation.steplen
                )
            }
            if prefixes:
                q |= Q(state__in=PUBLIC_NOMINATION_STATES, organisation__path__in=prefixes)
        paths = officer_paths(user)
        if paths:
            q |= paths_q("organisation__path", paths) & Q(organisation__in=visible_orgs(user))
        return self.filter(q)


class NominationList(TimeStampedModel):
    """An organisation's 评先评优 nominations of a year and occasion (year end, or the 1 July
    commendations): drafted, submitted to the superior organisation, approved (published
    for its publicity window, objections answered) or returned, then final."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=gettext_lazy("推荐组织"), on_delete=models.PROTECT
    )
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    occasion = models.CharField(gettext_lazy("评选类别"), max_length=16, choices=Occasion.choices)
    state = models.CharField(
        gettext_lazy("状态"),
        max_length=12,
        choices=NominationState.choices,
        default=NominationState.DRAFT,
    )
    submitted_at = models.DateTimeField(gettext_lazy("报送时间"), null=True, blank=True)
    review_note = models.CharField(gettext_lazy("审批意见"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(gettext_lazy("审批时间"), null=True, blank=True)
    publish_from = models.DateField(gettext_lazy("公示开始"), null=True, blank=True)
    publish_until = models.DateField(gettext_lazy("公示截止"), null=True, blank=True)

    objects = models.Manager.from_queryset(NominationListQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("评先评优推荐名单")
        verbose_name_plural = gettext_lazy("评先评优推荐名单")
        ordering = ["-year", "organisation__path", "occasion"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "occasion"], name="nominationlist_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} {self.get_occasion_display()}"


class NominationQuerySet(ScopedQuerySet):
    """A nominee is seen by whoever may see its list."""

    def narrow(self, user: Actor | None, scope: Scope) -> NominationQuerySet:
        return self.filter(nomination_list__in=NominationList.objects.visible_to(user))


class Nomination(TimeStampedModel):
    """One nominee of a list: a member (优秀共产党员, 优秀党务工作者) or a branch (先进基层党组织),
    with the year's scorecard as the evidence and the deeds in brief."""

    nomination_list = models.ForeignKey(
        NominationList, on_delete=models.CASCADE, related_name="nominations"
    )
    title = models.CharField(gettext_lazy("表彰类别"), max_length=20, choices=HonourTitle.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    branch = models.ForeignKey(
        Organisation,
        verbose_name=gettext_lazy("党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    card = models.ForeignKey(
        PartyCard, verbose_name=gettext_lazy("成绩单"), on_delete=models.PROTECT, related_name="+"
    )
    deeds = models.CharField(gettext_lazy("主要事迹"), max_length=500, blank=True)

    objects = models.Manager.from_queryset(NominationQuerySet)()

    class Meta:
        verbose_name = gettext_lazy("推荐对象")
        verbose_name_plural = gettext_lazy("推荐对象")
        ordering = ["title", "-card__total", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, branch__isnull=True)
                | Q(person__isnull=True, branch__isnull=False),
                name="nomination_one_subject",
            ),
            models.UniqueConstraint(
                fields=["nomination_list", "title", "person"],
                condition=Q(person__isnull=False),
                name="nomination_person_once",
            ),
            models.UniqueConstraint(
                fields=["nomination_list", "title", "branch"],
                condition=Q(branch__isnull=False),
                name="nomination_branch_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_title_display()} {self.person or self.branch}"
