"""The scoping choke point, tried from every side.

Every model that holds personal data answers ``visible_to(user)``; these tests check, model by
model, that a grid worker of grid 1 receives nothing located in grid 2, that care tags follow
the narrower care scope, that access ends with the post, and that the subtree filter is
answered from an index on both databases.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from tongxin.accounts.models import AccessGrant
from tongxin.cases.models import Case
from tongxin.core import clock
from tongxin.core.errors import NotFound
from tongxin.core.scoping import access, forget_scope, scope_for
from tongxin.orgs.models import Post
from tongxin.people.models import CareTag, Household, PartyMembership, Person
from tongxin.places.models import Place

pytestmark = pytest.mark.dates

# Where each scoped model keeps the path of the place it belongs to.
LOCATED = {
    Person: "place_path",
    Household: "place_path",
    CareTag: "person__place_path",
    PartyMembership: "person__place_path",
    Post: "place_path",
    Case: "place_path",
}

# Models that hold personal data without visible_to, and why that is safe.
UNSCOPED_ALLOWED = {
    "accounts.user": "accounts are managed by the security admin in the admin site only",
    "accounts.accessgrant": "admin-only; read by the scope computation itself",
    "accounts.apitoken": "only hashes; read by authentication",
    "orgs.absence": "read only by the responsibility service, which returns no absence data",
    "core.auditevent": "read only by the audit admin",
}


def test_every_model_with_personal_data_is_scoped():
    unscoped = []
    for model in apps.get_models():
        if not model.__module__.startswith("tongxin."):
            continue
        holds_person = model is Person or any(
            getattr(f, "related_model", None) is Person
            for f in model._meta.get_fields()
            if f.concrete
        )
        label = model._meta.label_lower
        scoped = hasattr(model._default_manager.all(), "visible_to")
        if holds_person and not scoped and label not in UNSCOPED_ALLOWED:
            unscoped.append(label)
    assert unscoped == [], f"models holding personal data without visible_to: {unscoped}"


@pytest.mark.parametrize("model", list(LOCATED), ids=lambda m: m.__name__)
def test_grid_worker_sees_nothing_of_another_grid(demo, model):
    grid1, grid2 = demo.grid(1), demo.grid(2)
    user = demo.user("grid1")
    field = LOCATED[model]
    visible = model.objects.visible_to(user)
    assert visible.filter(**{f"{field}__prefix": grid1.path}).exists()
    assert not visible.filter(**{f"{field}__prefix": grid2.path}).exists()
    # And the other way round.
    other = model.objects.visible_to(demo.user("grid2"))
    assert not other.filter(**{f"{field}__prefix": grid1.path}).exists()


def test_out_of_scope_detail_is_not_found(demo):
    outsider = Person.objects.filter(place_path__prefix=demo.grid(2).path).first()
    with pytest.raises(NotFound):
        access(Person, demo.user("grid1"), outsider.pk)
    with pytest.raises(NotFound):
        access(Person, demo.user("grid1"), 10**9)  # missing: the same answer
    assert access(Person, demo.user("grid2"), outsider.pk) == outsider


def test_places_in_scope_are_the_subtree_and_its_ancestors(demo):
    user = demo.user("grid1")
    grids = set(Place.objects.visible_to(user).filter(kind="grid").values_list("name", flat=True))
    assert grids == {demo.grid(1).name, demo.grid(4).name}  # A of grid 1, B of grid 4
    community = Place.objects.get(kind="community")
    assert Place.objects.visible_to(user).filter(pk=community.pk).exists()  # breadcrumb
    assert Place.objects.visible_to(demo.user("secretary")).filter(kind="grid").count() == 6


def test_care_tags_only_for_roles_that_need_them(demo):
    building_head = demo.user("building")
    post = Post.objects.active().get(person=building_head.person, role="building_head")
    residents = Person.objects.visible_to(building_head)
    assert residents.exists()
    assert (
        not residents.exclude(place_path__prefix=post.place.path)
        .exclude(pk=building_head.person_id)
        .exclude(household_id=building_head.person.household_id)
        .exists()
    )
    assert not CareTag.objects.visible_to(building_head).exists()
    assert CareTag.objects.visible_to(demo.user("grid1")).exists()
    assert CareTag.objects.visible_to(demo.user("secretary")).count() == CareTag.objects.count()


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_admins_see_no_personal_data(demo, username):
    user = demo.user(username)
    for model in LOCATED:
        assert not model.objects.visible_to(user).exists()
    assert not Place.objects.visible_to(user).exists()


def test_resident_sees_own_household_only(demo):
    user = demo.user("resident")
    visible = set(Person.objects.visible_to(user).values_list("pk", flat=True))
    household = set(
        Person.objects.filter(household=user.person.household).values_list("pk", flat=True)
    )
    assert visible == household
    assert list(Household.objects.visible_to(user)) == [user.person.household]
    assert not CareTag.objects.visible_to(user).exists()


def test_access_ends_with_the_post(demo):
    user = demo.user("grid2")
    assert Person.objects.visible_to(user).filter(grid=demo.grid(2)).exists()
    Post.objects.filter(person=user.person, place=demo.grid(2)).update(
        end_date=clock.today() - dt.timedelta(days=1)
    )
    forget_scope(user)
    assert not Person.objects.visible_to(user).filter(grid=demo.grid(2)).exists()
    # A post that starts tomorrow gives nothing yet either.
    Post.objects.filter(person=user.person, place=demo.grid(2)).update(
        start_date=clock.today() + dt.timedelta(days=1), end_date=None
    )
    forget_scope(user)
    assert not Person.objects.visible_to(user).filter(grid=demo.grid(2)).exists()


def test_explicit_grant_for_a_department(demo):
    user = demo.user("dept")
    assert not Person.objects.visible_to(user).exclude(pk=user.person_id).exists()
    grant = AccessGrant.objects.create(user=user, place=demo.grid(3), reason="联合执法核查")
    forget_scope(user)
    assert Person.objects.visible_to(user).filter(grid=demo.grid(3)).exists()
    assert not CareTag.objects.visible_to(user).exists()  # include_care is off
    grant.valid_until = clock.today() - dt.timedelta(days=1)
    grant.save()
    forget_scope(user)
    assert not Person.objects.visible_to(user).filter(grid=demo.grid(3)).exists()


def test_anonymous_sees_nothing(demo):
    from django.contrib.auth.models import AnonymousUser

    assert scope_for(AnonymousUser()).is_empty
    assert not Person.objects.visible_to(AnonymousUser()).exists()


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " ".join(str(r[-1]) for r in cur.fetchall())
        cur.execute(
            "SET enable_seqscan = off"
        )  # tiny test tables: ask whether an index *can* serve
        cur.execute("EXPLAIN " + sql, params)
        plan = " ".join(r[0] for r in cur.fetchall())
        cur.execute("SET enable_seqscan = on")
        return plan


@pytest.mark.parametrize("model", [Place, Person, Household], ids=lambda m: m.__name__)
def test_subtree_query_uses_an_index(demo, model):
    field = "path" if model is Place else "place_path"
    qs = model.objects.filter(**{f"{field}__prefix": demo.grid(1).path}).values("pk")
    sql, params = qs.query.sql_with_params()
    plan = _plan(sql, list(params))
    assert re.search(r"USING (COVERING )?INDEX|Index", plan, re.I), plan


def test_views_and_api_reach_personal_data_only_through_the_choke_point():
    """Zulip-style lint: personal models are never queried unscoped from a view or endpoint."""
    pattern = re.compile(r"\b(Person|Household|CareTag|PartyMembership)\.objects\.(?!visible_to)")
    offenders = []
    root = Path(__file__).resolve().parents[3]
    for path in root.glob("tongxin/*/*.py"):
        if path.name in ("api.py", "views.py") or path.name.startswith("views_"):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    scanned = [p for p in root.glob("tongxin/*/*.py") if p.name in ("api.py", "views.py")]
    assert len(scanned) >= 6  # the check must actually read the modules it guards
    assert offenders == []
