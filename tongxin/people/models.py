"""Persons, households, care tags and party membership.

Personal data is reached only through ``visible_to(user)`` (see ``tongxin.core.scoping``).
A person is anchored to one place of the tree (``place``: their dwelling, or for people who
do not live here, such as in-service party members, the community they registered at);
``place_path`` copies that place's path so scoping is one indexed prefix match, and ``grid``
copies the grid above it for lists and maps. Services keep both in step.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core import clock, vault
from tongxin.core.actors import Actor, as_account
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedManager, ScopedQuerySet, paths_q
from tongxin.places.models import Place

DEFAULT_ETHNICITY = "汉族"  # i18n-data: a stored value (the official name)


class Gender(models.TextChoices):
    MALE = "M", gettext_lazy("男")
    FEMALE = "F", gettext_lazy("女")


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc", gettext_lazy("中共党员")
    CPC_PROBATIONARY = "cpc_probationary", gettext_lazy("中共预备党员")
    CYL_MEMBER = "cyl", gettext_lazy("共青团员")
    DEMOCRATIC_PARTY = "democratic", gettext_lazy("民主党派")
    MASSES = "masses", gettext_lazy("群众")


class ResidenceStatus(models.TextChoices):
    REGISTERED = "registered", gettext_lazy("户籍人口")
    FLOATING = "floating", gettext_lazy("流动人口")
    SEPARATED = "separated", gettext_lazy("人户分离")


class Relation(models.TextChoices):
    HEAD = "head", gettext_lazy("户主")
    SPOUSE = "spouse", gettext_lazy("配偶")
    CHILD = "child", gettext_lazy("子女")
    PARENT = "parent", gettext_lazy("父母")
    GRANDCHILD = "grandchild", gettext_lazy("孙子女")
    GRANDPARENT = "grandparent", gettext_lazy("祖父母")
    SIBLING = "sibling", gettext_lazy("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", gettext_lazy("儿媳/女婿")
    OTHER_RELATIVE = "relative", gettext_lazy("其他亲属")
    TENANT = "tenant", gettext_lazy("租住人员")
    OTHER = "other", gettext_lazy("其他")


class Tenure(models.TextChoices):
    OWNER = "owner", gettext_lazy("自有")
    TENANT = "tenant", gettext_lazy("租住")
    PUBLIC = "public", gettext_lazy("公租房")
    OTHER = "other", gettext_lazy("其他")


class Household(TimeStampedModel):
    """A household living in one dwelling; its members are persons with a relation to the head."""

    code = models.CharField(gettext_lazy("户编号"), max_length=40, unique=True)
    dwelling = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("住址"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"kind": "dwelling"},
    )
    place_path = models.CharField(max_length=255, editable=False)
    tenure = models.CharField(
        gettext_lazy("住房性质"), max_length=16, choices=Tenure.choices, default=Tenure.OWNER
    )
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("户")
        verbose_name_plural = gettext_lazy("户")
        indexes = [
            models.Index(
                fields=["place_path"],
                name="household_path_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("place_path", scope.person_paths) | Q(pk__in=scope.household_ids)

    def head(self) -> Person | None:
        return self.members.filter(relation=Relation.HEAD).first()


class Person(TimeStampedModel):
    """A resident (or someone who serves here). ID and phone numbers are held by the vault."""

    name = models.CharField(gettext_lazy("姓名"), max_length=50, db_index=True)
    name_pinyin = models.CharField(gettext_lazy("姓名拼音"), max_length=120, blank=True)
    name_initials = models.CharField(gettext_lazy("拼音首字母"), max_length=20, blank=True)
    gender = models.CharField(
        gettext_lazy("性别"), max_length=1, choices=Gender.choices, blank=True
    )
    birth_date = models.DateField(gettext_lazy("出生日期"), null=True, blank=True)

    id_number_cipher = models.TextField(gettext_lazy("身份证号(密文)"), blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number_last4 = models.CharField(max_length=4, blank=True, editable=False, db_index=True)
    phone_cipher = models.TextField(gettext_lazy("手机号(密文)"), blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField(
        gettext_lazy("手机号"), max_length=20, blank=True, editable=False
    )
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False, db_index=True)

    political_status = models.CharField(
        gettext_lazy("政治面貌"),
        max_length=20,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    residence_status = models.CharField(
        gettext_lazy("户籍类型"),
        max_length=16,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.REGISTERED,
    )
    ethnicity = models.CharField(
        gettext_lazy("民族"), max_length=20, blank=True, default=DEFAULT_ETHNICITY
    )
    occupation = models.CharField(gettext_lazy("职业"), max_length=50, blank=True)
    employer = models.CharField(gettext_lazy("工作单位"), max_length=100, blank=True)

    household = models.ForeignKey(
        Household,
        verbose_name=gettext_lazy("所在户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation = models.CharField(
        gettext_lazy("与户主关系"), max_length=16, choices=Relation.choices, blank=True
    )
    place = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("所属地点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="persons",
    )
    place_path = models.CharField(max_length=255, blank=True, editable=False)
    grid = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_persons",
        editable=False,
    )
    is_active = models.BooleanField(gettext_lazy("在册"), default=True)
    left_reason = models.CharField(gettext_lazy("注销原因"), max_length=50, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("居民")
        verbose_name_plural = gettext_lazy("居民")
        indexes = [
            models.Index(
                fields=["place_path"], name="person_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["name_initials"],
                name="person_initials_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_pinyin"],
                name="person_pinyin_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return (
            paths_q("place_path", scope.person_paths)
            | Q(pk__in=scope.person_ids)
            | Q(household_id__in=scope.household_ids)
        )

    # Masked views: the only forms in which these values leave the server by default.
    @property
    def id_number_masked(self) -> str:
        return vault.mask_id_number(self.id_number_last4)

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = clock.today()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


class CareKind(models.TextChoices):
    LOW_INCOME = "low_income", gettext_lazy("低保")
    EXTREME_POVERTY = "extreme_poverty", gettext_lazy("特困")
    DISABLED = "disabled", gettext_lazy("残疾")
    EMPTY_NEST = "empty_nest", gettext_lazy("空巢老人")
    WIDOWED_ALONE = "widowed_alone", gettext_lazy("孤寡老人")
    LIVING_ALONE = "living_alone", gettext_lazy("独居老人")
    LOST_ONLY_CHILD = "lost_only_child", gettext_lazy("失独家庭")
    LEFT_BEHIND_CHILD = "left_behind_child", gettext_lazy("留守儿童")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", gettext_lazy("困境儿童")
    UNEMPLOYED = "unemployed", gettext_lazy("下岗失业")
    RELEASED_PRISONER = "released_prisoner", gettext_lazy("刑释人员")
    COMMUNITY_CORRECTION = "community_correction", gettext_lazy("社区矫正")
    SERIOUS_ILLNESS = "serious_illness", gettext_lazy("重病/住院")
    ENTITLED_GROUP = "entitled_group", gettext_lazy("优抚对象")
    ADVANCED_AGE = "advanced_age", gettext_lazy("高龄老人")


class CareTag(TimeStampedModel):
    """A sensitive attribute that makes a person someone to look after. Dated, never public."""

    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("居民"),
        on_delete=models.CASCADE,
        related_name="care_tags",
    )
    kind = models.CharField(
        gettext_lazy("类别"), max_length=32, choices=CareKind.choices, db_index=True
    )
    grade = models.CharField(
        gettext_lazy("等级"),
        max_length=20,
        blank=True,
        help_text=gettext_lazy("残疾等级等，如：二级肢体"),
    )
    start_date = models.DateField(gettext_lazy("起始日期"), null=True, blank=True)
    end_date = models.DateField(gettext_lazy("终止日期"), null=True, blank=True)
    note = models.CharField(gettext_lazy("备注"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("关爱标签")
        verbose_name_plural = gettext_lazy("关爱标签")

    def __str__(self) -> str:
        return self.get_kind_display()

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        # Care tags follow care_paths only: building heads see residents, never their tags.
        return paths_q("person__place_path", scope.care_paths)

    @property
    def is_current(self) -> bool:
        today = clock.today()
        return (self.start_date is None or self.start_date <= today) and (
            self.end_date is None or self.end_date >= today
        )


class MembershipStatus(models.TextChoices):
    FULL = "full", gettext_lazy("正式党员")
    PROBATIONARY = "probationary", gettext_lazy("预备党员")


class PartyMembership(TimeStampedModel):
    """A person's membership of the party: branch, status, and 双报到 for in-service members."""

    person = models.OneToOneField(
        Person,
        verbose_name=gettext_lazy("党员"),
        on_delete=models.CASCADE,
        related_name="party_membership",
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=gettext_lazy("所在党组织"),
        on_delete=models.PROTECT,
        related_name="party_members",
    )
    status = models.CharField(
        gettext_lazy("党员类别"),
        max_length=16,
        choices=MembershipStatus.choices,
        default=MembershipStatus.FULL,
    )
    joined_date = models.DateField(gettext_lazy("入党日期"), null=True, blank=True)
    in_service = models.BooleanField(gettext_lazy("在职党员"), default=False)
    service_employer = models.CharField(gettext_lazy("工作单位"), max_length=100, blank=True)
    registered_community = models.ForeignKey(
        Place,
        verbose_name=gettext_lazy("报到社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_members",
        limit_choices_to={"kind": "community"},
    )
    registered_date = models.DateField(gettext_lazy("报到日期"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("党员信息")
        verbose_name_plural = gettext_lazy("党员信息")

    def __str__(self) -> str:
        return f"{self.person} ({self.get_status_display()})"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("person__place_path", scope.person_paths) | Q(person_id__in=scope.person_ids)


class ImportJobQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> ImportJobQuerySet:
        """An import job is seen only by the account that started it."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(created_by=as_account(user))


class ImportJob(models.Model):
    """One upload of residents and households from Excel, processed by the task worker.

    Every row is validated before anything is written; the rows are then written in one
    transaction, so a file is imported whole or not at all.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("排队中")
        VALIDATING = "validating", gettext_lazy("校验中")
        WRITING = "writing", gettext_lazy("写入中")
        DONE = "done", gettext_lazy("已完成")
        FAILED = "failed", gettext_lazy("未导入")

    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=gettext_lazy("导入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filename = models.CharField(gettext_lazy("文件名"), max_length=200)
    payload = models.BinaryField(gettext_lazy("文件内容"), null=True, blank=True, editable=False)
    status = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(gettext_lazy("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(gettext_lazy("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(gettext_lazy("新增居民数"), default=0)
    household_count = models.PositiveIntegerField(gettext_lazy("新增户数"), default=0)
    errors = models.JSONField(gettext_lazy("错误"), default=list, blank=True)
    message = models.CharField(gettext_lazy("结果说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(gettext_lazy("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(gettext_lazy("完成时间"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("导入任务")
        verbose_name_plural = gettext_lazy("导入任务")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.filename} {self.get_status_display()}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.VALIDATING, self.Status.WRITING)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))


class CorrectionField(models.TextChoices):
    """What a resident may ask to have corrected (PIPL Art. 46)."""

    NAME = "name", gettext_lazy("姓名")
    GENDER = "gender", gettext_lazy("性别")
    BIRTH_DATE = "birth_date", gettext_lazy("出生日期")
    ID_NUMBER = "id_number", gettext_lazy("身份证号")
    PHONE = "phone", gettext_lazy("手机号")
    ETHNICITY = "ethnicity", gettext_lazy("民族")
    POLITICAL_STATUS = "political_status", gettext_lazy("政治面貌")
    RESIDENCE_STATUS = "residence_status", gettext_lazy("户籍类型")
    OCCUPATION = "occupation", gettext_lazy("职业")
    EMPLOYER = "employer", gettext_lazy("工作单位")
    OTHER = "other", gettext_lazy("其他（在说明中写明）")


class CorrectionStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("待处理")
    ACCEPTED = "accepted", gettext_lazy("已更正")
    REJECTED = "rejected", gettext_lazy("未采纳")


class CorrectionRequestQuerySet(ScopedQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> CorrectionRequestQuerySet:
        """The requester sees their own requests; staff (not the 三长, who see neighbours but
        decide nothing) see requests about residents of the places their posts or grants
        cover. See ``tongxin.people.rights.correction_scope_q``."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        from .rights import correction_scope_q

        return self.filter(correction_scope_q(user))


class CorrectionRequest(models.Model):
    """A resident's request to correct their data, and the staff's decision on it.

    A requested ID or phone number is sealed by the vault like the registry's own values:
    ``requested_cipher`` holds it, ``requested_masked`` the masked form shown to everyone;
    other fields keep the requested value in ``requested_value``.
    """

    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("居民"),
        on_delete=models.CASCADE,
        related_name="correction_requests",
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        verbose_name=gettext_lazy("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    field = models.CharField(
        gettext_lazy("更正项目"), max_length=32, choices=CorrectionField.choices
    )
    requested_value = models.CharField(gettext_lazy("更正为"), max_length=200, blank=True)
    requested_cipher = models.TextField(gettext_lazy("更正为(密文)"), blank=True, editable=False)
    requested_masked = models.CharField(
        gettext_lazy("更正为(脱敏)"), max_length=40, blank=True, editable=False
    )
    note = models.CharField(gettext_lazy("说明"), max_length=300, blank=True)
    status = models.CharField(
        gettext_lazy("状态"),
        max_length=16,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.OPEN,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=gettext_lazy("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(gettext_lazy("处理时间"), null=True, blank=True)
    decision_note = models.CharField(gettext_lazy("处理意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(gettext_lazy("提交时间"), auto_now_add=True)

    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("更正申请")
        verbose_name_plural = gettext_lazy("更正申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "status"], name="correction_person_status")]

    def __str__(self) -> str:
        return f"{self.get_field_display()} {self.get_status_display()}"

    @property
    def is_sealed(self) -> bool:
        return self.field in (CorrectionField.ID_NUMBER, CorrectionField.PHONE)

    @property
    def requested_display(self) -> str:
        """The requested value as pages and exports show it: masked for sealed fields,
        choice labels for coded fields."""
        if self.is_sealed:
            return self.requested_masked
        labels = {
            CorrectionField.GENDER: Gender,
            CorrectionField.POLITICAL_STATUS: PoliticalStatus,
            CorrectionField.RESIDENCE_STATUS: ResidenceStatus,
        }
        choices = labels.get(self.field)  # type: ignore[call-overload]
        if choices is not None:
            return str(dict(choices.choices).get(self.requested_value, self.requested_value))
        return self.requested_value


class DwellingDeed(TimeStampedModel):
    """What the property register says about one dwelling: its exclusive floor area (专有部分
    面积, m², two decimals, counted exactly) and, through ``owners``, who owns it.

    Owners' decisions (民法典 Art. 278) count floor area as well as heads; the deliberation app
    freezes these rows into a vote's electorate when the vote opens.
    """

    dwelling = models.OneToOneField(
        Place,
        verbose_name=gettext_lazy("房屋"),
        on_delete=models.PROTECT,
        related_name="deed",
        limit_choices_to={"kind": "dwelling"},
    )
    place_path = models.CharField(max_length=255, editable=False)
    floor_area = models.DecimalField(
        gettext_lazy("专有部分面积(㎡)"), max_digits=10, decimal_places=2
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("房屋产权")
        verbose_name_plural = gettext_lazy("房屋产权")
        indexes = [
            models.Index(
                fields=["place_path"], name="deed_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dwelling} {self.floor_area}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("place_path", scope.person_paths)


class DwellingOwner(TimeStampedModel):
    """One owner of a dwelling and their share (1 for a sole owner; co-owners' shares add up
    to 1). A co-owned dwelling still casts one vote; one person owning several dwellings is one
    head with the areas summed (see ``tongxin.deliberation.electorate``)."""

    deed = models.ForeignKey(
        DwellingDeed,
        verbose_name=gettext_lazy("房屋产权"),
        on_delete=models.CASCADE,
        related_name="owners",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=gettext_lazy("业主"),
        on_delete=models.PROTECT,
        related_name="owned_dwellings",
    )
    share = models.DecimalField(gettext_lazy("产权份额"), max_digits=5, decimal_places=4, default=1)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("业主")
        verbose_name_plural = gettext_lazy("业主")
        constraints = [
            models.UniqueConstraint(fields=["deed", "person"], name="dwelling_owner_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.share}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return paths_q("deed__place_path", scope.person_paths) | Q(person_id__in=scope.person_ids)
