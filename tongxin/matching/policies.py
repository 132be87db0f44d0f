"""Who may do what in service matching.

- Staff over the need's place (a grid worker their grid, the community's staff) verify needs
  and collect wishes there.
- The community's managers (staff posts at the community or above,
  ``Scope.manager_paths``) publish, dispatch and close needs, and run wish campaigns.
- Any resident with a person record may claim a listed need or a published wish (not their
  own); the claimer (or, for a unit's claim, a holder of a post in the unit) starts and
  completes the work.
- The resident the need is for, their household, and whoever posted it rate it and may
  withdraw it before the work starts.
- The claimer of an open need (claimed, in progress) may see the resident's phone through
  people's audited reveal (``claimer_may_reveal``, registered from ``MatchingConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from tongxin.core.actors import Actor, person_of
from tongxin.core.errors import Forbidden
from tongxin.core.scoping import scope_for
from tongxin.volunteering.policies import manages_community

from .errors import MatchingCode
from .models import Need, NeedState
from .workflow import NeedAct

# A claim that is still being served: its claimer may contact the resident.
OPEN_CLAIM_STATES = (NeedState.CLAIMED, NeedState.IN_PROGRESS)


def staff_over(user: Actor, path: str) -> bool:
    return scope_for(user).handles_cases_at(path)


def is_party(user: Actor, need: Need) -> bool:
    """The resident the need is for, their household, or whoever posted it."""
    if not user.is_authenticated:
        return False
    if need.posted_by_id == user.pk:
        return True
    scope = scope_for(user)
    return need.person_id is not None and need.person_id in scope.person_ids


def is_claimer(user: Actor, obj: Any) -> bool:
    person = person_of(user)
    if person is None:
        return False
    if obj.claimed_by_person_id == person.pk:
        return True
    if obj.claimed_by_org_id:
        from tongxin.orgs.models import Post

        return (
            Post.objects.active()
            .filter(person_id=person.pk, organisation_id=obj.claimed_by_org_id)
            .exists()
        )
    return False


def claimer_may_reveal(user: Actor, person: Any, field: str) -> bool:
    """The reveal grant matching registers with people (``contributions.reveal_grants``): the
    current claimer of an open need of this person (claimed or in progress) — the person who
    claimed it, or a post holder of the unit that did — may see their phone to contact them;
    never the ID number, and not before the claim nor once the need is done or withdrawn."""
    if field != "phone" or not getattr(user, "is_authenticated", False):
        return False
    me = person_of(user)
    if me is None:
        return False
    from tongxin.orgs.models import Post

    units = Post.objects.active().filter(person_id=me.pk).values("organisation_id")
    return (
        Need.objects.filter(person_id=person.pk, state__in=OPEN_CLAIM_STATES)
        .filter(Q(claimed_by_person_id=me.pk) | Q(claimed_by_org_id__in=units))
        .exists()
    )


def may_act(user: Actor, need: Need, act: str) -> bool:
    manager = manages_community(user, need.community)
    if act == NeedAct.VERIFY:
        return manager or staff_over(user, need.place_path)
    if act in (NeedAct.PUBLISH, NeedAct.DISPATCH, NeedAct.CLOSE):
        return manager
    if act == NeedAct.CLAIM:
        return person_of(user) is not None and not is_party(user, need)
    if act in (NeedAct.START, NeedAct.COMPLETE):
        return manager or is_claimer(user, need)
    if act == NeedAct.RATE:
        return is_party(user, need)
    if act == NeedAct.WITHDRAW:
        return manager or is_party(user, need)
    return False


def require_act(user: Actor, need: Need, act: str) -> None:
    if not may_act(user, need, act):
        raise Forbidden(_("您不能对该需求执行此操作"), code=MatchingCode.NOT_NEED_PARTY)


def sees_private(user: Actor, need: Need) -> bool:
    """Whether the user sees the need's person and place (the dwelling), not only its card:
    the parties, the staff over it, the managers, and its claimer once it is claimed."""
    return (
        is_party(user, need)
        or staff_over(user, need.place_path)
        or manages_community(user, need.community)
        or is_claimer(user, need)
    )


def may_collect_wishes(user: Actor, community: Any) -> bool:
    """The community's managers, and staff whose area lies inside it (its grid workers)."""
    return manages_community(user, community) or any(
        p.startswith(community.path) or community.path.startswith(p)
        for p in scope_for(user).case_paths
    )


def require_collector(user: Actor, community: Any) -> None:
    if not may_collect_wishes(user, community):
        raise Forbidden(_("只有网格员或社区工作人员可以登记心愿"), code=MatchingCode.NOT_NEED_PARTY)
