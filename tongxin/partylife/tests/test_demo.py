"""The demo's party life: a year for the six grid branches, one behind on its cadence, study
materials, stored scorecards, the ``branch1`` and ``party1`` accounts."""

from __future__ import annotations

import pytest

from tongxin.orgs.models import Organisation
from tongxin.partylife.models import LifeFixedDay, PartyCard, StudyMaterial, StudyRead
from tongxin.partylife.selectors import life

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_a_year_of_life_for_six_branches_one_behind(demo):
    from tongxin.core import clock

    branches = list(Organisation.objects.filter(kind="branch").order_by("path"))
    assert len(branches) == 6
    today = clock.today()
    # The demo spans the last twelve months, so early in a year the branch's gaps lie in the
    # year before: count both years.
    missing = [0] * len(branches)
    for year in (today.year - 1, today.year):
        lives = life.life_of_many(branches, year)
        for i, b in enumerate(branches):
            missing[i] += sum(len(k.missing) for k in lives[b.pk])
    assert missing[-1] > max(missing[:-1])  # the branch behind
    assert StudyMaterial.objects.count() >= 4
    assert StudyRead.objects.filter(studied_at__isnull=True).exists()  # clicks, not studies
    assert PartyCard.objects.filter(kind="branch").count() >= 6
    assert PartyCard.objects.filter(kind="member").count() > 100
    assert demo.user("branch1").person_id and demo.user("party1").person_id
    # each branch its own 主题党日 day; the first branch's centre households link members
    from tongxin.partylife import centres

    assert LifeFixedDay.objects.filter(organisation__in=branches).count() >= 5
    linked = [c for c in centres.centres_of(demo.user("branch1"), branches[0]) if c.members]
    assert linked and len(linked[0].members) == 10 and linked[0].households


def test_the_demo_nominations_a_published_list_and_a_draft(demo):
    from tongxin.partylife.models import NominationList
    from tongxin.partylife.selectors import nominations as sel

    published = NominationList.objects.get(state="published")
    assert published.nominations.count() == 2  # the branch's quota of 优秀共产党员
    assert published.publish_until and published.publish_until > published.publish_from
    # party1, a member of the first branch, sees the published list and not the draft
    assert list(sel.visible_lists(demo.user("party1"))) == [published]
    # the committee's draft exists only when a branch is eligible that year (dates vary)
    drafts = sel.visible_lists(demo.user("secretary")).filter(state="draft")
    assert all(d.organisation.kind == "party_committee" for d in drafts)
    for n in published.nominations.all():  # each nominee eligible by their card
        assert n.card.year == published.year
