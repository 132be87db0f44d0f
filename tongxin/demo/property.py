"""Red property in the demo community: two property companies serving the community's first
estates under contracts (the first company serves the demo resident's estate), their project
managers (the first one signs in as ``property1``), three 三无 compounds with their 自管委,
the resident's estate's panel (the resident on it this quarter, others the quarter before),
three months of inspections and satisfaction surveys (about three in four sampled households
answering) and published monthly scores, this month's samples drawn, a rectification order
still open,
credit records (a lost lawsuit awaiting the company's response, unpublished fees posted).
Small: a few hundred rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings

from tongxin.accounts.models import User
from tongxin.core import clock
from tongxin.orgs.models import Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import Person
from tongxin.places.models import Place
from tongxin.property import services
from tongxin.property.models import (
    ChecklistItem,
    Inspection,
    InspectionScore,
    PanelMember,
    SelfManagedCompound,
    ServiceContract,
)
from tongxin.property.services import credit, survey

ESTATES_PER_COMPANY = 4
FEES = (Decimal("1.20"), Decimal("0.85"))


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _manager(company: Organisation, candidates: list[Person]) -> Person:
    person = candidates.pop(0)
    Post.objects.create(
        person=person,
        role=Role.MEMBER,
        organisation=company,
        start_date=clock.today() - dt.timedelta(days=700),
        note="项目经理",  # i18n-data
        public_contact=True,
    )
    return person


def build(gen: Any) -> dict[str, int]:
    """Called by the demo generator after meetings and the alliance are built."""
    if not gen.built.communities:
        return {}
    community = gen.built.communities[0]
    secretary = User.objects.filter(username="secretary").first()
    resident = User.objects.filter(username="resident").select_related("person").first()
    if secretary is None or resident is None or resident.person is None:
        return {}
    me = resident.person
    companies = list(
        Organisation.objects.filter(
            kind=OrgKind.PROPERTY_COMPANY, places__path__startswith=community.path
        )
        .distinct()
        .order_by("path")[:2]
    )
    if len(companies) < 2:
        return {}
    today = clock.today()
    estates = list(
        Place.objects.filter(kind="estate", path__startswith=community.path).order_by("path")
    )
    home = next(e for e in estates if me.place_path.startswith(e.path))
    ordered = [home] + [e for e in estates if e.pk != home.pk]
    holders = set(Post.objects.values_list("person_id", flat=True))
    staff = list(
        Person.objects.filter(
            is_active=True, place_path__startswith=community.path, user__isnull=True
        )
        .exclude(pk__in=holders)
        .exclude(place_path__startswith=home.path)
        .order_by("-id")[:2]
    )
    managers = [_manager(c, staff) for c in companies]
    account = User(username="property1", person=managers[0], display_name=managers[0].name)
    account.set_password(settings.TONGXIN_DEMO_PASSWORD)
    account.save()

    contracts: list[ServiceContract] = []
    for i, estate in enumerate(ordered[: 2 * ESTATES_PER_COMPANY]):
        k = i % 2
        contracts.append(
            ServiceContract.objects.create(
                company=companies[k],
                estate=estate,
                starts_on=dt.date(today.year - 2, 1, 1),
                ends_on=dt.date(today.year + 1, 12, 31),
                fee_standard=FEES[k],
                project_manager=managers[k],
            )
        )
    served = {c.estate_id for c in contracts}
    self_managed = 0
    for committee in Organisation.objects.filter(
        kind=OrgKind.SELF_MANAGEMENT, places__path__startswith=community.path
    ).order_by("path"):
        estate = committee.places.filter(kind="estate").exclude(pk__in=served).first()
        if estate is None or SelfManagedCompound.objects.filter(estate=estate).exists():
            continue
        SelfManagedCompound.objects.create(
            estate=estate, committee=committee, since=dt.date(today.year - 3, 3, 1)
        )
        served.add(estate.pk)
        self_managed += 1
        if self_managed == 3:
            break

    # The home estate's panel: the resident and three neighbours this quarter; four others
    # the quarter before (rotation).
    neighbours = list(
        Person.objects.filter(is_active=True, place_path__startswith=home.path, user__isnull=True)
        .exclude(pk__in=holders)
        .exclude(household_id=me.household_id)
        .order_by("id")[:7]
    )
    term = _quarter_start(today)
    previous = services.add_months(term, -3)
    for person in [me, *neighbours[:3]]:
        PanelMember.objects.create(
            estate=home,
            person=person,
            term_start=term,
            term_end=services.add_months(term, 3) - dt.timedelta(days=1),
        )
    for person in neighbours[3:7]:
        PanelMember.objects.create(
            estate=home, person=person, term_start=previous, term_end=term - dt.timedelta(days=1)
        )

    # Three months of inspections by three panelists at every served estate, published.
    items = list(ChecklistItem.objects.filter(is_active=True))
    panelists = [me, *neighbours[:2]]
    inspections = 0
    answered = 0
    month0 = services.month_of(today)
    for back in (3, 2, 1):
        month = services.add_months(month0, -back)
        for n, contract in enumerate(contracts):
            for j, panelist in enumerate(panelists):
                insp = Inspection.objects.create(contract=contract, month=month, panelist=panelist)
                InspectionScore.objects.bulk_create(
                    InspectionScore(
                        inspection=insp,
                        item=item,
                        score=max(
                            0,
                            item.max_score
                            - (n + j + back + q) % 4
                            - (5 if n == 3 and q == 0 else 0),
                        ),
                        max_score=item.max_score,
                    )
                    for q, item in enumerate(items)
                )
                inspections += 1
            answered += _survey(contract, month, n + back)
            services.month_publish(actor=secretary, contract_id=contract.pk, month=month)

    # This month's samples are drawn, not yet answered (the resident answers on their phone
    # when their household is drawn).
    for contract in contracts:
        survey.draw(contract, month0)

    first = contracts[0]
    credit.rectification_issue(
        actor=secretary,
        contract_id=first.pk,
        text="3号楼消防通道堆放杂物，请清理并设置禁停标识",  # i18n-data
        deadline=today + dt.timedelta(days=10),
    )
    fees = credit.credit_raise(
        actor=secretary,
        contract_id=first.pk,
        rule_code="fees_unpublished",
        evidence_text="街道第三季度物业检查记录：公共收益未按季度公示",  # i18n-data
        occurred_on=today - dt.timedelta(days=40),
    )
    credit.credit_decide(actor=secretary, event_id=fees.pk, act="post", note="")
    credit.credit_raise(
        actor=secretary,
        contract_id=contracts[1].pk,
        rule_code="lawsuit_lost",
        evidence_text="(2026)鄂0902民初1234号 物业服务合同纠纷一审判决",  # i18n-data
        occurred_on=today - dt.timedelta(days=5),
    )
    return {
        "companies": len(companies),
        "contracts": len(contracts),
        "self_managed": self_managed,
        "inspections": inspections,
        "rectifications": 1,
        "survey_answers": answered,
    }


# The levels the demo's sampled households give, in turn (mostly satisfied, some not).
DEMO_LEVELS = (5, 4, 5, 3, 4, 5, 2, 4, 5, 4, 3, 5, 1, 4)


def _survey(contract: ServiceContract, month: dt.date, shift: int) -> int:
    """Draw the month's sample and have about three in four households answer, each by a
    member of the household, in the middle of the month."""
    sample = survey.draw(contract, month)
    when = clock.local(dt.datetime(month.year, month.month, 15, 19, 0))
    n = 0
    for i, row in enumerate(sample.answers.order_by("id")):
        if (i + shift) % 4 == 3:
            continue
        member = Person.objects.filter(household_id=row.household_id).order_by("id").first()
        row.level = DEMO_LEVELS[(i + shift) % len(DEMO_LEVELS)]
        row.answered_by = member
        row.answered_at = when
        row.save(update_fields=["level", "answered_by", "answered_at"])
        n += 1
    return n
