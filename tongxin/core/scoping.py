"""The one choke point for access to personal data.

Every model that holds personal or case data uses ``ScopedManager`` and defines a classmethod
``scope_q(scope) -> Q``. Views, API endpoints and exports reach such rows only through
``Model.objects.visible_to(user)`` and, for one object, ``access(Model.objects.visible_to(user),
pk)``, which raises ``NotFound`` for rows out of scope, so missing and forbidden look the same.

What a user may see is a ``Scope``, computed once per request from the posts they hold and the
grants they were given (``tongxin.orgs.scopes``, registered through
``register_scope_computer``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .actors import Actor
from .errors import NotFound

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


@dataclass(frozen=True)
class Scope:
    """What one user may see.

    ``person_paths`` are place subtrees whose residents (and their households) are visible;
    ``care_paths`` the subtrees whose care tags are visible too; ``person_ids`` individual
    persons outside those subtrees (the user themself, their household). ``place_paths`` are
    the subtrees of the place tree the user may browse (their ancestors are visible by name).
    ``case_paths`` are the subtrees whose cases the user handles (staff posts and grants);
    ``org_ids`` the organisations the user holds a post in (a department sees the cases sent
    or escalated to it); ``staff_post`` whether any post in force is a staff one;
    ``manager_paths`` the subtrees where they manage the community (staff posts at a community
    or above); ``dispatch_paths`` where they dispatch cases (staff posts and grants at a
    community or above).
    """

    person_paths: tuple[str, ...] = ()
    care_paths: tuple[str, ...] = ()
    place_paths: tuple[str, ...] = ()
    person_ids: frozenset[int] = field(default_factory=frozenset)
    household_ids: frozenset[int] = field(default_factory=frozenset)
    case_paths: tuple[str, ...] = ()
    org_ids: frozenset[int] = field(default_factory=frozenset)
    # Holds a staff post in force (网格员, 社区工作者, 街道干部…), wherever: the accounts'
    # security profile (password policy, second factor) asks this, not the posts themselves.
    staff_post: bool = False
    # Where the user is a community manager: staff posts at a community or above (a street,
    # a district). Managers review volunteers, run the ledger and hand out rewards there.
    manager_paths: tuple[str, ...] = ()
    # Where the user dispatches cases (派单): the case subtrees rooted at a community or above,
    # from staff posts and grants alike.
    dispatch_paths: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.person_paths or self.place_paths or self.person_ids)

    def covers_path(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.place_paths)

    def sees_person_at(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.person_paths)

    def sees_care_at(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.care_paths)

    def handles_cases_at(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.case_paths)


EMPTY_SCOPE = Scope()


def minimal_roots(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop every path that lies under another one in the set."""
    out: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(out)


def paths_q(field_name: str, paths: Iterable[str]) -> Q:
    """Rows whose ``field_name`` lies under any of ``paths`` (an indexed prefix match each)."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field_name}__prefix": p})
    return q


def scope_for(user: Actor | None) -> Scope:
    """The user's scope, computed once and kept on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_tongxin_scope", None)
    if cached is None:
        if _computer is None:
            raise RuntimeError("no scope computer registered (orgs.apps.OrgsConfig.ready)")
        cached = _computer(user)
        user._tongxin_scope = cached  # type: ignore[attr-defined]  # a per-request cache
    return cached


_computer: Callable[[Actor], Scope] | None = None


def register_scope_computer(compute: Callable[[Actor], Scope]) -> None:
    """Set the function that computes a user's scope. The core knows what a scope is, not
    where it comes from: ``orgs`` (posts) registers it from ``AppConfig.ready``, reading the
    grants of ``accounts`` and the household of ``people`` below it."""
    global _computer
    _computer = compute


def holds_staff_post(user: Actor) -> bool:
    """Whether the account's person holds a staff post in force — asked of disabled accounts
    too (the password policy of an account being re-enabled), so not through ``scope_for``."""
    if user.is_active and user.is_authenticated:
        return scope_for(user).staff_post
    if _computer is None or not user.person_id:
        return False
    return _computer(user).staff_post


def forget_scope(user: Actor) -> None:
    """Drop the scope and every other per-request cache kept on the user object (``_tongxin_``
    attributes: the posts held, the primary post), after posts or grants change."""
    for name in [k for k in vars(user) if k.startswith("_tongxin_")]:
        delattr(user, name)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to one user's scope. A queryset narrowed
    by ``visible_to`` remembers it (``is_scoped``) through every further filter, so that
    ``access`` can refuse one that was not."""

    is_scoped = False

    def visible_to(self, user: Actor | None) -> Self:
        """The rows ``user`` may see. The one entry point: models with a rule of their own
        override ``narrow``, never this."""
        qs = self.narrow(user, scope_for(user))
        qs.is_scoped = True
        return qs

    def narrow(self, user: Actor | None, scope: Scope) -> Self:
        """The rows of the scope: nothing for an empty one, else the model's ``scope_q``."""
        if scope.is_empty:
            return self.none()
        return self.filter(self.model.scope_q(scope))  # type: ignore[attr-defined]

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone.is_scoped = self.is_scoped
        return clone


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)

M = TypeVar("M", bound=models.Model)


def access(scoped: models.QuerySet[M], pk: Any) -> M:
    """The row ``pk`` of a queryset already narrowed to what a user may see
    (``Model.objects.visible_to(user)``, with any ``select_related`` or filter before or
    after); ``NotFound`` (404) when it is not there, whether missing or out of scope, or when
    ``pk`` is not even a valid key. The one way a page, an endpoint or a service fetches one
    scoped object: a queryset that was never narrowed is refused outright."""
    if not getattr(scoped, "is_scoped", False):
        raise TypeError("access() takes a queryset narrowed by visible_to(user)")
    try:
        found = scoped.filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        raise NotFound() from None
    if found is None:
        raise NotFound()
    return found
