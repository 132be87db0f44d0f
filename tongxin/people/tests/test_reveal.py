"""Seeing a full ID or phone number needs the right post and a reason, and is always audited."""

import json

from tongxin.core import vault
from tongxin.core.models import AuditEvent
from tongxin.people.models import Person


def post_reveal(client, pk, field="phone", reason="上门走访需要联系本人"):
    return client.post(
        f"/api/v1/persons/{pk}/reveal",
        data=json.dumps({"field": field, "reason": reason}),
        content_type="application/json",
    )


def resident_of(demo, grid_no):
    return (
        Person.objects.filter(grid=demo.grid(grid_no))
        .exclude(phone_cipher="")
        .order_by("id")
        .first()
    )


def test_grid_worker_reveals_with_reason_and_is_audited(demo):
    person = resident_of(demo, 1)
    response = post_reveal(demo.api("grid1"), person.pk)
    assert response.status_code == 200
    assert response.json()["value"] == vault.decrypt(person.phone_cipher, context="person.phone")
    event = AuditEvent.objects.filter(action="pii_reveal", subject_person_id=person.pk).last()
    assert event.result == "ok" and event.detail["reason"] == "上门走访需要联系本人"
    assert event.actor_name == "grid1"


def test_building_head_is_refused_and_the_refusal_is_audited(demo):
    head = demo.user("building")
    neighbour = (
        Person.objects.visible_to(head).exclude(pk=head.person_id).exclude(phone_cipher="").first()
    )
    response = post_reveal(demo.api("building"), neighbour.pk)
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert AuditEvent.objects.filter(
        action="pii_reveal", subject_person_id=neighbour.pk, result="denied"
    ).exists()


def test_out_of_scope_is_not_found_and_reason_is_required(demo):
    assert post_reveal(demo.api("grid1"), resident_of(demo, 2).pk).status_code == 404
    response = post_reveal(demo.api("grid1"), resident_of(demo, 1).pk, reason="看")
    assert response.status_code == 422
    assert "事由" in response.json()["message"]
    response = post_reveal(demo.api("grid1"), resident_of(demo, 1).pk, field="name")
    assert response.status_code == 422


def test_admins_and_anonymous_cannot_reveal(demo):
    from django.test import Client

    pk = resident_of(demo, 1).pk
    assert post_reveal(demo.api("sysadmin"), pk).status_code == 404
    assert post_reveal(Client(), pk).status_code == 401


def test_person_page_reveal_form_for_allowed_roles_only(demo):
    person = resident_of(demo, 1)
    page = demo.client("grid1").get(f"/people/{person.pk}/")
    assert b'name="reason"' in page.content
    head = demo.user("building")
    neighbour = Person.objects.visible_to(head).exclude(pk=head.person_id).first()
    assert b'name="reason"' not in demo.client("building").get(f"/people/{neighbour.pk}/").content


def test_person_page_reveal_post(demo):
    person = resident_of(demo, 1)
    client = demo.client("grid1")
    response = client.post(
        f"/people/{person.pk}/reveal/",
        {"field": "phone", "reason": "核实独居老人联系方式"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    phone = vault.decrypt(person.phone_cipher, context="person.phone")
    assert phone in response.content.decode()
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    refused = client.post(f"/people/{person.pk}/reveal/", {"field": "phone", "reason": ""})
    assert refused.status_code == 422
    assert "事由" in refused.content.decode()


def test_reveals_are_rate_limited(demo, settings):
    settings.TONGXIN_RATE_LIMITS = {**settings.TONGXIN_RATE_LIMITS, "reveal": "2/h"}
    person = resident_of(demo, 1)
    client = demo.client("grid1")
    data = {"field": "phone", "reason": "核实独居老人联系方式"}
    assert client.post(f"/people/{person.pk}/reveal/", data).status_code == 200
    assert client.post(f"/people/{person.pk}/reveal/", data).status_code == 200
    third = client.post(f"/people/{person.pk}/reveal/", data)
    assert third.status_code == 429 and third["Retry-After"]
