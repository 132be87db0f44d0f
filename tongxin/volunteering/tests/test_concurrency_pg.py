"""Redemption under real concurrency, on PostgreSQL: real threads, each with its own database
connection, through the API. Only K of 200 redemptions are affordable (or in stock): exactly K
succeed, the balance and the stock are exact, and nothing answers 5xx. One request replayed 50
times at once creates one order.

These tests commit (``transaction=True``), so they build their own community instead of using
the session's demo, which the flush at their end removes; pytest-django runs transactional
tests after all the others.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent connections need PostgreSQL (SQLite serialises writers)",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 40


def _world(n_users: int, *, points: int, cost: int, stock: int) -> dict[str, Any]:
    from tongxin.accounts.models import ApiToken, User
    from tongxin.people.models import Person
    from tongxin.places.models import Place
    from tongxin.volunteering import ledger
    from tongxin.volunteering.models import Reward, Volunteer

    root = Place.objects.add_root(
        instance=Place(kind="community", code="C-CONC", name="并发测试社区")
    )
    secretary = User.objects.create(username="conc-admin")
    tokens, persons = [], []
    for i in range(n_users):
        person = Person.objects.create(name=f"志愿者{i}", place=root, place_path=root.path)
        user = User.objects.create(username=f"conc{i}", person=person)
        Volunteer.objects.create(
            person=person, person_path=root.path, community=root, status="approved"
        )
        ledger.transfer(
            source=ledger.issuer_account(root),
            target=ledger.person_account(person, community=root),
            amount=points,
            kind="award",
            reason="测试发放",
            actor=secretary,
            community=root,
        )
        tokens.append(ApiToken.issue(user, name="conc")[1])
        persons.append(person)
    reward = Reward.objects.create(
        community=root, name="大米", kind="goods", cost=cost, stock=stock
    )
    return {"tokens": tokens, "persons": persons, "reward": reward, "community": root}


def _fire(jobs: list[tuple[str, str, str]]) -> list[tuple[int, str, Any]]:
    """Run (token, url, key) requests from THREADS threads started together."""
    results: list[tuple[int, str, Any]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)
    chunks = [jobs[i::THREADS] for i in range(THREADS)]

    def work(chunk: list[tuple[str, str, str]]) -> None:
        try:
            barrier.wait()
            for token, url, key in chunk:
                client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
                r = client.post(url, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
                body = (
                    r.json()
                    if r.headers.get("Content-Type", "").startswith("application/json")
                    else {}
                )
                with lock:
                    results.append((r.status_code, body.get("code", ""), body.get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_200_concurrent_redemptions_only_k_affordable():
    from tongxin.volunteering.ledger import check_ledger
    from tongxin.volunteering.models import Account, RewardOrder

    k, cost = 37, 10
    w = _world(1, points=k * cost + cost - 1, cost=cost, stock=500)
    url = f"/api/v1/rewards/{w['reward'].pk}/redeem"
    results = _fire([(w["tokens"][0], url, f"key-{i}") for i in range(200)])
    statuses = Counter((s, c) for s, c, _ in results)
    assert len(results) == 200
    assert statuses == {(201, ""): k, (409, "INSUFFICIENT_POINTS"): 200 - k}, statuses
    w["reward"].refresh_from_db()
    assert w["reward"].stock == 500 - k
    assert Account.objects.get(person=w["persons"][0]).balance == cost - 1
    assert RewardOrder.objects.filter(reward=w["reward"]).count() == k
    assert check_ledger() == []


def test_200_concurrent_redemptions_only_k_in_stock():
    from tongxin.volunteering.ledger import check_ledger
    from tongxin.volunteering.models import Account, RewardOrder

    k, cost, users = 7, 5, 20
    w = _world(users, points=1000, cost=cost, stock=k)
    url = f"/api/v1/rewards/{w['reward'].pk}/redeem"
    results = _fire([(w["tokens"][i % users], url, f"key-{i}") for i in range(200)])
    statuses = Counter((s, c) for s, c, _ in results)
    assert statuses == {(201, ""): k, (409, "OUT_OF_STOCK"): 200 - k}, statuses
    w["reward"].refresh_from_db()
    assert w["reward"].stock == 0
    spent = sum(1000 - a.balance for a in Account.objects.filter(person__in=w["persons"]))
    assert spent == k * cost
    assert RewardOrder.objects.filter(reward=w["reward"]).count() == k
    assert check_ledger() == []


def test_one_request_replayed_50_times_creates_one_order():
    from tongxin.volunteering.models import Account, RewardOrder

    w = _world(1, points=100, cost=10, stock=50)
    url = f"/api/v1/rewards/{w['reward'].pk}/redeem"
    results = _fire([(w["tokens"][0], url, "same-key")] * 50)
    assert {s for s, _c, _i in results} == {201}, Counter(s for s, _c, _i in results)
    assert len({i for _s, _c, i in results}) == 1
    assert RewardOrder.objects.filter(reward=w["reward"]).count() == 1
    assert Account.objects.get(person=w["persons"][0]).balance == 90
    w["reward"].refresh_from_db()
    assert w["reward"].stock == 49
