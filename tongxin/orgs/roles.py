"""Roles people hold, and what each role lets its holder see.

A post gives its holder a view of the place it is held at, downwards:
- ``STAFF`` roles see the residents of that subtree and, where ``sees_care``, their care tags;
- ``NEIGHBOUR`` roles (the 三长, officers of a building) see their neighbours' names and masked
  contacts, never care tags;
- ``NONE`` roles give no view of other people (a 党员中心户 is a resident with a duty).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy


class Role(models.TextChoices):
    STREET_OFFICER = "street_officer", gettext_lazy("街道干部")
    SECRETARY = "secretary", gettext_lazy("书记")
    DEPUTY_SECRETARY = "deputy_secretary", gettext_lazy("副书记")
    COMMITTEE_MEMBER = "committee_member", gettext_lazy("委员")
    COMMUNITY_WORKER = "community_worker", gettext_lazy("社区工作者")
    DIRECTOR = "director", gettext_lazy("主任")
    GRID_CHIEF = "grid_chief", gettext_lazy("网格长")
    GRID_WORKER = "grid_worker", gettext_lazy("网格员")
    BRANCH_SECRETARY = "branch_secretary", gettext_lazy("支部书记")
    ESTATE_HEAD = "estate_head", gettext_lazy("小区长")
    BUILDING_HEAD = "building_head", gettext_lazy("楼栋长")
    UNIT_HEAD = "unit_head", gettext_lazy("单元长")
    GROUP_LEADER = "group_leader", gettext_lazy("党小组长")
    SANITATION_OFFICER = "sanitation_officer", gettext_lazy("卫生员")
    SECURITY_OFFICER = "security_officer", gettext_lazy("治安员")
    CULTURE_OFFICER = "culture_officer", gettext_lazy("文体员")
    PROPERTY_OFFICER = "property_officer", gettext_lazy("物管员")
    CENTRE_HOUSEHOLD = "centre_household", gettext_lazy("党员中心户")
    SUPERVISOR = "supervisor", gettext_lazy("监督员")
    DEPARTMENT_OFFICER = "department_officer", gettext_lazy("部门工作人员")
    MEMBER = "member", gettext_lazy("成员")
    # A co-building unit's contact with its alliance (联络员), and a unit leader sitting on the
    # community's 大党委 part-time (兼职委员): posts in the unit, seeing nobody else.
    LIAISON = "liaison", gettext_lazy("联络员")
    PART_TIME_MEMBER = "part_time_member", gettext_lazy("兼职委员")


class View(models.TextChoices):
    STAFF = "staff", gettext_lazy("工作人员")
    NEIGHBOUR = "neighbour", gettext_lazy("邻里")
    NONE = "none", gettext_lazy("无")


@dataclass(frozen=True)
class RoleRule:
    view: str
    sees_care: bool = False


ROLE_RULES: dict[str, RoleRule] = {
    Role.STREET_OFFICER: RoleRule(View.STAFF),
    Role.SECRETARY: RoleRule(View.STAFF, sees_care=True),
    Role.DEPUTY_SECRETARY: RoleRule(View.STAFF, sees_care=True),
    Role.COMMITTEE_MEMBER: RoleRule(View.STAFF),
    Role.COMMUNITY_WORKER: RoleRule(View.STAFF),
    Role.DIRECTOR: RoleRule(View.STAFF, sees_care=True),
    Role.GRID_CHIEF: RoleRule(View.STAFF, sees_care=True),
    Role.GRID_WORKER: RoleRule(View.STAFF, sees_care=True),
    Role.BRANCH_SECRETARY: RoleRule(View.NEIGHBOUR),
    Role.ESTATE_HEAD: RoleRule(View.NEIGHBOUR),
    Role.BUILDING_HEAD: RoleRule(View.NEIGHBOUR),
    Role.UNIT_HEAD: RoleRule(View.NEIGHBOUR),
    Role.GROUP_LEADER: RoleRule(View.NEIGHBOUR),
    Role.SANITATION_OFFICER: RoleRule(View.NONE),
    Role.SECURITY_OFFICER: RoleRule(View.NONE),
    Role.CULTURE_OFFICER: RoleRule(View.NONE),
    Role.PROPERTY_OFFICER: RoleRule(View.NONE),
    Role.CENTRE_HOUSEHOLD: RoleRule(View.NONE),
    Role.SUPERVISOR: RoleRule(View.NONE),
    Role.DEPARTMENT_OFFICER: RoleRule(View.NONE),
    Role.MEMBER: RoleRule(View.NONE),
    Role.LIAISON: RoleRule(View.NONE),
    Role.PART_TIME_MEMBER: RoleRule(View.NONE),
}


class Duty(models.TextChoices):
    """What someone is responsible *for*; each duty has its own chain of roles by level."""

    GENERAL = "general", gettext_lazy("综合管理")
    PARTY = "party", gettext_lazy("党建")
    CARE = "care", gettext_lazy("关爱走访")
    SANITATION = "sanitation", gettext_lazy("环境卫生")
    SECURITY = "security", gettext_lazy("治安消防")


# The default chains (五级负责): for each duty, per place kind, the roles to try in order.
# Stored as data (DutyRule) by a migration and editable in the admin; this is the seed.
DEFAULT_DUTY_CHAINS: dict[str, dict[str, list[str]]] = {
    Duty.GENERAL: {
        "dwelling": [Role.CENTRE_HOUSEHOLD],
        "unit": [Role.UNIT_HEAD],
        "building": [Role.BUILDING_HEAD],
        "estate": [Role.ESTATE_HEAD],
        "grid": [Role.GRID_WORKER, Role.GRID_CHIEF],
        "community": [Role.SECRETARY, Role.DIRECTOR, Role.DEPUTY_SECRETARY],
        "street": [Role.STREET_OFFICER],
    },
    Duty.PARTY: {
        "dwelling": [Role.CENTRE_HOUSEHOLD],
        "building": [Role.GROUP_LEADER],
        "estate": [Role.GROUP_LEADER],
        "grid": [Role.BRANCH_SECRETARY],
        "community": [Role.SECRETARY, Role.DEPUTY_SECRETARY],
        "street": [Role.STREET_OFFICER],
    },
    Duty.CARE: {
        "building": [Role.BUILDING_HEAD],
        "grid": [Role.GRID_WORKER, Role.GRID_CHIEF],
        "community": [Role.COMMUNITY_WORKER, Role.SECRETARY],
        "street": [Role.STREET_OFFICER],
    },
    Duty.SANITATION: {
        "building": [Role.SANITATION_OFFICER, Role.BUILDING_HEAD],
        "estate": [Role.ESTATE_HEAD],
        "grid": [Role.GRID_WORKER],
        "community": [Role.COMMITTEE_MEMBER, Role.SECRETARY],
        "street": [Role.STREET_OFFICER],
    },
    Duty.SECURITY: {
        "building": [Role.SECURITY_OFFICER, Role.BUILDING_HEAD],
        "estate": [Role.ESTATE_HEAD],
        "grid": [Role.GRID_WORKER],
        "community": [Role.COMMITTEE_MEMBER, Role.SECRETARY],
        "street": [Role.STREET_OFFICER],
    },
}
