"""Many expenses of one project at once, on PostgreSQL: real threads, each with its own
database connection, through the API. The project holds enough for exactly three of them:
three are booked, the others refused with 409 ``PROJECT_FUNDS_SHORT``, none with 5xx; the
balance never goes below zero and the ledger check passes.

Transactional (``transaction=True``): it builds its own community, which the flush at its end
removes, instead of using the session's demo."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent connections need PostgreSQL (SQLite serialises writers)",
    ),
    pytest.mark.django_db(transaction=True),
]

SPENDERS = 12


def test_concurrent_spends_never_overdraw_a_project():
    from tongxin.accounts.models import ApiToken, User
    from tongxin.matching import services
    from tongxin.matching.models import Project, ProjectMoney
    from tongxin.orgs.models import Organisation, Post
    from tongxin.people.models import Person
    from tongxin.places.models import Place
    from tongxin.volunteering import ledger

    root = Place.objects.add_root(
        instance=Place(kind="community", code="C-PROJ", name="项目并发社区")
    )
    unit = Organisation.objects.add_root(
        instance=Organisation(kind="co_building_unit", code="O-PROJ-U", name="并发共建单位")
    )
    unit.places.add(root)
    committee = Organisation.objects.add_root(
        instance=Organisation(kind="residents_committee", code="O-PROJ-C", name="并发居委会")
    )
    committee.places.add(root)
    tokens = []
    for i in range(SPENDERS):
        person = Person.objects.create(name=f"社区干部{i}", place=root, place_path=root.path)
        Post.objects.create(
            person=person, role="community_worker", place=root, organisation=committee
        )
        user = User.objects.create(username=f"staff{i}", person=person)
        tokens.append(ApiToken.issue(user, name="conc")[1])
    first = User.objects.get(username="staff0")
    project = services.project_create(
        actor=first, community=root, title="并发项目", owners=[unit], budget=30_000
    )
    services.project_act(actor=first, project_id=project.pk, act="approve")
    services.project_act(actor=first, project_id=project.pk, act="start")
    services.project_raise(actor=first, project_id=project.pk, amount=30_000, contributor="单位")

    results: list[int] = []
    codes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(SPENDERS)

    def spend(token: str, n: int) -> None:
        try:
            barrier.wait()
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            r = client.post(
                f"/api/v1/projects/{project.pk}/funds/out",
                {"amount": 10_000, "purpose": "材料", "receipt_no": f"FP-{n}"},
                content_type="application/json",
            )
            with lock:
                results.append(r.status_code)
                if r.status_code == 409:
                    codes.append(r.json()["code"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend, args=(t, n)) for n, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert Counter(results) == {201: 3, 409: SPENDERS - 3}, Counter(results)
    assert set(codes) == {"PROJECT_FUNDS_SHORT"}
    project = Project.objects.get(pk=project.pk)
    project.account.refresh_from_db()
    assert (project.raised, project.spent, project.account.balance) == (30_000, 30_000, 0)
    assert ProjectMoney.objects.filter(project=project, kind="spend").count() == 3
    assert ledger.check_ledger() == []
