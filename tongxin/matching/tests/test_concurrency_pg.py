"""One wish, 50 claimers at once, on PostgreSQL: real threads, each with its own database
connection, through the API. Exactly one wins; the other 49 are refused with 409, none with
5xx.

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

CLAIMERS = 50


def test_fifty_claimers_one_wish_exactly_one_wins():
    from tongxin.accounts.models import ApiToken, User
    from tongxin.matching.models import Wish, WishCampaign
    from tongxin.people.models import Household, Person
    from tongxin.places.models import Place

    root = Place.objects.add_root(
        instance=Place(kind="community", code="C-WISH", name="心愿并发社区")
    )
    collector = User.objects.create(username="wish-admin")
    campaign = WishCampaign.objects.create(community=root, title="六一", state="running")
    wisher = Person.objects.create(name="心愿人", place=root, place_path=root.path)
    wish = Wish.objects.create(
        campaign=campaign,
        person=wisher,
        person_path=root.path,
        given_name="小明",
        text="一个书包",
        value=100,
        collected_by=collector,
        state="published",
    )
    tokens = []
    for i in range(CLAIMERS):
        household = Household.objects.create(code=f"WH{i}", dwelling=root, place_path=root.path)
        person = Person.objects.create(
            name=f"认领人{i}", place=root, place_path=root.path, household=household
        )
        user = User.objects.create(username=f"claimer{i}", person=person)
        tokens.append(ApiToken.issue(user, name="conc")[1])

    results: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLAIMERS)

    def claim(token: str) -> None:
        try:
            barrier.wait()
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            status = client.post(f"/api/v1/wishes/{wish.pk}/claim").status_code
            with lock:
                results.append(status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    counts = Counter(results)
    assert counts == {200: 1, 409: CLAIMERS - 1}, counts
    wish.refresh_from_db()
    assert wish.state == "claimed" and wish.claimed_by_person is not None
