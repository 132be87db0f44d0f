"""Residents' rights (PIPL Art. 44-47): see and copy one's own data and nothing of anyone
else's, ask for a correction, and be erased — tried from the side that must not get through."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import connection

from tongxin.core import audit, clock, csvsafe, vault
from tongxin.core.models import AuditEvent
from tongxin.core.validators import id_check_char
from tongxin.orgs.models import Absence, Post
from tongxin.people import own_data, rights
from tongxin.people.models import (
    CareTag,
    CorrectionRequest,
    CorrectionStatus,
    Household,
    PartyMembership,
    Person,
)
from tongxin.people.selectors import persons_for
from tongxin.people.services import PHONE_CONTEXT
from tongxin.workbench.tests.helpers import clear_id_number, clear_phone, html

# An ID number (17 digits and a check character) or a mobile number, not part of a longer run.
NUMBERS = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|1\d{10})(?![\dA-Za-z])")
LONG_DIGITS = re.compile(r"\d{11,}[Xx]?")


def resident(demo):
    return demo.user("resident").person


def own_numbers(person: Person) -> set[str]:
    return {clear_id_number(person), clear_phone(person)} - {""}


def export(client, fmt: str):
    return client.get(f"/me/export.{fmt}")


def self_access_rows(person: Person, channel: str):
    return AuditEvent.objects.filter(
        action="self_access", subject_person_id=person.pk, detail__channel=channel
    )


def neighbour_of(person: Person, demo) -> Person:
    """Someone in the resident's grid who is not of their household."""
    return (
        Person.objects.filter(place_path__prefix=demo.grid(1).path, is_active=True)
        .exclude(household=person.household)
        .exclude(phone_cipher="")
        .order_by("id")
        .first()
    )


# ---------------------------------------------------------------------------- my data


def test_resident_sees_own_full_numbers_and_the_view_is_audited(demo):
    me = resident(demo)
    assert clear_id_number(me) and clear_phone(me)
    response = demo.client("resident").get("/me/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = html(response)
    assert clear_id_number(me) in page
    assert clear_phone(me) in page
    assert set(NUMBERS.findall(page)) <= own_numbers(me)
    assert self_access_rows(me, "page").count() == 1


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_holds_own_numbers_and_nobody_elses(demo, fmt):
    me = resident(demo)
    response = export(demo.client("resident"), fmt)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert quote("我的个人信息") in disposition and disposition.endswith(f".{fmt}")
    text = response.content.decode("utf-8")
    assert clear_id_number(me) in text
    assert clear_phone(me) in text
    # Every ID-like or phone-like run of digits in the file is the resident's own.
    found = set(NUMBERS.findall(text)) | set(LONG_DIGITS.findall(text))
    assert found <= own_numbers(me), found - own_numbers(me)
    others = Person.objects.exclude(pk=me.pk).exclude(phone_cipher="").order_by("id")[:300]
    for other in others:
        assert clear_phone(other) not in text or clear_phone(other) == clear_phone(me)
    assert self_access_rows(me, fmt).count() == 1


def test_json_export_shows_household_members_by_name_and_relation_only(demo):
    me = resident(demo)
    members = Person.objects.filter(household=me.household, is_active=True).exclude(pk=me.pk)
    assert members.exists()
    data = json.loads(export(demo.client("resident"), "json").content)
    assert data["format"] == own_data.EXPORT_FORMAT
    assert data["data"]["person"]["id_number"] == clear_id_number(me)
    assert data["data"]["person"]["phone"] == clear_phone(me)
    listed = data["data"]["household_members"]
    assert {m["name"] for m in listed} == {m.name for m in members}
    assert all(set(m) == {"name", "relation"} for m in listed)
    assert data["labels"]["person"]["id_number"] == "身份证号"
    assert data["data"]["processing_records"][0]["action"] == "本人查阅或下载个人信息"


def test_export_covers_care_tags_posts_absences_and_membership(demo):
    """The data of someone who holds posts and is looked after, in full."""
    user = demo.user("building")
    me = user.person
    CareTag.objects.create(person=me, kind="disabled", grade="二级肢体", note="行动不便")
    Absence.objects.create(
        person=me, start_date=clock.today(), end_date=clock.today(), reason="病假"
    )
    data = json.loads(export(demo.client("building"), "json").content)["data"]
    # Every tag the person carries, the new one included (the demo may give the building
    # head tags of its own, such as 空巢老人 once their age passes the line on some date).
    assert sorted(t["kind"] for t in data["care_tags"]) == sorted(
        t.get_kind_display() for t in CareTag.objects.filter(person=me)
    )
    assert [t["grade"] for t in data["care_tags"] if t["kind"] == "残疾"] == ["二级肢体"]
    assert {p["role"] for p in data["posts"]} == {
        p.get_role_display() for p in Post.objects.filter(person=me)
    }
    assert data["absences"][-1]["reason"] == "病假"
    membership = PartyMembership.objects.filter(person=me).first()
    if membership:
        assert data["party_membership"]["organisation"] == membership.organisation.name
    assert data["account"]["username"] == "building"


def test_processing_records_show_staff_role_and_unit_not_name(demo):
    me = resident(demo)
    worker = demo.user("grid1")
    # As the reveal service writes it (the reveal itself is tested with the service).
    audit.record(
        actor=worker,
        action="pii_reveal",
        obj=me,
        subject_person_id=me.pk,
        detail={"field": "phone", "reason": "核实联系方式"},
    )
    data = json.loads(export(demo.client("resident"), "json").content)["data"]
    by_staff = [r for r in data["processing_records"] if r["actor"] == "工作人员"]
    assert by_staff, data["processing_records"]
    record = by_staff[0]
    assert record["action"] == "查看完整号码"
    assert record["actor_role"] == "网格员"
    assert record["actor_unit"] == demo.grid(1).name
    assert "项目：手机号" in record["detail"]
    text = json.dumps(data, ensure_ascii=False)
    assert worker.person.name not in text
    assert worker.username not in text


def test_my_data_is_not_found_for_an_account_without_a_person(demo):
    client = demo.client("auditor")
    assert client.get("/me/").status_code == 404
    assert export(client, "json").status_code == 404
    assert export(client, "csv").status_code == 404
    assert client.get("/me/corrections/new/").status_code == 404


def test_anonymous_is_sent_to_login_and_downloads_are_read_only(demo):
    from django.test import Client

    anonymous = Client()
    for url in ("/me/", "/me/corrections/new/", "/corrections/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert export(anonymous, "json").status_code == 302
    assert demo.client("resident").post("/me/export.json").status_code == 405


def test_resident_reaches_nobody_elses_data_through_any_rights_url(demo):
    me = resident(demo)
    client = demo.client("resident")
    other = neighbour_of(me, demo)
    member = Person.objects.filter(household=me.household).exclude(pk=me.pk).first()
    theirs = CorrectionRequest.objects.create(
        person=other, field="occupation", requested_value="教师"
    )
    family = CorrectionRequest.objects.create(
        person=member, field="occupation", requested_value="医生"
    )
    for pk in (other.pk, member.pk, me.pk, 10**9):
        assert client.get(f"/people/{pk}/erase/").status_code in (403, 404)
    assert client.get(f"/people/{other.pk}/erase/").status_code == 404
    assert client.post(f"/people/{other.pk}/erase/", {"reason": "x"}).status_code == 404
    for c in (theirs, family):
        assert client.get(f"/corrections/{c.pk}/").status_code == 404
        assert client.post(f"/corrections/{c.pk}/", {"action": "accept"}).status_code == 404
    assert client.get("/corrections/").status_code == 403
    for fmt in ("json", "csv"):
        text = export(client, fmt).content.decode()
        assert other.name not in text
        assert "教师" not in text and "医生" not in text


# ---------------------------------------------------------------------------- CSV safety


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+SUM(A1:A2)", "-2", "@cmd", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x")', "＝1"],
)
def test_csv_cells_that_would_run_are_quoted(value):
    assert csvsafe.safe_cell(value) == "'" + value
    text = csvsafe.to_text([["标题", value]])
    assert text.startswith(csvsafe.BOM)
    row = next(csv.reader(io.StringIO(text[1:])))
    assert row == ["标题", "'" + value]
    assert not row[1].startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("value", ["张三", "1+1", "a=b", "", "13800138000", " =1"])
def test_csv_plain_cells_are_left_alone(value):
    assert csvsafe.safe_cell(value) == value


def test_csv_numbers_and_empty_values():
    assert csvsafe.safe_cell(-2) == -2
    assert csvsafe.safe_cell(None) == ""
    assert csvsafe.safe_cell(True) == "是"
    assert csvsafe.to_text([[-2, 1.5]], bom=False) == "-2,1.5\r\n"


def test_csv_export_defuses_a_formula_typed_into_the_registry(demo):
    me = resident(demo)
    Person.objects.filter(pk=me.pk).update(occupation="=cmd|'/C calc'!A0", employer="@SUM(1)")
    response = export(demo.client("resident"), "csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith(csvsafe.BOM)
    rows = list(csv.reader(io.StringIO(text[1:])))
    cells = [c for r in rows for c in r]
    assert "'=cmd|'/C calc'!A0" in cells
    assert "'@SUM(1)" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


# ---------------------------------------------------------------------------- corrections


def new_phone(person: Person) -> str:
    current = clear_phone(person)
    return "139" + ("00000000" if not current.endswith("00000000") else "11111111")


def test_correction_round_trip_accept(demo):
    me = resident(demo)
    phone = new_phone(me)
    client = demo.client("resident")
    response = client.post(
        "/me/corrections/new/", {"field": "phone", "value": phone, "note": "换了号码"}
    )
    assert response.status_code == 302
    c = CorrectionRequest.objects.get(person=me, field="phone")
    assert c.requested_value == "" and phone not in c.requested_cipher
    assert vault.decrypt(c.requested_cipher, context=PHONE_CONTEXT) == phone
    assert c.requested_masked == vault.mask_phone(phone)
    assert AuditEvent.objects.filter(action="correction_request", subject_person_id=me.pk).exists()
    # The requester sees it, masked; grid 1 sees it in the queue; grid 2 does not.
    assert "换了号码" in html(client.get("/me/"))
    grid1, grid2 = demo.client("grid1"), demo.client("grid2")
    assert c in grid1.get("/corrections/").context["page_obj"].object_list
    assert c not in grid2.get("/corrections/").context["page_obj"].object_list
    assert grid2.get(f"/corrections/{c.pk}/").status_code == 404
    assert grid2.post(f"/corrections/{c.pk}/", {"action": "accept"}).status_code == 404
    # The resident cannot decide their own request.
    assert client.post(f"/corrections/{c.pk}/", {"action": "accept"}).status_code == 403
    page = grid1.get(f"/corrections/{c.pk}/")
    assert page.context["may_decide"]
    assert phone not in html(page)
    response = grid1.post(f"/corrections/{c.pk}/", {"action": "accept", "decision_note": "已核实"})
    assert response.status_code == 302
    c.refresh_from_db()
    me.refresh_from_db()
    assert c.status == CorrectionStatus.ACCEPTED and c.decided_by == demo.user("grid1")
    assert c.requested_cipher == ""  # the registry holds it now
    assert clear_phone(me) == phone
    assert AuditEvent.objects.filter(action="correction_accept", subject_person_id=me.pk).exists()
    assert AuditEvent.objects.filter(action="person_update", subject_person_id=me.pk).exists()
    # Deciding twice is refused.
    again = grid1.post(f"/corrections/{c.pk}/", {"action": "reject", "decision_note": "x"})
    assert again.status_code == 400


def test_correction_reject_needs_a_reason_and_keeps_the_registry(demo):
    me = resident(demo)
    before = (me.name, me.occupation)
    c = rights.correction_request_create(
        actor=demo.user("resident"), field_name="name", value="改个名", note=""
    )
    grid1 = demo.client("grid1")
    assert grid1.post(f"/corrections/{c.pk}/", {"action": "reject"}).status_code == 400
    c.refresh_from_db()
    assert c.status == CorrectionStatus.OPEN
    response = grid1.post(
        f"/corrections/{c.pk}/", {"action": "reject", "decision_note": "与户口本不符"}
    )
    assert response.status_code == 302
    c.refresh_from_db()
    me.refresh_from_db()
    assert c.status == CorrectionStatus.REJECTED and c.decision_note == "与户口本不符"
    assert (me.name, me.occupation) == before
    assert AuditEvent.objects.filter(action="correction_reject", subject_person_id=me.pk).exists()
    assert "与户口本不符" in html(demo.client("resident").get("/me/"))


def test_correction_of_the_id_number_and_a_coded_field(demo):
    me = resident(demo)
    user = demo.user("resident")
    body = "42010219800101" + "123"
    new_id = body + id_check_char(body)
    c = rights.correction_request_create(actor=user, field_name="id_number", value=new_id)
    g = rights.correction_request_create(actor=user, field_name="gender", value="女")
    assert g.requested_value == "F" and g.requested_display == "女"
    assert c.requested_masked.endswith(new_id[-4:]) and new_id not in c.requested_masked
    worker = demo.user("grid1")
    rights.correction_accept(actor=worker, correction=c)
    rights.correction_accept(actor=worker, correction=g)
    me.refresh_from_db()
    assert clear_id_number(me) == new_id and me.gender == "F"
    assert str(me.birth_date) == "1980-01-01"


def test_bad_and_duplicate_corrections_are_refused(demo):
    client = demo.client("resident")
    bad = client.post("/me/corrections/new/", {"field": "id_number", "value": "123"})
    assert bad.status_code == 400 and "身份证号格式不正确" in html(bad)
    assert client.post("/me/corrections/new/", {"field": "nope", "value": "x"}).status_code == 400
    assert client.post("/me/corrections/new/", {"field": "gender", "value": "X"}).status_code == 400
    ok = client.post("/me/corrections/new/", {"field": "occupation", "value": "退休"})
    assert ok.status_code == 302
    twice = client.post("/me/corrections/new/", {"field": "occupation", "value": "教师"})
    assert twice.status_code == 400 and "待处理" in html(twice)
    assert not CorrectionRequest.objects.filter(field="id_number").exists()


def test_correction_requests_are_scoped(demo):
    me = resident(demo)
    c = rights.correction_request_create(
        actor=demo.user("resident"), field_name="employer", value="某某公司"
    )
    assert list(CorrectionRequest.objects.visible_to(demo.user("resident"))) == [c]
    assert c in CorrectionRequest.objects.visible_to(demo.user("grid1"))
    assert c in CorrectionRequest.objects.visible_to(demo.user("secretary"))
    for username in ("grid2", "building", "member", "dept", "auditor", "secadmin"):
        user = demo.user(username)
        if user.person_id and user.person.household_id == me.household_id:
            continue
        assert c not in CorrectionRequest.objects.visible_to(user), username
    # A household member sees the household, not the requests of its members.
    member = (
        Person.objects.filter(household=me.household, user__isnull=True).exclude(pk=me.pk).first()
    )
    from tongxin.accounts.models import User

    family = User.objects.create(username="family", person=member)
    assert not CorrectionRequest.objects.visible_to(family).exists()


# ---------------------------------------------------------------------------- erasure


def raw_row(pk: int) -> dict:
    table = Person._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        columns = [c[0] for c in cur.description]
        return dict(zip(columns, cur.fetchone(), strict=True))


def test_secretary_erases_a_person(demo):
    user = demo.user("building")
    person = user.person
    CareTag.objects.create(person=person, kind="serious_illness", note="住院")
    Absence.objects.create(person=person, start_date=clock.today(), end_date=clock.today())
    old = {
        "name": person.name,
        "id": clear_id_number(person),
        "phone": clear_phone(person),
        "id_hash": person.id_number_hash,
        "birth": person.birth_date,
    }
    household_id = person.household_id
    posts = list(Post.objects.filter(person=person).values_list("pk", flat=True))
    assert posts

    secretary = demo.client("secretary")
    assert secretary.get(f"/people/{person.pk}/erase/").status_code == 200
    assert secretary.post(f"/people/{person.pk}/erase/", {"reason": ""}).status_code == 400
    response = secretary.post(f"/people/{person.pk}/erase/", {"reason": "本人书面申请删除"})
    assert response.status_code == 302

    pseudonym = rights.pseudonym(person.pk)
    assert re.fullmatch(r"P-[0-9a-f]{12}", pseudonym)
    row = raw_row(person.pk)
    assert row["name"] == f"已删除-{pseudonym}"
    for column in (
        "name_pinyin",
        "name_initials",
        "id_number_cipher",
        "id_number_hash",
        "id_number_last4",
        "phone_cipher",
        "phone_hash",
        "phone_masked",
        "phone_last4",
        "occupation",
        "employer",
        "relation",
        "gender",
        "ethnicity",
        "political_status",
        "residence_status",
    ):
        assert row[column] == "", column
    assert row["birth_date"] is None and row["household_id"] is None
    assert not row["is_active"] and row["left_reason"] == rights.ERASED_REASON
    dump = " ".join(str(v) for v in row.values())
    for value in old.values():
        if value:
            assert str(value) not in dump
    assert Household.objects.filter(pk=household_id).exists()
    assert not CareTag.objects.filter(person_id=person.pk).exists()
    assert not PartyMembership.objects.filter(person_id=person.pk).exists()
    assert not Absence.objects.filter(person_id=person.pk).exists()
    kept = Post.objects.filter(person_id=person.pk)
    assert kept.exists() and not kept.active().exists()

    user.refresh_from_db()
    assert not user.is_active and user.person_id is None
    assert user.username.startswith("erased-") and not user.has_usable_password()

    event = AuditEvent.objects.get(action="person_erase", subject_person_id=person.pk, result="ok")
    assert event.detail["pseudonym"] == pseudonym
    assert event.detail["reason"] == "本人书面申请删除"
    # Search no longer finds them, by name or number.
    staff = demo.user("secretary")
    for q in (old["name"], old["id"], old["phone"]):
        assert not persons_for(staff, search=q).filter(pk=person.pk).exists()
    # Erasing twice is refused; the former account cannot sign in.
    assert secretary.post(f"/people/{person.pk}/erase/", {"reason": "again"}).status_code == 400
    assert demo.client("secretary").get(f"/people/{person.pk}/erase/").status_code == 200


def test_erased_resident_loses_access_and_their_request_content(demo):
    from django.test import Client

    user = demo.user("resident")
    me = user.person
    client = demo.client("resident")
    rights.correction_request_create(actor=user, field_name="employer", value="X厂", note="换工作")
    rights.person_erase(actor=demo.user("secretary"), person=me, reason="撤回同意")
    c = CorrectionRequest.objects.get(person=me)
    assert c.status == CorrectionStatus.REJECTED
    assert (c.requested_value, c.requested_cipher, c.requested_masked, c.note) == ("", "", "", "")
    user.refresh_from_db()
    assert not user.is_active
    assert client.get("/me/").status_code == 302  # the open session no longer signs them in
    again = Client()
    again.force_login(user)
    assert again.get("/me/").status_code == 302


@pytest.mark.parametrize("username", ["grid1", "building"])
def test_staff_below_community_leadership_cannot_erase(demo, username):
    person = resident(demo)
    client = demo.client(username)
    assert client.get(f"/people/{person.pk}/erase/").status_code == 403
    assert client.post(f"/people/{person.pk}/erase/", {"reason": "试试"}).status_code == 403
    person.refresh_from_db()
    assert person.is_active and person.id_number_hash
    denied = AuditEvent.objects.filter(
        action="person_erase", subject_person_id=person.pk, result="denied"
    )
    assert denied.count() == 1


def test_erasure_out_of_scope_is_not_found(demo):
    person = resident(demo)
    assert demo.client("grid2").get(f"/people/{person.pk}/erase/").status_code == 404
    assert (
        demo.client("dept").post(f"/people/{person.pk}/erase/", {"reason": "x"}).status_code == 404
    )
    assert demo.client("auditor").get(f"/people/{person.pk}/erase/").status_code == 404


def test_nobody_erases_themself(demo):
    secretary = demo.user("secretary")
    assert not rights.can_erase(secretary, secretary.person)
    response = demo.client("secretary").get(f"/people/{secretary.person_id}/erase/")
    assert response.status_code == 403


# ---------------------------------------------------------------------------- coverage


def test_every_model_linking_a_person_is_in_my_data():
    """A new model holding a person must be added to what a resident can see and export."""
    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("tongxin."):
            continue
        links = model is Person or any(
            getattr(f, "related_model", None) is Person
            for f in model._meta.get_fields()
            if f.concrete
        )
        if links and model._meta.label_lower not in own_data.LINKED_MODELS:
            missing.append(model._meta.label_lower)
    assert missing == [], f"models linking a person, missing from my data: {missing}"


def test_downloads_are_rate_limited(demo, settings):
    settings.TONGXIN_RATE_LIMITS = {
        **getattr(settings, "TONGXIN_RATE_LIMITS", {}),
        "self_export": "2/h",
    }
    client = demo.client("resident")
    assert export(client, "json").status_code == 200
    assert export(client, "csv").status_code == 200
    assert export(client, "json").status_code == 429
    assert export(demo.client("member"), "json").status_code == 200  # counted per account
