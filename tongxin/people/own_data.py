"""Residents' right to see and copy their own data (PIPL Art. 44-45).

``my_data_access`` gathers everything the registry links to the signed-in user's person as
sections of labelled items; the page, the JSON export and the CSV export all render from them,
so the three never disagree. The resident's own ID and phone numbers are shown in full (it is
their own data), and every view or download is audited as ``self_access``. Other people appear
only as far as the resident needs to understand their own record: household members by name and
relation, staff who processed their data by role and unit (never by name).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit, clock, csvsafe, vault
from tongxin.core.actors import Actor, as_account
from tongxin.core.models import AuditEvent
from tongxin.places.models import Place

from . import contributions
from .models import CareKind, CareTag, CorrectionField, CorrectionRequest, PartyMembership, Person
from .rights import SEALED_CONTEXTS, own_person

if TYPE_CHECKING:
    from tongxin.accounts.models import User

CHANNELS = {"page": gettext_lazy("页面"), "json": "JSON", "csv": "CSV"}
PAGE_RECORD_LIMIT = 100
EXPORT_FORMAT = "tongxin-my-data/1"

# Every model with a link to a person must be covered by the access right: the test
# ``test_every_model_linking_a_person_is_in_my_data`` fails when a new one is not listed here.
# The value names the section that shows it.
LINKED_MODELS = {
    "people.person": "person",
    "people.caretag": "care_tags",
    "people.partymembership": "party_membership",
    "people.correctionrequest": "correction_requests",
    "accounts.user": "account",
}

# Sections other apps contribute (cases, messages, volunteering…), registered from their
# ``AppConfig.ready`` with ``register_sections``: each builder answers the sections for the
# signed-in user and their person.
SectionBuilder = Callable[[Any, Person], list["Section"]]
EXTRA_BUILDERS: list[SectionBuilder] = []
# Builders whose sections go right after a given section rather than with the other apps'.
PLACED_AFTER: dict[SectionBuilder, str] = {}


def register_sections(
    models: dict[str, str], builder: SectionBuilder, *, after: str | None = None
) -> None:
    """Add an app's models (label → section key) and the builder of their sections; with
    ``after``, its sections follow that section (the posts follow the party membership)."""
    LINKED_MODELS.update(models)
    if builder not in EXTRA_BUILDERS:
        EXTRA_BUILDERS.append(builder)
    if after is not None:
        PLACED_AFTER[builder] = after


@dataclass
class Item:
    """One labelled value: ``key`` for JSON, ``label`` for people."""

    key: str
    label: str
    value: Any

    @property
    def text(self) -> str:
        return display(self.value)


@dataclass
class Section:
    """One kind of data: a single record (``many`` False) or a list of records."""

    key: str
    title: str
    many: bool
    records: list[list[Item]] = field(default_factory=list)
    note: str = ""
    total: int | None = None  # when the page shows fewer records than there are

    @property
    def labels(self) -> list[str]:
        return [i.label for i in self.records[0]] if self.records else []


@dataclass
class MyData:
    """Everything the registry links to one person, ready to show or export."""

    person: Person
    generated_at: dt.datetime
    sections: list[Section]

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        labels: dict[str, Any] = {}
        for s in self.sections:
            records = [{i.key: json_value(i.value) for i in r} for r in s.records]
            data[s.key] = records if s.many else (records[0] if records else None)
            labels[s.key] = {"_title": s.title}
            for r in s.records[:1]:
                labels[s.key].update({i.key: i.label for i in r})
        return {
            "format": EXPORT_FORMAT,
            "generated_at": json_value(self.generated_at),
            "data": data,
            "labels": labels,
        }

    def json_bytes(self) -> bytes:
        return json.dumps(
            self.as_json(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
        ).encode()

    def csv_rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = [[_("类别"), _("序号"), _("项目"), _("内容")]]
        for s in self.sections:
            if not s.records:
                rows.append([s.title, "", "", _("（无）")])
            for n, record in enumerate(s.records, start=1):
                for item in record:
                    rows.append([s.title, n if s.many else "", item.label, item.text])
        return rows

    def csv_text(self) -> str:
        return csvsafe.to_text(self.csv_rows())


def display(value: Any) -> str:
    """How a value reads on the page and in the CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.datetime):
        return clock.local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return clock.local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _address(place: Place | None) -> str:
    """小区3栋1单元302室: the names below the street level, from one query."""
    if place is None:
        return ""
    paths = [*place.ancestor_paths(), place.path]
    names = {
        p.path: p.name
        for p in Place.objects.filter(path__in=paths).exclude(
            kind__in=["district", "street", "grid"]
        )
    }
    return "".join(names.get(p, "") for p in paths)


def _sealed(person: Person, name: str) -> str:
    cipher = person.id_number_cipher if name == "id_number" else person.phone_cipher
    return vault.decrypt(cipher, context=SEALED_CONTEXTS[name]) if cipher else ""


def _person_section(person: Person) -> Section:
    items = [
        Item("name", _("姓名"), person.name),
        Item("gender", _("性别"), person.get_gender_display()),
        Item("birth_date", _("出生日期"), person.birth_date),
        Item("id_number", _("身份证号"), _sealed(person, "id_number")),
        Item("phone", _("手机号"), _sealed(person, "phone")),
        Item("ethnicity", _("民族"), person.ethnicity),
        Item("political_status", _("政治面貌"), person.get_political_status_display()),
        Item("residence_status", _("户籍类型"), person.get_residence_status_display()),
        Item("occupation", _("职业"), person.occupation),
        Item("employer", _("工作单位"), person.employer),
        Item("address", _("登记地址"), _address(person.place)),
        Item("grid", _("所属网格"), person.grid.name if person.grid else ""),
        Item("is_active", _("在册"), person.is_active),
        Item("left_reason", _("注销原因"), person.left_reason),
        Item("created_at", _("登记时间"), person.created_at),
        Item("updated_at", _("最近更新"), person.updated_at),
    ]
    return Section("person", _("基本信息"), False, [items])


def _account_section(user: User) -> Section:
    items = [
        Item("username", _("登录账号"), user.username),
        Item("display_name", _("显示名"), user.display_name),
        Item("date_joined", _("开通时间"), user.date_joined),
        Item("last_login", _("最近登录"), user.last_login),
    ]
    return Section("account", _("账号"), False, [items])


def _household_sections(user: Actor, person: Person) -> list[Section]:
    household = person.household
    home = Section("household", _("所在户"), False)
    members = Section(
        "household_members",
        _("同户成员"),
        True,
        note=_("同户成员是其他人的个人信息，这里只列姓名和与户主关系。"),
    )
    if household is None:
        return [home, members]
    home.records.append(
        [
            Item("code", _("户编号"), household.code),
            Item("address", _("住址"), _address(household.dwelling)),
            Item("tenure", _("住房性质"), household.get_tenure_display()),
            Item("relation", _("本人与户主关系"), person.get_relation_display()),
        ]
    )
    others = (
        Person.objects.visible_to(user)
        .filter(household=household, is_active=True)
        .exclude(pk=person.pk)
        .order_by("id")
    )
    for m in others:
        members.records.append(
            [
                Item("name", _("姓名"), m.name),
                Item("relation", _("与户主关系"), m.get_relation_display()),
            ]
        )
    return [home, members]


def _care_section(person: Person) -> Section:
    # The resident's own care tags are theirs to see (PIPL Art. 45), although their account's
    # scope shows care tags of nobody, themself included: they are read here by the person
    # already reached through the choke point.
    section = Section(
        "care_tags",
        _("关爱标签"),
        True,
        note=_("关爱标签属于敏感个人信息，仅本人和负责的工作人员可见。"),
    )
    for t in CareTag.objects.filter(person=person).order_by("start_date", "id"):
        section.records.append(
            [
                Item("kind", _("类别"), t.get_kind_display()),
                Item("grade", _("等级"), t.grade),
                Item("start_date", _("起始日期"), t.start_date),
                Item("end_date", _("终止日期"), t.end_date),
                Item("note", _("备注"), t.note),
            ]
        )
    return section


def _membership_section(person: Person) -> Section:
    section = Section("party_membership", _("党员信息"), False)
    m = (
        PartyMembership.objects.filter(person=person)
        .select_related("organisation", "registered_community")
        .first()
    )
    if m is not None:
        section.records.append(
            [
                Item("organisation", _("所在党组织"), m.organisation.name),
                Item("status", _("党员类别"), m.get_status_display()),
                Item("joined_date", _("入党日期"), m.joined_date),
                Item("in_service", _("在职党员"), m.in_service),
                Item("service_employer", _("工作单位"), m.service_employer),
                Item(
                    "registered_community",
                    _("报到社区"),
                    m.registered_community.name if m.registered_community else "",
                ),
                Item("registered_date", _("报到日期"), m.registered_date),
            ]
        )
    return section


def _correction_section(person: Person) -> Section:
    section = Section("correction_requests", _("更正申请"), True)
    for c in CorrectionRequest.objects.filter(person=person).order_by("created_at", "id"):
        section.records.append(
            [
                Item("field", _("更正项目"), c.get_field_display()),
                Item("requested_value", _("更正为"), c.requested_display),
                Item("note", _("说明"), c.note),
                Item("status", _("状态"), c.get_status_display()),
                Item("created_at", _("提交时间"), c.created_at),
                Item("decided_at", _("处理时间"), c.decided_at),
                Item("decision_note", _("处理意见"), c.decision_note),
            ]
        )
    return section


def _import_section(user: Actor) -> Section:
    from .models import ImportJob

    section = Section(
        "import_jobs",
        _("我提交的导入任务"),
        True,
        note=_("出错行的内容是文件中其他居民的信息，这里只列出错行数。"),
    )
    for j in ImportJob.objects.visible_to(user).order_by("created_at", "id"):
        section.records.append(
            [
                Item("filename", _("文件名"), j.filename),
                Item("status", _("状态"), j.get_status_display()),
                Item("created_at", _("提交时间"), j.created_at),
                Item("finished_at", _("完成时间"), j.finished_at),
                Item("total_rows", _("总行数"), j.total_rows),
                Item("created_count", _("新增居民数"), j.created_count),
                Item("household_count", _("新增户数"), j.household_count),
                Item("error_count", _("出错行数"), len(j.errors or [])),
            ]
        )
    return section


# The audit actions a resident may meet about themself, in words.
ACTION_LABELS = {
    "person_create": gettext_lazy("登记个人信息"),
    "person_update": gettext_lazy("修改个人信息"),
    "pii_reveal": gettext_lazy("查看完整号码"),
    "pii_reveal_denied": gettext_lazy("查看完整号码（被拒绝）"),
    "care_tag_add": gettext_lazy("添加关爱标签"),
    "self_access": gettext_lazy("本人查阅或下载个人信息"),
    "correction_request": gettext_lazy("提交更正申请"),
    "correction_accept": gettext_lazy("采纳更正申请"),
    "correction_reject": gettext_lazy("未采纳更正申请"),
    "person_erase": gettext_lazy("依法删除个人信息"),
    "people_export": gettext_lazy("导出居民名单"),
    "people_import": gettext_lazy("导入居民名单"),
}
FIELD_LABELS = {
    **dict(CorrectionField.choices),
    "id_number": gettext_lazy("身份证号"),
    "phone": gettext_lazy("手机号"),
}
# Only these keys of an audit row's detail are shown to the data subject: they say what was
# done and why, and hold nothing about anyone else.
DETAIL_KEYS = {
    "field": gettext_lazy("项目"),
    "channel": gettext_lazy("方式"),
    "kind": gettext_lazy("类别"),
    "reason": gettext_lazy("事由"),
}


def _detail_text(detail: dict[str, Any]) -> str:
    parts = []
    for key, label in DETAIL_KEYS.items():
        value = detail.get(key)
        if not value:
            continue
        if key == "field":
            value = FIELD_LABELS.get(str(value), value)
        elif key == "channel":
            value = CHANNELS.get(str(value), value)
        elif key == "kind":
            value = dict(CareKind.choices).get(str(value), value)
        parts.append(f"{label}：{value}")
    return "；".join(parts)


def _actor_units(events: list[AuditEvent], me: Any) -> dict[tuple[int, str], str]:
    """For each (staff account, role label) in ``events``, the place or organisation where
    they held that role: the unit that processed the data, without the staff member's name
    (the posts are the orgs app's: it answers through ``contributions``)."""
    from tongxin.accounts.models import User

    actor_ids = {e.actor_id for e in events if e.actor_id and e.actor_id != me.pk}
    if not actor_ids:
        return {}
    accounts = {u.pk: u for u in User.objects.filter(pk__in=actor_ids).only("pk", "person_id")}
    return contributions.units_of(events, accounts)


def _records_section(user: Actor, person: Person, *, limit: int | None) -> Section:
    section = Section(
        "processing_records",
        _("个人信息处理记录"),
        True,
        note=_("处理您信息的工作人员只显示角色和所在单位；如需了解具体经办人，请向社区提出。"),
    )
    qs = AuditEvent.objects.filter(subject_person_id=person.pk).order_by("-at", "-id")
    total = qs.count()
    events = list(qs[:limit] if limit else qs)
    if limit and total > limit:
        section.total = total
    units = _actor_units(events, user)
    results = dict(AuditEvent.Result.choices)
    for e in events:
        if e.actor_id == user.pk:
            who, role, unit = _("本人"), "", ""
        elif e.actor_id is None:
            who, role, unit = _("系统"), "", ""
        else:
            who, role = _("工作人员"), e.role
            unit = units.get((e.actor_id, e.role), "")
        section.records.append(
            [
                Item("at", _("时间"), e.at),
                Item("action", _("事项"), ACTION_LABELS.get(e.action, e.action)),
                Item("actor", _("操作方"), who),
                Item("actor_role", _("角色"), role),
                Item("actor_unit", _("所在单位/地点"), unit),
                Item("result", _("结果"), results.get(e.result, e.result)),
                Item("detail", _("说明"), _detail_text(e.detail or {})),
            ]
        )
    return section


def my_data_access(*, actor: Actor, channel: str) -> MyData:
    """Everything the registry links to ``actor``'s person. The access is audited first, so the
    record of it is part of what the resident sees."""
    if channel not in CHANNELS:
        raise ValueError(channel)
    person = own_person(actor)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="self_access",
            obj=person,
            subject_person_id=person.pk,
            detail={"channel": channel},
        )
    sections = [
        _person_section(person),
        _account_section(as_account(actor)),
        *_household_sections(actor, person),
        _care_section(person),
        _membership_section(person),
        _correction_section(person),
        _import_section(actor),
        *[
            section
            for build in EXTRA_BUILDERS
            if build not in PLACED_AFTER
            for section in build(actor, person)
        ],
        _records_section(actor, person, limit=PAGE_RECORD_LIMIT if channel == "page" else None),
    ]
    for build, key in PLACED_AFTER.items():
        at = next((i for i, s in enumerate(sections) if s.key == key), len(sections) - 1)
        sections[at + 1 : at + 1] = build(actor, person)
    return MyData(person=person, generated_at=clock.now(), sections=sections)
