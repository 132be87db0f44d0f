"""The pages: a claimer's view of a listed need shows no name or address, the board's overdue
filter, bad input on the phone form answered on the page, refusals as 403/404 or messages."""

from __future__ import annotations

import datetime as dt

from tongxin.matching.models import Need


def test_a_listed_need_page_hides_the_resident_from_a_would_be_claimer(world):
    need = world.listed()
    resident = world.user("resident").person
    page = world.demo.client("member").get(f"/matching/needs/{need.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert resident.name not in body and 'id="btn-claim"' in body
    world.demo.client("member").post(f"/matching/needs/{need.pk}/act/claim/")
    body = world.demo.client("member").get(f"/matching/needs/{need.pk}/").content.decode()
    assert resident.name in body


def test_another_grids_worker_gets_404_on_the_page(world):
    need = world.need()
    assert world.demo.client("grid2").get(f"/matching/needs/{need.pk}/").status_code == 404
    assert world.demo.client("grid1").get(f"/matching/needs/{need.pk}/").status_code == 200


def test_the_board_filters_overdue_claims(world):
    need = world.listed()
    world.act(need, "claim", "member")
    Need.objects.filter(pk=need.pk).update(contact_by=dt.date(2020, 1, 1))
    body = world.demo.client("secretary").get("/matching/", {"overdue": "1"}).content.decode()
    assert f'data-need="{need.pk}"' in body
    fresh = world.listed()
    world.act(fresh, "claim", "member")
    body = world.demo.client("secretary").get("/matching/", {"overdue": "1"}).content.decode()
    assert f'data-need="{fresh.pk}"' not in body


def test_bad_input_on_the_form_is_a_message_not_an_error(world):
    client = world.demo.client("resident")
    before = Need.objects.count()
    r = client.post("/matching/new/", {"kind": "repair", "description": "  ", "urgency": "x"})
    assert r.status_code == 200 and Need.objects.count() == before
    r = client.post(
        "/matching/new/", {"kind": "repair", "description": "门锁坏了", "urgency": "urgent"}
    )
    assert r.status_code == 302 and Need.objects.count() == before + 1


def test_a_refused_act_is_a_message_and_a_forbidden_one_403(world):
    need = world.need()
    client = world.demo.client("secretary")
    r = client.post(f"/matching/needs/{need.pk}/act/claim/")  # posted: the machine refuses
    assert r.status_code == 302
    r = world.demo.client("resident").post(
        f"/matching/needs/{need.pk}/act/verify/", {"method": "phone"}
    )
    assert r.status_code == 403
    r = world.demo.client("grid1").post(
        f"/matching/needs/{need.pk}/act/complete/", {"minutes": "lots"}
    )
    assert r.status_code == 302
    need.refresh_from_db()
    assert need.state == "posted"


def test_admins_may_not_post(world):
    assert world.demo.client("sysadmin").get("/matching/new/").status_code == 403


def test_the_managers_export_the_needs_without_names(world):
    need = world.need()
    r = world.demo.client("secretary").get("/matching/needs.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    body = r.content.decode("utf-8-sig")
    assert need.description in body
    assert world.user("resident").person.name not in body
    assert world.demo.client("grid1").get("/matching/needs.csv").status_code == 403
