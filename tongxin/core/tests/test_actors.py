"""The one ``Actor`` type: accounts are actors, and the code anonymous visitors (or no actor
at all: system work) reach answers for them as it did when it read them with ``getattr``."""

from django.contrib.auth.models import AnonymousUser

from tongxin.accounts.models import AdminDuty, User
from tongxin.cases import policies
from tongxin.core import actors, audit
from tongxin.core.scoping import scope_for
from tongxin.people.models import CorrectionRequest, ImportJob, Person
from tongxin.people.selectors import home_place
from tongxin.volunteering.models import Activity


def test_nobody_has_a_person_nor_an_account():
    for nobody in (None, AnonymousUser()):
        assert actors.person_id_of(nobody) is None
        assert actors.person_of(nobody) is None
        assert actors.saved_account(nobody) is None
        assert home_place(nobody) is None
        assert not policies.may_report(nobody)
        assert scope_for(nobody).is_empty


def test_an_account_is_read_as_an_actor(demo):
    user = demo.user("grid1")
    assert actors.person_id_of(user) == user.person_id
    assert actors.person_of(user) == user.person
    assert actors.saved_account(user) is user
    assert actors.as_account(user) is user
    admin = User(username="unsaved", admin_duty=AdminDuty.SYSTEM)
    assert actors.person_id_of(admin) is None
    assert actors.saved_account(admin) is None  # not saved: no row to point at


def test_anonymous_visitors_see_nothing_through_the_narrowing_querysets(demo):
    anonymous = AnonymousUser()
    assert not Person.objects.visible_to(anonymous).exists()
    assert not ImportJob.objects.visible_to(anonymous).exists()
    assert not CorrectionRequest.objects.visible_to(anonymous).exists()
    # An activity's community is narrowed by the visitor's home: an anonymous one has none.
    assert not Activity.objects.visible_to(anonymous).exists()


def test_the_audit_names_no_account_for_anonymous_or_system_work(db):
    assert audit.record(actor=AnonymousUser(), action="probe").actor_id is None
    assert audit.record(actor=None, action="probe").actor_id is None
