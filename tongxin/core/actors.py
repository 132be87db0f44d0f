"""Who acts: the one type through which the domain reads the user it acts for.

An ``Actor`` is whoever a service, policy, selector or queryset acts for: the ``actor`` of a
service call, the ``user`` of ``visible_to(user)``. In practice it is an account,
``tongxin.accounts.models.User`` (a signed-in resident or member of staff, an administrator),
and, where checks that anyone may reach run, Django's ``AnonymousUser``. It describes only
what the domain reads: the account's key, whether it is signed in and enabled, the person it
belongs to (``person_id``: posts, household and cases follow from the person), the separated
administrative duty it holds (``admin_duty``, 三权分立: "" for none) and the names it is shown
by. System work (clocks, Open311 intake, commands) passes no actor at all: ``None``, where a
signature says ``Actor | None``.

Why a ``Protocol`` rather than the ``User`` class: ``core`` lies below ``accounts`` and must not
import it (docs/architecture.md, "Layers"; import-linter enforces it, and an import under
``TYPE_CHECKING`` counts too). A Protocol is structural: ``User`` satisfies it without either
module knowing the other, and every layer, ``core`` included, names the same type. Where the
account model itself is wanted (a foreign key such as ``created_by``, ``uploaded_by``) the
actor is handed over through ``as_account`` (or ``saved_account`` for a nullable one).

Anonymous visitors. ``AnonymousUser`` has ``pk`` (None), ``is_authenticated``, ``is_active``,
``is_staff``, ``is_superuser`` (all False), ``username`` ("") and ``get_username()``, but none
of the account's own fields. It reaches, at run time, only code that asks
``is_authenticated`` first (``scope_for``, ``visible_to`` and the ``narrow`` of each model,
``cases.policies.may``, ``audit.record``, ``uploads.store_uploads``…): such code reads
``person_id``, ``admin_duty`` and the rest only after that check, or, where it has none (a
``narrow`` that looks at the user's home, a service Open311 calls with no actor), through
``person_id_of`` and ``person_of`` here, the one place that reads them defensively. Views
that only signed-in visitors reach (``ui.decorators.personal_page``, ``login_required``)
annotate their request as ``ActorRequest``; the API's ``api_support.caller`` answers an
``Actor`` (its endpoints authenticate first).
"""

from __future__ import annotations

from typing import Any, Protocol

from django.http import HttpRequest


class Actor(Protocol):
    """What the domain reads from whoever acts (see the module docstring). Read-only: the
    domain never sets an account's fields through an actor."""

    @property
    def pk(self) -> int | None: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_staff(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...

    @property
    def username(self) -> str: ...

    @property
    def person_id(self) -> int | None:
        """The resident (``people.Person``) the account belongs to; None for administrators
        and accounts of nobody in particular."""

    @property
    def person(self) -> Any:
        """That person (``people.Person | None``; ``people`` lies above ``core``)."""

    @property
    def admin_duty(self) -> str:
        """The administrative duty held (``accounts.models.AdminDuty``), "" for none."""

    @property
    def display_name(self) -> str: ...

    def get_username(self) -> str: ...


def person_id_of(actor: Actor | None) -> int | None:
    """The actor's person; None for anonymous visitors (and for no actor at all)."""
    return getattr(actor, "person_id", None)


def person_of(actor: Actor | None) -> Any:
    """The actor's person (``people.Person``); None when it has none or is anonymous."""
    return actor.person if actor is not None and person_id_of(actor) else None


def as_account(actor: Actor | None) -> Any:
    """The actor where the account model itself is wanted: a foreign key to
    ``settings.AUTH_USER_MODEL`` (``created_by=``, ``filter(user=…)``). Only accounts reach
    such code; the Protocol cannot say so, since the model lies above ``core``."""
    return actor


def saved_account(actor: Actor | None) -> Any:
    """The actor for a nullable foreign key to the account model: itself when it is a saved
    account, None when there is no actor or it is anonymous (no ``pk``)."""
    return actor if actor is not None and actor.pk else None


class ActorRequest(HttpRequest):
    """The request of a view that only signed-in accounts reach (behind
    ``ui.decorators.personal_page`` or ``login_required``), with its ``user`` read as an
    ``Actor``. django-stubs types ``HttpRequest.user`` as ``User | AnonymousUser``, and
    ``AnonymousUser`` has none of the account's own fields, so a view annotated with this
    type says its visitor is signed in. An annotation only: Django builds the request."""

    user: Actor  # type: ignore[assignment]  # an Actor, not the stubs' User | AnonymousUser
