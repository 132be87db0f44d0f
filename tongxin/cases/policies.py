"""Who may do which act on a case.

Everything starts from what the user may see (``Case.objects.visible_to``); among those cases:
- the **handler** is the current assignee (the person, or anyone holding a post in the
  assigned organisation);
- the **owner** is the 首问责任人;
- **staff** are those who handle cases at the case's place (a grid's A and B workers…);
- a **dispatcher** is staff at community level or above over the case's place (社区 dispatches,
  街道 supervises);
- a **called department** is one called in (吹哨) and not yet done;
- the **reporter** is who reported it.
"""

from __future__ import annotations

from tongxin.core.actors import Actor
from tongxin.core.scoping import scope_for

from .models import Case, DepartmentCall, called_case_ids_of
from .workflow import OPEN_STATES, USER_ACTS, Act, State, allowed_from


def dispatcher_paths(user: Actor) -> tuple[str, ...]:
    """The subtrees in which the user dispatches (community level and above): part of the
    user's scope (``Scope.dispatch_paths``), computed with the rest of it."""
    return scope_for(user).dispatch_paths


def is_dispatcher(user: Actor, case: Case) -> bool:
    return any(case.place_path.startswith(p) for p in dispatcher_paths(user))


def is_staff_over(user: Actor | None, case: Case) -> bool:
    return scope_for(user).handles_cases_at(case.place_path)


def is_handler(user: Actor, case: Case) -> bool:
    person_id = user.person_id
    if person_id and case.assignee_person_id == person_id:
        return True
    return bool(case.assignee_org_id and case.assignee_org_id in scope_for(user).org_ids)


def is_owner(user: Actor, case: Case) -> bool:
    person_id = user.person_id
    return bool(person_id and case.owner_id == person_id)


def is_reporter(user: Actor, case: Case) -> bool:
    person_id = user.person_id
    if case.reporter_user_id and case.reporter_user_id == user.pk:
        return True
    return bool(person_id and case.reporter_person_id == person_id)


def pending_calls(user: Actor, case: Case) -> list[DepartmentCall]:
    """The calls on this case to departments the user holds a post in, not yet done."""
    org_ids = scope_for(user).org_ids
    if not org_ids:
        return []
    return list(
        case.calls.filter(organisation_id__in=org_ids)
        .exclude(status=DepartmentCall.Status.DONE)
        .select_related("organisation")
        .order_by("pk")
    )


def _called(user: Actor, case: Case) -> bool:
    org_ids = scope_for(user).org_ids
    return bool(org_ids) and case.calls.filter(organisation_id__in=org_ids).exists()


def called_case_ids(user: Actor, case_ids: list[int]) -> set[int]:
    """Which of ``case_ids`` a department of the user was called in on (one query, for a
    list)."""
    scope = scope_for(user)
    if not scope.org_ids or not case_ids:
        return set()
    known = called_case_ids_of(scope)  # read with the scope (a list's scope_q read it)
    if known is not None:
        return set(known).intersection(case_ids)
    return set(
        DepartmentCall.objects.filter(case_id__in=case_ids, organisation_id__in=scope.org_ids)
        .values_list("case_id", flat=True)
        .distinct()
    )


def is_supervisor(user: Actor, case: Case) -> bool:
    person_id = user.person_id
    return bool(person_id and case.supervisor_id == person_id)


def works_on(user: Actor, case: Case, *, called: bool | None = None) -> bool:
    """Whether the user works on the case, and so sees its whole timeline and internal
    fields: staff over its place, a dispatcher, its owner, handler or supervisor, or a
    department called in. The one answer for the page, the API and lists (``called`` lets a
    list pass what it read for all its cases at once). A reporter, a household member of the
    reporter or a neighbour who said "me too" sees the public face only."""
    if called is None:
        called = _called(user, case)
    return bool(
        is_staff_over(user, case)
        or is_dispatcher(user, case)
        or is_owner(user, case)
        or is_handler(user, case)
        or is_supervisor(user, case)
        or called
    )


def may(user: Actor, case: Case, act: str) -> bool:
    """Whether the policy lets ``user`` do ``act`` on ``case`` (the state is checked apart)."""
    if not user.is_authenticated:
        return False
    if user.admin_duty:
        return False  # 三权分立: administrators keep the system, they do not handle cases
    handler, owner = is_handler(user, case), is_owner(user, case)
    dispatcher, staff = is_dispatcher(user, case), is_staff_over(user, case)
    if act in (Act.ACCEPT, Act.REJECT):
        return handler or staff or dispatcher
    if act == Act.DISPATCH:
        return owner or dispatcher or (handler and case.state != State.REPORTED) or staff
    if act in (Act.START, Act.RETURN):
        return handler
    if act == Act.RESOLVE:
        if case.state == State.ESCALATED:
            return owner or dispatcher
        return handler
    if act in (Act.SUSPEND, Act.RESUME, Act.CLOSE):
        return owner or dispatcher
    if act == Act.SUPERVISE:
        return dispatcher or is_supervisor(user, case)
    if act == Act.ESCALATE:
        return owner or dispatcher or (handler and not case.assignee_org_id)
    if act == Act.REPORT_IN:
        return bool(pending_calls(user, case))
    if act == Act.FEEDBACK:
        return is_reporter(user, case) or owner or staff or dispatcher
    if act == Act.MERGE:
        return owner or dispatcher or staff
    if act == Act.SUPPORT:
        # "Me too" is the residents' voice: not the reporter's, nor that of anyone working
        # on the case (handler, owner, staff, dispatcher, a department called in).
        if not user.person_id or is_reporter(user, case):
            return False
        working = handler or owner or staff or dispatcher
        return not working and not _called(user, case)
    if act == Act.NOTE:
        return handler or owner or staff or dispatcher or bool(pending_calls(user, case))
    return False


def allowed_acts(user: Actor, case: Case) -> list[str]:
    """The acts the user may do on the case now (for the buttons on its page)."""
    return [act for act in USER_ACTS if allowed_from(act, case.state) and may(user, case, act)]


def may_report(user: Actor | None) -> bool:
    """Anyone signed in with a person (resident or staff) may report; admins may not."""
    return bool(user is not None and user.is_authenticated and user.person_id)


def sees_reporter(user: Actor, case: Case) -> bool:
    """Staff (and the reporter) see who reported; others never, and nobody when it was
    reported anonymously unless they are staff over it."""
    return (
        is_reporter(user, case)
        or is_staff_over(user, case)
        or is_owner(user, case)
        or (is_handler(user, case) and not case.anonymous)
    )


def is_open(case: Case) -> bool:
    return case.state in OPEN_STATES
