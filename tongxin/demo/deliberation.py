"""Deliberation in the demo: the demo resident's estate gets its property register (each
dwelling's exclusive floor area and owners: landlords owning two units, some couples owning
theirs together), an owners' vote under way on it (about half the heads have voted by paper
ballot; the demo resident and three owners with accounts, ``owner1``…``owner3``, have not), and
one topic at each of the six steps and after.

Small (one estate, a few hundred rows) and deterministic from the seed; dated from the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.conf import settings

from tongxin.accounts.models import User
from tongxin.core import clock
from tongxin.deliberation import services
from tongxin.deliberation.models import (
    Channel,
    Elector,
    RecordKind,
    Topic,
    TopicRecord,
    TopicState,
    TopicSupport,
)
from tongxin.people.models import DwellingDeed, DwellingOwner, Household, Person, Relation, Tenure
from tongxin.places.models import Place

TOPICS = (  # i18n-data: (title, body, state reached)
    ("小区东门增设电动车充电棚", "电动车进楼充电隐患大，建议在东门空地建充电棚。", "proposed"),
    ("3栋楼道堆物清理", "楼道长期堆放杂物，影响消防通道。", "consultation"),
    ("老旧小区加装电梯", "多位高龄老人上下楼困难，建议加装电梯。", "drafting"),
    ("小区停车位重新划线", "车位不够，路边乱停，建议重新规划停车位。", "notice"),
    ("中心花园改造为口袋公园", "花园荒废，建议改造为居民休闲的口袋公园。", "review"),
    ("使用专项维修资金更换屋面防水", "顶楼多户漏水，拟动用专项维修资金。", "voting"),
    ("增设垃圾分类督导岗", "早晚高峰安排志愿者督导垃圾分类。", "implementing"),
    ("修缮健身器材", "健身器材老化，建议统一修缮。", "evaluation"),
    ("楼栋微信群规范公约", "制定楼栋群公约，文明交流。", "closed"),
)
DESCRIPTION = (  # i18n-data
    "按《民法典》第二百七十八条，使用维修资金须经参与表决的专有部分面积四分之三以上"
    "且人数四分之三以上的业主同意。"
)
ORDER = ["proposed", "consultation", "drafting", "notice", "review", "voting", "implementing"]
ORDER += ["evaluation", "closed"]


def _register(rng: random.Random, estate: Place, resident: Person) -> dict[str, int]:
    """Deeds and owners for every dwelling of the estate."""
    dwellings = list(Place.objects.under(estate).filter(kind="dwelling").order_by("path"))
    households = {
        h.dwelling_id: h for h in Household.objects.filter(place_path__prefix=estate.path)
    }
    heads = {
        p.household_id: p
        for p in Person.objects.filter(
            household__place_path__prefix=estate.path, relation=Relation.HEAD
        )
    }
    spouses = {
        p.household_id: p
        for p in Person.objects.filter(
            household__place_path__prefix=estate.path, relation=Relation.SPOUSE
        )
    }
    owner_heads = [
        heads[h.pk]
        for h in households.values()
        if h.tenure == Tenure.OWNER and h.pk in heads and heads[h.pk].pk != resident.pk
    ]
    deeds, owners = [], []
    landlords: list[Person] = []
    for d in dwellings:
        area = Decimal(rng.randint(5500, 14000)) / 100
        deeds.append(DwellingDeed(dwelling=d, place_path=d.path, floor_area=area))
    DwellingDeed.objects.bulk_create(deeds)
    for deed, d in zip(deeds, dwellings, strict=True):
        hh = households.get(d.pk)
        head = heads.get(hh.pk) if hh else None
        if hh is not None and head is not None and (hh.tenure == Tenure.OWNER or head == resident):
            spouse = spouses.get(hh.pk)
            if spouse is not None and rng.random() < 0.15 and head != resident:
                half = Decimal("0.5")
                owners += [
                    DwellingOwner(deed=deed, person=head, share=half),
                    DwellingOwner(deed=deed, person=spouse, share=half),
                ]
            else:
                owners.append(DwellingOwner(deed=deed, person=head))
        elif owner_heads:
            # Let or empty: owned by a landlord who lives in the estate (often one with two).
            if landlords and rng.random() < 0.6:
                landlord = landlords[rng.randrange(len(landlords))]
            else:
                landlord = owner_heads[rng.randrange(len(owner_heads))]
                landlords.append(landlord)
            owners.append(DwellingOwner(deed=deed, person=landlord))
    DwellingOwner.objects.bulk_create(owners, ignore_conflicts=True)
    return {"deeds": len(deeds), "owners": len(owners)}


def _topic(
    rng: random.Random,
    secretary: Any,
    resident: Any,
    place: Place,
    title: str,
    body: str,
    reached: str,
    n: int,
) -> Topic:
    now = clock.now()
    start = now - dt.timedelta(days=10 * (ORDER.index(reached) + 1))
    topic = Topic.objects.create(
        title=title,
        body=body,
        category="",
        channel=[Channel.WEB, Channel.MESSAGE, Channel.CASE, Channel.MEETING, Channel.NEED][n % 5],
        place=place,
        place_path=place.path,
        proposed_by=resident,
        state=reached,
        supporters=rng.randint(3, 40),
    )
    at = start
    records = [
        TopicRecord(
            topic=topic,
            step="proposed",
            kind=RecordKind.PROPOSAL,
            text=body,
            actor=resident,
            at=at,
        )
    ]

    def add(step: str, kind: str, text: str = "", **data: Any) -> None:
        nonlocal at
        at = at + dt.timedelta(days=2)
        records.append(
            TopicRecord(
                topic=topic, step=step, kind=kind, text=text, data=data, actor=secretary, at=at
            )
        )

    steps = ORDER[1 : ORDER.index(reached) + 1]
    for step in steps:
        if step == "consultation":
            add("consultation", RecordKind.MEETING, "居民、物业、业委会代表参加恳谈会")  # i18n-data
        elif step == "drafting":
            add("drafting", RecordKind.DRAFT, f"{title}方案（第1稿）", version=1)  # i18n-data
        elif step == "notice":
            add("notice", RecordKind.NOTICE, "", days=7, version=1)
            add("notice", RecordKind.COMMENT, "建议同时考虑夜间照明")  # i18n-data
            add("notice", RecordKind.ANSWER, "已纳入第2稿", comment_id=None)  # i18n-data
        elif step == "review":
            add(
                "review",
                RecordKind.REVIEW,
                "方案可行，注意施工安全",  # i18n-data
                reviewers=["住建部门工程师", "社区法律顾问"],  # i18n-data
                changes=["补充施工期间的安全措施"],  # i18n-data
            )
        elif step == "voting":
            add("voting", RecordKind.VOTE, "")
        elif step == "implementing":
            add("implementing", RecordKind.DECISION, "", passed=True)
            add("implementing", RecordKind.ACTION, "物业组织施工", owner="物业")  # i18n-data
        elif step == "evaluation":
            add("evaluation", RecordKind.ACTION, "", done=True)
            add("evaluation", RecordKind.EVALUATION, "效果不错", rating=5)  # i18n-data
        elif step == "closed":
            add("closed", RecordKind.STEP, "", act="close")
    TopicRecord.objects.bulk_create(records)
    if reached == TopicState.NOTICE:
        topic.comment_until = now + dt.timedelta(days=4)
        topic.save(update_fields=["comment_until"])
    return topic


def _owner_accounts(estate: Place, resident: Person) -> list[User]:
    """Three owners of the estate with an account each (``owner1``…``owner3``, the demo
    password), who have not voted in the demo's vote: to vote on a phone."""
    taken = set(User.objects.exclude(person=None).values_list("person_id", flat=True))
    made = []
    people = (
        Person.objects.filter(
            owned_dwellings__deed__place_path__prefix=estate.path, relation=Relation.HEAD
        )
        .exclude(pk=resident.pk)
        .exclude(pk__in=taken)
        .distinct()
        .order_by("id")[:3]
    )
    for n, p in enumerate(people, start=1):
        u = User(username=f"owner{n}", person=p, display_name=p.name)
        u.set_password(settings.TONGXIN_DEMO_PASSWORD)
        u.save()
        made.append(u)
    return made


def build(gen: Any) -> dict[str, int]:
    rng = random.Random(gen.seed * 1009 + 19)
    resident_user = User.objects.get(username="resident")
    secretary = User.objects.get(username="secretary")
    resident = resident_user.person
    if resident is None or resident.place_id is None:
        return {}
    estate = Place.objects.get(pk=resident.place_id).at_or_above("estate")
    if estate is None:
        return {}
    counts = _register(rng, estate, resident)
    topics = [
        _topic(rng, secretary, resident_user, estate, title, body, reached, n)
        for n, (title, body, reached) in enumerate(TOPICS)
    ]
    TopicSupport.objects.create(topic=topics[0], person=resident)
    accounts = _owner_accounts(estate, resident)
    vote = services.vote_open(
        actor=secretary,
        title="使用专项维修资金更换屋面防水",  # i18n-data
        description=DESCRIPTION,
        electorate="owners",
        place_id=estate.pk,
        rule="art278_special",
        closes_at=clock.now() + dt.timedelta(days=7),
        secret=True,
        topic=topics[5],
    )
    # Paper ballots entered by the secretary for about half of the heads (not the resident's).
    mine = set(
        Elector.objects.filter(
            vote=vote, members__person__in=[resident, *(u.person for u in accounts)]
        ).values_list("id", flat=True)
    )
    cast = 0
    for elector_id in Elector.objects.filter(vote=vote).order_by("id").values_list("id", flat=True):
        if elector_id not in mine and rng.random() < 0.55:
            services.paper_ballot_enter(
                actor=secretary,
                vote=vote,
                elector_id=elector_id,
                choice=rng.choice(["yes", "yes", "yes", "no", "abstain"]),
            )
            cast += 1
    return {**counts, "topics": len(topics), "votes": 1, "ballots": cast}
