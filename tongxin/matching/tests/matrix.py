"""Service matching's rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and
the subjects they are tried on, all in the demo community:

- a need the resident posted for their own household (grid A, state ``posted``): the resident,
  the grid's worker and the community's secretary see it; the grid worker and the secretary
  may verify it (it stays 409 for whoever comes second) and read the suggestions;
- the resident's own offer in the resource list: the resident and the community's managers;
- a running project (项目清单) of the community's co-building unit with a milestone: the
  people of the community read it, its managers act on it;
- a running wish campaign, and a published wish of a grid-A resident outside every demo
  user's household: its card is on the wall for the people of the community; anyone of them
  may claim it (the resident, tried first, wins; the others get 409); the staff over it
  verify and hand it over.
"""

from __future__ import annotations

from typing import Any

from tongxin.core.tests.matrix_roles import PEOPLE_ROLES, SIGNED_IN

COMMUNITY = frozenset({"resident", "building", "grid1", "grid2", "secretary"})
STAFF = frozenset({"grid1", "secretary"})
SEC = frozenset({"secretary"})
NEED_PARTIES = frozenset({"resident", "grid1", "secretary"})

# name → (allowed, kind, method, data)
RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    # Pages (the same subjects).
    "matching:needs": (NEED_PARTIES, "list", "GET", {}),
    "matching:needs_export": (SEC, "object", "GET", {}),
    "matching:need_new": (PEOPLE_ROLES, "object", "GET", {}),
    "matching:need": (NEED_PARTIES, "object", "GET", {}),
    "matching:need_act": (STAFF, "object", "POST", {"method": "phone"}),
    "matching:wishes": (COMMUNITY, "list", "GET", {}),
    "matching:wish_claim": (COMMUNITY, "object", "POST", {}),
    "matching:station": (COMMUNITY, "object", "GET", {}),
    # API.
    "api:create_need": (PEOPLE_ROLES, "object", "POST", {"kind": "service", "description": "矩阵"}),
    "api:list_needs": (NEED_PARTIES, "list", "GET", {}),
    "api:get_need": (NEED_PARTIES, "object", "GET", {}),
    "api:need_action": (STAFF, "object", "POST", {"method": "phone"}),
    "api:need_suggestions": (STAFF, "object", "GET", {}),
    # The resident's phone: the resident and the staff over them (the claimer once claimed,
    # tests/test_reveal_phone.py); the others do not see the need.
    "api:reveal_need_phone": (NEED_PARTIES, "object", "POST", {"reason": "矩阵测试联系"}),
    "api:create_resource": (COMMUNITY, "object", "POST", {"kind": "member"}),
    "api:list_resources": (frozenset({"resident", "secretary"}), "list", "GET", {}),
    "api:list_wish_campaigns": (SIGNED_IN, "signed_in", "GET", {}),
    "api:create_wish_campaign": (SEC, "object", "POST", {"title": "矩阵测试"}),
    # No person named: 422 for those who may collect.
    "api:collect_wish": (frozenset({"grid1", "grid2", "secretary"}), "object", "POST", {}),
    "api:list_wishes": (COMMUNITY, "list", "GET", {}),
    "api:publish_wish": (STAFF, "object", "POST", {"method": "phone"}),
    "api:claim_wish": (COMMUNITY, "object", "POST", {}),
    "api:fulfil_wish": (STAFF, "object", "POST", {"receipt_by": "wisher"}),
    # 邻里互助站: the stock is the community's; the books and the fund are its managers'.
    # Writes without their fields: 422 for the secretary, refused for everyone else.
    "api:list_stations": (SIGNED_IN, "signed_in", "GET", {}),
    "api:create_station": (SEC, "object", "POST", {"name": "矩阵互助站"}),
    "api:get_station": (COMMUNITY, "object", "GET", {}),
    "api:receive_donation": (SEC, "object", "POST", {}),
    "api:station_donors": (SEC, "object", "GET", {}),
    "api:register_family": (SEC, "object", "POST", {}),
    "api:give_goods": (SEC, "object", "POST", {}),
    "api:get_fund": (SEC, "object", "GET", {}),
    "api:donate_to_fund": (SEC, "object", "POST", {}),
    "api:help_from_fund": (SEC, "object", "POST", {}),
    # 项目清单: a running project of the demo community, owned by its co-building unit. The
    # people of the community read it (residents its public face); its managers act. Acts
    # without their fields: 422 (or a message and a redirect on a page) for the secretary,
    # 403 for the others who see it.
    "matching:projects": (COMMUNITY, "list", "GET", {}),
    "matching:projects_export": (SEC, "object", "GET", {}),
    "matching:project_new": (SEC, "object", "GET", {}),
    "matching:project": (COMMUNITY, "object", "GET", {}),
    "matching:project_act": (SEC, "object", "POST", {}),
    "matching:project_milestone_add": (SEC, "object", "POST", {}),
    "matching:project_milestone_done": (SEC, "object", "POST", {}),
    "matching:project_money": (SEC, "object", "POST", {}),
    "api:list_projects": (COMMUNITY, "list", "GET", {}),
    "api:create_project": (SEC, "object", "POST", {"title": "矩阵项目"}),
    "api:get_project": (COMMUNITY, "object", "GET", {}),
    "api:project_action": (SEC, "object", "POST", {}),
    "api:add_project_needs": (SEC, "object", "POST", {}),
    "api:add_milestone": (SEC, "object", "POST", {}),
    "api:complete_milestone": (SEC, "object", "POST", {}),
    "api:raise_funds": (SEC, "object", "POST", {}),
    "api:spend_funds": (SEC, "object", "POST", {}),
}

ARGUMENTS = {
    "need_id": "need",
    "campaign_id": "campaign",
    "wish_id": "wish",
    "station_id": "station",
    "project_id": "project",
    "milestone_id": "milestone",
}
PATH_WORDS = {"need_act": "verify", "project_act": "cancel"}


def subject(demo: Any) -> dict[str, Any]:
    from tongxin.accounts.models import User
    from tongxin.matching import services
    from tongxin.people.models import Person
    from tongxin.volunteering.models import community_of_path

    resident, secretary = demo.user("resident"), demo.user("secretary")
    community = community_of_path(resident.person.place_path)
    need = services.need_post(
        actor=resident, kind="repair", description="矩阵测试：水管漏水", urgency="normal"
    )
    resource = services.resource_register(
        actor=resident, kind="member", community=community, need_kinds=["repair"]
    )
    campaign = services.campaign_create(actor=secretary, community=community, title="矩阵心愿")
    campaign = services.campaign_set_state(actor=secretary, campaign=campaign, state="running")
    households = User.objects.filter(person__household__isnull=False).values("person__household_id")
    wisher = (
        Person.objects.filter(place_path__startswith=demo.grid(1).path, is_active=True)
        .exclude(household_id__in=households)
        .exclude(pk__in=User.objects.filter(person__isnull=False).values("person_id"))
        .order_by("id")
        .first()
    )
    wish = services.wish_collect(
        actor=demo.user("grid1"), campaign=campaign, person=wisher, text="矩阵心愿：书包"
    )
    wish = services.wish_publish(actor=demo.user("grid1"), wish_id=wish.pk, method="visit")
    station = services.station_create(actor=secretary, community=community, name="矩阵互助站")
    services.donation_receive(
        actor=secretary,
        station=station,
        donor_name="矩阵捐赠人",
        category="daily",
        item="毛巾",
        quantity=3,
    )
    from tongxin.orgs.models import Organisation, OrgKind

    unit = Organisation.objects.filter(kind=OrgKind.CO_BUILDING_UNIT, places=community).first()
    project = services.project_create(
        actor=secretary, community=community, title="矩阵项目", owners=[unit], budget=10_000
    )
    for act in ("approve", "start"):
        services.project_act(actor=secretary, project_id=project.pk, act=act)
    milestone = services.milestone_add(
        actor=secretary, project_id=project.pk, title="矩阵节点", due_on="2099-01-01"
    )
    return {
        "project": project,
        "milestone": milestone,
        "need": need,
        "resource": resource,
        "campaign": campaign,
        "wish": wish,
        "station": station,
    }


def marker(name: str, s: dict[str, Any]) -> str:
    if name == "matching:needs":
        return f'data-need="{s["need"].pk}"'
    if name == "matching:wishes":
        return f'data-wish="{s["wish"].pk}"'
    if name == "matching:projects":
        return f'data-project="{s["project"].pk}"'
    key = {
        "api:list_needs": "need",
        "api:list_resources": "resource",
        "api:list_wishes": "wish",
        "api:list_projects": "project",
    }
    return f'"id": {s[key[name]].pk}, '


def list_query(name: str, s: dict[str, Any]) -> dict[str, Any]:
    if name == "api:list_wishes":
        return {"campaign": s["campaign"].pk}
    return {}
