"""The scoping choke point, tried from every side.

Every model that holds personal data answers ``visible_to(user)``; these tests check, model by
model, that a grid worker of grid 1 receives nothing located in grid 2, that care tags follow
the narrower care scope, that access ends with the post, and that the subtree filter is
answered from an index on both databases.
"""

import ast
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

# Models that hold personal or case data without visible_to, and why that is safe.
UNSCOPED_ALLOWED = {
    "accounts.user": "accounts are managed by the security admin in the admin site only",
    "accounts.accessgrant": "admin-only; read by the scope computation itself",
    "accounts.apitoken": "only hashes; read by authentication",
    "accounts.recoverycode": "only hashes; read by the second-factor check of its account",
    "accounts.totpdevice": "sealed secrets; read by the second-factor check of its account",
    "accounts.usersession": "the account's own sessions; read by the session middleware",
    "orgs.absence": "read only by the responsibility service, which returns no absence data",
    "core.auditevent": "read only by the audit admin",
    "core.storedupload": "files are reached through uploads.access_upload, which checks the "
    "scope of the object the file belongs to",
    "cases.workcalendaryear": "configuration: which admin confirmed a year's holidays",
    "inbox.delivery": "what a gateway was handed; read by the delivery task only",
    "open311.partner": "partner keys, in the admin only (the account is the admin who issued it)",
    "volunteering.ledgertransaction": "the ledger's headers carry no person; read by the "
    "community's managers (volunteering.policies) and the ledger, while the entries, which "
    "name the accounts, are scoped",
}


def test_every_model_with_personal_data_is_scoped():
    """Found from the models: every model with a foreign key, however indirect, to a person,
    a household or a case answers ``visible_to`` or is listed above with its reason."""
    unscoped = []
    for model in personal_models():
        label = model._meta.label_lower
        scoped = hasattr(model._default_manager.all(), "visible_to")
        if not scoped and label not in UNSCOPED_ALLOWED:
            unscoped.append(label)
    assert len(personal_models()) > 30  # the search must actually follow the keys
    assert sorted(unscoped) == [], f"models holding personal data without visible_to: {unscoped}"


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
        access(Person.objects.visible_to(demo.user("grid1")), outsider.pk)
    with pytest.raises(NotFound):
        access(Person.objects.visible_to(demo.user("grid1")), 10**9)  # missing: the same answer
    assert access(Person.objects.visible_to(demo.user("grid2")), outsider.pk) == outsider


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


# Where a scoped model's unscoped manager may be used, by module, and why. Everywhere else —
# views, API endpoints, the workbench, templatetags, anything new — reaches personal and case
# data only through ``visible_to(user)`` (or ``Case.objects.public_to(user)``).
UNSCOPED_MANAGER_ALLOWED = {
    "services.py": "writes: the service checks the actor's access itself before it writes",
    "selectors.py": "reads that build on the scope (and answer scoped querysets)",
    "policies.py": "who may do what: reads the actor's own posts and the object's place",
    "ledger.py": "the points ledger is volunteering's one writer service",
    "importer.py": "the import service, run by the worker for a checked upload",
    "exporter.py": "the export service, fed the scoped queryset of the requester",
    "rights.py": "the residents' rights service (access, correction, erasure)",
    "own_data.py": "the resident's own data, filtered to the resident themself",
    "people_hooks.py": "orgs' part of the resident's own data and of erasure (own_data, rights)",
    "routing.py": "the routing service: who is responsible for a place",
    "centres.py": "party life's 党员中心户 service: writes after the officer check, own links",
    "nominations.py": "party life's 评先评优 service (writes after the officer checks) and the "
    "scope definitions of its models (partylife/models/nominations.py)",
    "ending.py": "visits: a care tag that ends cancels the visits only it required (a service "
    "run from the tag's signal, no request)",
    "triggers.py": "visits: signal receivers scheduling visits from records just written",
    "raising.py": "notices' raising service: writes after entry_for_raising checks the actor",
    "scopes.py": "computes the scopes themselves",
    "models.py": "scope definitions (scope_q) and model methods",
    "tasks.py": "worker tasks, thin adapters over services",
    "second_factor.py": "login security: whether the account's posts require a second factor",
    "validators.py": "the password policy: whether the account holds a post",
    "rollups.py": "the data centre's one writer of aggregates (counts, no personal data)",
    "sources.py": "the data centre's module sources: the rollups' counting queries (EXISTS and "
    "COUNT conditions, never rows read out; the records are read under each module's visible_to)",
    "demo.py": "the demo loaders write a fresh database",
    "demo_bulk.py": "the benchmark loader writes a fresh database",
    "conftest.py": "test fixtures",
}
UNSCOPED_MANAGER_ALLOWED_DIRS = {
    "migrations": "schema and data migrations",
    "tests": "tests set up their own rows",
    "commands": "management commands run by operators (they are not requests)",
    "demo": "the demo generator writes a fresh database",
    "services": "an app's services split by subdomain (cases: intake, acts, clocks)",
    "selectors": "an app's selectors split by subdomain (alliance: records, progress, cards)",
    "models": "an app's models split by subdomain (matching, partylife): scope definitions",
}
SCOPING_METHODS = {"visible_to", "public_to"}
ROOT = Path(__file__).resolve().parents[3]


def personal_models() -> set[type]:
    """Every model that holds personal or case data, found from the models: persons,
    households, cases, and every model with a foreign key to one of those (transitively)."""
    from tongxin.cases.models import Case

    found: set[type] = {Person, Household, Case}
    models = [m for m in apps.get_models() if m.__module__.startswith("tongxin.")]
    grew = True
    while grew:
        grew = False
        for model in models:
            if model in found:
                continue
            related = {
                f.related_model for f in model._meta.get_fields() if f.concrete and f.is_relation
            }
            if related & found:
                found.add(model)
                grew = True
    return found


def _scoped_chain(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether the manager expression at ``node`` is narrowed by a scoping method somewhere
    along its method chain (``X.objects.select_related(…).visible_to(user)``)."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.Attribute) and parent.value is node:
            if parent.attr in SCOPING_METHODS:
                return True
        elif not (isinstance(parent, ast.Call) and parent.func is node):
            return False
        node = parent
    return False


def unscoped_manager_uses() -> tuple[list[str], int]:
    scoped = {
        m.__name__ for m in personal_models() if hasattr(m._default_manager.all(), "visible_to")
    }
    offenders, scanned = [], 0
    for path in sorted((ROOT / "tongxin").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if path.name in UNSCOPED_MANAGER_ALLOWED or set(rel.parts) & set(
            UNSCOPED_MANAGER_ALLOWED_DIRS
        ):
            continue
        scanned += 1
        tree = ast.parse(path.read_text(), filename=str(path))
        parents = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("objects", "_default_manager", "_base_manager")
                and isinstance(node.value, ast.Name)
                and node.value.id in scoped
                and not _scoped_chain(node, parents)
            ):
                offenders.append(f"{rel}:{node.lineno}: {node.value.id}.{node.attr}")
    return offenders, scanned


def test_scoped_models_are_reached_through_the_choke_point_outside_services():
    """Zulip-style lint, on the parsed code: a model with personal or case data is never
    queried through its unscoped manager outside services, selectors and the listed
    exceptions."""
    offenders, scanned = unscoped_manager_uses()
    assert scanned >= 20  # the check must actually read the modules it guards
    assert offenders == [], "use Model.objects.visible_to(user), or move the read to a selector"


def test_the_access_rule_can_fail(tmp_path):
    """The rule's own parser finds an unscoped read and accepts a scoped one."""
    bad = ast.parse("Person.objects.filter(pk=1)\nCase.objects.select_related('x').get(pk=2)")
    good = ast.parse("Person.objects.select_related('x').visible_to(u).get(pk=1)")
    for tree, expected in ((bad, 2), (good, 0)):
        parents = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        found = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute)
            and n.attr == "objects"
            and not _scoped_chain(n, parents)
        ]
        assert len(found) == expected
