"""Who may do what in red property.

- *Managers* of an estate: staff posts at a community or above covering it
  (``Scope.manager_paths``). They publish scores, answer objections, record and review credit
  records, issue and re-inspect rectification orders, convene joint meetings.
- *The company*: anyone holding a post in the property company (``Scope.org_ids``). They see
  their estates' scores, credit records and orders, and respond to them.
- *Panelists*: the residents' representatives on the estate's panel whose term includes the
  day. They inspect.
"""

from __future__ import annotations

from tongxin.core import clock
from tongxin.core.actors import Actor, person_id_of
from tongxin.core.errors import Forbidden
from tongxin.core.scoping import scope_for

from .models import PanelMember, ServiceContract


def manages_path(user: Actor | None, path: str) -> bool:
    return any(path.startswith(p) for p in scope_for(user).manager_paths)


def manages(user: Actor | None, contract: ServiceContract) -> bool:
    return manages_path(user, contract.estate_path)


def works_for(user: Actor | None, company_id: int) -> bool:
    return company_id in scope_for(user).org_ids


def is_panelist(user: Actor | None, estate_id: int) -> bool:
    pid = person_id_of(user)
    if pid is None:
        return False
    today = clock.today()
    return PanelMember.objects.filter(
        estate_id=estate_id, person_id=pid, term_start__lte=today, term_end__gte=today
    ).exists()


def require_manager(user: Actor | None, contract: ServiceContract) -> None:
    if not manages(user, contract):
        raise Forbidden(_refusal())


def require_company(user: Actor | None, company_id: int) -> None:
    if not works_for(user, company_id):
        raise Forbidden(_refusal())


def _refusal() -> str:
    from django.utils.translation import gettext as _

    return _("您无权进行此操作")
