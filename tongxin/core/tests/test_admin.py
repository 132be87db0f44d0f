"""Separated administration in the back office: each admin sees only their own duty."""

import pytest

from tongxin.core import audit


def test_audit_log_is_for_the_audit_admin_only(demo):
    audit.record(actor=demo.user("grid1"), action="test_action")
    assert demo.client("auditor").get("/admin/core/auditevent/").status_code == 200
    for name in ("sysadmin", "secadmin"):
        assert demo.client(name).get("/admin/core/auditevent/").status_code == 403


def test_accounts_are_for_the_security_admin_only(demo):
    assert demo.client("secadmin").get("/admin/accounts/user/").status_code == 200
    assert demo.client("sysadmin").get("/admin/accounts/user/").status_code == 403


@pytest.mark.parametrize(
    "url", ["/admin/people/person/", "/admin/people/household/", "/admin/people/caretag/"]
)
def test_system_admin_sees_no_residents_in_the_admin(demo, url):
    response = demo.client("sysadmin").get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_places_admin_works_for_the_system_admin(demo):
    response = demo.client("sysadmin").get("/admin/places/place/")
    assert response.status_code == 200


def test_create_admin_prints_a_one_time_password(db):
    import io

    from django.contrib.auth import authenticate
    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_admin", "sec2", "--duty", "security", stdout=out)
    password = out.getvalue().split("一次性密码：")[1].split()[0]
    user = authenticate(username="sec2", password=password)
    assert user is not None and user.admin_duty == "security" and not user.is_superuser


def test_an_admin_account_cannot_be_linked_to_a_person(demo):
    from django.db import IntegrityError, transaction

    from tongxin.people.models import Person

    admin = demo.user("secadmin")
    admin.person = Person.objects.exclude(user__isnull=False).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        admin.save()


def test_every_admin_page_opens_for_the_system_admin(demo):
    """Each registered model's list and add pages answer (no broken admin declarations)."""
    from django.contrib import admin as django_admin

    client = demo.client("sysadmin")
    for model, model_admin in django_admin.site._registry.items():
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        response = client.get(base)
        assert response.status_code in (200, 302, 403), (base, response.status_code)
        if model_admin.has_add_permission(_request_for(demo.user("sysadmin"))):
            added = client.get(base + "add/")
            assert added.status_code in (200, 302, 403), (base, added.status_code)


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request
