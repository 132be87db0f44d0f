"""主题党日 on a fixed day, the 党员中心户's 1+10+N links, the materials of a meeting, the
record book (会议记录本) and the card export as workbooks, the 评先评优 list — under frozen
clocks, against the real database."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from tongxin.core.errors import NotFound, ValidationFailed
from tongxin.orgs.models import Post
from tongxin.orgs.roles import Role
from tongxin.partylife import centres, services
from tongxin.partylife.models import (
    AppraisalGrade,
    CardFormula,
    CentreLink,
    LifeRecord,
    LifeRequirement,
    StudyMaterial,
)
from tongxin.partylife.selectors import books, cards, life
from tongxin.people.models import Household

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def client(user):
    c = Client()
    c.force_login(user)
    return c


def theme_day(org, year=2026):
    return next(k for k in life.life_of(org, year) if k.kind == "theme_day")


def sheet(response):
    wb = load_workbook(io.BytesIO(response.content))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


# ------------------------------------------------------------------------ fixed day


def test_theme_day_has_a_fixed_day_seeded_and_overdue_once_it_passes(branch):
    req = LifeRequirement.objects.get(org_kind="branch", kind__code="theme_day")
    assert req.fixed_day == 5  # seeded: 主题党日 on a fixed day each month
    branch.hold(at(2026, 1, 5))  # on the day
    branch.hold(at(2026, 2, 20))  # held, but not on the fixed day
    with time_machine.travel(at(2026, 3, 4, 23), tick=False):
        k = theme_day(branch.org)
        assert k.fixed_day == 5
        march = k.periods[2]
        assert (march.fixed_on, march.status) == (dt.date(2026, 3, 5), "due")
        assert k.periods[0].off_day == [] and len(k.periods[1].off_day) == 1
        assert k.off_day == k.periods[1].meeting_ids
    with time_machine.travel(at(2026, 3, 6, 0, 5), tick=False):
        k = theme_day(branch.org)
        assert k.periods[2].status == "overdue"
        assert [p.label for p in k.overdue] == ["2026 年 3 月"] == [p.label for p in k.due]
        assert k.missing == []  # still March: late, not missed
    with time_machine.travel(at(2026, 4, 1, 0, 5), tick=False):
        assert [p.label for p in theme_day(branch.org).missing] == ["2026 年 3 月"]


def test_a_branch_fixes_its_own_day_and_a_short_month_ends_it(branch, demo):
    services.fixed_day_set(
        actor=branch.secretary, organisation=branch.org, kind="theme_day", day=31
    )
    with time_machine.travel(at(2026, 2, 27), tick=False):
        k = theme_day(branch.org)
        assert k.fixed_day == 31
        assert k.periods[1].fixed_on == dt.date(2026, 2, 28)
        assert k.periods[3].fixed_on == dt.date(2026, 4, 30)
        assert k.periods[1].status == "due"
    other = next(
        o for o in cards.sibling_branches(branch.org) if o.pk != branch.org.pk
    )  # the neighbours keep the level's day
    with time_machine.travel(at(2026, 2, 27), tick=False):
        assert theme_day(other).fixed_day == 5
    with pytest.raises(ValidationFailed):  # the assembly is quarterly: no fixed day
        services.fixed_day_set(
            actor=branch.secretary, organisation=branch.org, kind="branch_assembly", day=3
        )
    with pytest.raises(ValidationFailed):
        services.fixed_day_set(
            actor=branch.secretary, organisation=branch.org, kind="theme_day", day=32
        )
    services.fixed_day_set(
        actor=branch.secretary, organisation=branch.org, kind="theme_day", day=None
    )
    with time_machine.travel(at(2026, 2, 27), tick=False):
        assert theme_day(branch.org).fixed_day == 5
    # the page: a bad day is a message, not a 5xx, and nothing changes
    c = client(branch.secretary)
    r = c.post(
        f"/party/organisations/{branch.org.pk}/fixed-day/", {"kind": "theme_day", "day": "x"}
    )
    assert r.status_code == 302
    assert theme_day(branch.org).fixed_day == 5
    r = c.post(
        f"/party/organisations/{branch.org.pk}/fixed-day/", {"kind": "theme_day", "day": "12"}
    )
    assert theme_day(branch.org).fixed_day == 12
    # and the API answers it with each period's date
    with time_machine.travel(at(2026, 2, 27), tick=False):
        body = c.get(f"/api/v1/party/organisations/{branch.org.pk}/life?year=2026").json()
    td = next(k for k in body["kinds"] if k["kind"] == "theme_day")
    assert td["fixed_day"] == 12
    assert td["periods"][1]["fixed_on"] == "2026-02-12"
    assert td["periods"][1]["status"] == "overdue"


# ------------------------------------------------------------------------ 1+10+N


def centre_post(branch, person, place):
    return Post.objects.create(
        person=person,
        role=Role.CENTRE_HOUSEHOLD,
        organisation=branch.org,
        place=place,
        start_date=dt.date(2026, 1, 1),
    )


def test_a_centre_household_links_members_and_households(branch, demo):
    centre_person = branch.members[1]
    post = centre_post(branch, centre_person, demo.grid(3))
    sec = branch.secretary
    mine = Household.objects.visible_to(sec).order_by("id").first()
    theirs = Household.objects.exclude(pk__in=Household.objects.visible_to(sec).values("pk"))
    theirs = theirs.order_by("id").first()
    assert mine is not None and theirs is not None
    with time_machine.travel(at(2026, 3, 1), tick=False):
        for p in branch.members[2:5]:
            centres.centre_link(actor=sec, centre_id=post.pk, person_id=p.pk)
        centres.centre_link(actor=sec, centre_id=post.pk, household_code=mine.code)
        with pytest.raises(ValidationFailed):  # once
            centres.centre_link(actor=sec, centre_id=post.pk, person_id=branch.members[2].pk)
        with pytest.raises(ValidationFailed):  # not themselves
            centres.centre_link(actor=sec, centre_id=post.pk, person_id=centre_person.pk)
        with pytest.raises(ValidationFailed):  # a household out of the secretary's sight
            centres.centre_link(actor=sec, centre_id=post.pk, household_code=theirs.code)
        with pytest.raises(ValidationFailed):  # a person who is not a member here
            centres.centre_link(actor=sec, centre_id=post.pk, person_id=theirs.members.first().pk)
        with pytest.raises(NotFound):  # a member may not link
            centres.centre_link(
                actor=branch.user_of(branch.members[5], "m5"),
                centre_id=post.pk,
                person_id=branch.members[6].pk,
            )
    with time_machine.travel(at(2026, 6, 1), tick=False):
        link = CentreLink.objects.get(centre=post, person=branch.members[4])
        centres.centre_unlink(actor=sec, link_id=link.pk)
        (c,) = centres.centres_of(sec, branch.org)
        assert len(c.members) == 2 and len(c.households) == 1 and c.short_of_members
    # the year keeps the ended link: 3 members, 1 household
    with time_machine.travel(at(2027, 1, 5), tick=False):
        ms = [m for m in services.members_of(branch.org) if m.person_id == centre_person.pk]
        card = cards.evaluate_members(ms, 2026)[0]
    item = next(i for i in card.result.items if i.rule == "centre_household")
    assert "联系党员 3 名，服务群众 1 户" in item.evidence[0].text
    # the evidence opens for the member, whose page lists their links
    cu = branch.user_of(centre_person, "centre")
    r = client(cu).get(item.evidence[0].url)
    assert r.status_code == 200
    assert branch.members[2].name in r.content.decode()
    # a linked member sees who links them; the officers' page lists the links
    linked = client(branch.user_of(branch.members[2], "linked")).get("/party/me/")
    assert f"联系我的中心户：{centre_person.name}" in linked.content.decode()
    page = client(sec).get(f"/party/organisations/{branch.org.pk}/centres/")
    assert page.status_code == 200 and mine.code in page.content.decode()
    # the page's form: a bad household code is a message, nothing written
    before = CentreLink.objects.count()
    r = client(sec).post(
        f"/party/organisations/{branch.org.pk}/centres/",
        {"centre": post.pk, "household": "不存在的户"},
    )
    assert r.status_code == 302 and CentreLink.objects.count() == before


# ------------------------------------------------------------------------ record book


def test_meeting_materials_and_the_record_book(branch, demo):
    m = StudyMaterial.objects.create(
        organisation=branch.org, title="党章第一章", body="正文", published_on=dt.date(2026, 1, 2)
    )
    foreign = StudyMaterial.objects.create(
        organisation=next(o for o in cards.sibling_branches(branch.org) if o != branch.org),
        title="别的支部的材料",
        body="正文",
        published_on=dt.date(2026, 1, 2),
    )
    x = branch.members[2]
    with time_machine.travel(at(2026, 1, 5, 12), tick=False):
        with pytest.raises(ValidationFailed):
            services.life_record(
                actor=branch.secretary,
                organisation=branch.org,
                kind="theme_day",
                starts_at=at(2026, 1, 5),
                topic="学习党章",
                present=[p.pk for p in branch.members],
                material_ids=[foreign.pk],
            )
        assert not LifeRecord.objects.filter(meeting__organisation=branch.org).exists()
        rec = services.life_record(
            actor=branch.secretary,
            organisation=branch.org,
            kind="theme_day",
            starts_at=at(2026, 1, 5),
            topic='=HYPERLINK("x")学习党章',
            present=[p.pk for p in branch.members if p != x],
            absent={x.pk: "外出务工"},
            presenter_id=branch.members[0].pk,
            recorder_id=branch.members[1].pk,
            minutes="大家交流了学习体会。",
            material_ids=[m.pk],
        )
    assert list(rec.materials.all()) == [m]
    (entry,) = books.record_book(branch.org, 2026)
    assert entry.materials == "《党章第一章》"
    assert (entry.due, entry.present, entry.excused, entry.absent) == (7, 6, 1, 0)
    assert entry.absentees == f"{x.name}（外出务工）"
    assert entry.presenter == branch.members[0].name
    c = client(branch.secretary)
    with time_machine.travel(at(2026, 2, 1), tick=False):
        r = c.get(f"/party/organisations/{branch.org.pk}/book.xlsx?year=2026")
    assert r.status_code == 200
    book = sheet(r)
    rows = book["会议记录本"]
    assert rows[1][2] == '\'=HYPERLINK("x")学习党章'  # no formula runs in the reader's Excel
    assert rows[1][11] == f"{x.name}（外出务工）" and rows[1][7:11] == [7, 6, 1, 0]
    summary = {row[0]: row for row in book["落实情况"][1:]}
    assert summary["主题党日"][1:3] == [12, 1]
    with time_machine.travel(at(2026, 2, 1), tick=False):
        r = c.get(f"/party/organisations/{branch.org.pk}/book.pdf?year=2026")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    # a member is no officer: no book
    member = client(branch.user_of(x, "xm"))
    assert member.get(f"/party/organisations/{branch.org.pk}/book.xlsx").status_code == 404


# ------------------------------------------------------------------------ exports, 评先评优


def test_the_card_export_is_a_safe_workbook_and_in_service_cards_list(branch, demo):
    branch.hold(at(2026, 3, 15))
    c = client(demo.user("secretary"))
    with time_machine.travel(at(2026, 6, 1), tick=False):
        r = c.get("/party/scorecards/export.xlsx?kind=member&year=2026")
        assert r.status_code == 200
        (rows,) = sheet(r).values()
        header = rows[0]
        assert header[:5] == ["对象", "年度", "总分", "星级/等次", "状态"]
        assert "参加组织生活" in header  # every item's points a column
        names = {row[0] for row in rows[1:]}
        assert {p.name for p in branch.members} <= names
        for kind in ("branch", "member", "unit", "in_service"):  # one place, four kinds
            page = c.get(f"/party/scorecards/?kind={kind}&year=2026")
            assert page.status_code == 200, kind
            assert c.get(f"/party/scorecards/export.xlsx?kind={kind}&year=2026").status_code == 200


def test_honours_list_five_star_branches_and_excellent_members(branch, demo):
    formula = {
        "parts": [{"code": "base", "base": "95", "rules": []}],
        "bands": [{"grade": "5", "min": "90"}, {"grade": "1"}],
    }
    CardFormula.objects.create(kind="member", formula=formula)
    CardFormula.objects.create(
        kind="branch", formula={**formula, "grade_caps": [{"grade": "5", "max_share": "0.3"}]}
    )
    star, plain = branch.full[1], branch.full[2]
    with time_machine.travel(at(2026, 12, 1), tick=False):
        a = services.appraisal_open(actor=branch.secretary, organisation=branch.org, year=2026)
        services.appraisal_grade(
            actor=branch.secretary,
            appraisal=a,
            grades={star.pk: AppraisalGrade.EXCELLENT, plain.pk: AppraisalGrade.QUALIFIED},
        )
    with time_machine.travel(at(2027, 1, 10), tick=False):
        got = books.honours(branch.secretary, 2026)
        members = [h.subject for h in got if h.title == "优秀共产党员"]
        assert members == [star.name]  # five stars all, but only 优秀 in the appraisal
        assert branch.probationary.name not in members
        # every branch missed months of its cadence in 2026: none is 先进
        assert [h for h in got if h.title == "先进基层党组织"] == []
        r = client(branch.secretary).get("/party/honours/?year=2026&format=xlsx")
        assert r.status_code == 200
        (rows,) = sheet(r).values()
        assert rows[1][:2] == ["优秀共产党员", star.name]
        page = client(branch.secretary).get("/party/honours/?year=2026")
        assert f"member-{star.pk}-2026" in page.content.decode()
        # a plain member has no list
        assert client(branch.user_of(plain, "pl")).get("/party/honours/").status_code == 404
