"""Reads of 评先评优 (nominations for 优秀共产党员, 优秀党务工作者, 先进基层党组织): the quota of
an organisation, the candidates of a title ranked by their year's scorecard with the reasons
that bar some of them, who approves a list, the lists a viewer may see.

A branch (or general branch) nominates members; the committee nominates branches. Which
organisation nominates which title is the quota's data (``NominationQuota``): no quota, no
nomination.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.meetings.models import NON_OFFICER_ROLES
from tongxin.orgs.models import Organisation, Post
from tongxin.people.models import PartyMembership

from ..defaults import NOMINATION_BARS
from ..models import (
    AppraisalGrade,
    AppraisalResult,
    CardKind,
    HonourTitle,
    Nomination,
    NominationList,
    NominationQuota,
    PartyCard,
    officer_paths,
)
from .cards import BRANCH_KINDS

MEMBER_TITLES = (HonourTitle.EXCELLENT_MEMBER, HonourTitle.EXCELLENT_WORKER)
BELOW_QUALIFIED = (AppraisalGrade.BASIC, AppraisalGrade.UNQUALIFIED)


def quota_of(organisation: Organisation, title: str) -> int:
    """The organisation's own quota of ``title``, else its level's; none: 0."""
    rows = {
        (q.organisation_id is not None): q.count
        for q in NominationQuota.objects.filter(title=title).filter(organisation=organisation)
        | NominationQuota.objects.filter(
            title=title, organisation__isnull=True, org_kind=organisation.kind
        )
    }
    return rows.get(True, rows.get(False, 0))


def quotas_of(organisation: Organisation) -> dict[str, int]:
    """title → quota, for the titles the organisation has a quota of."""
    out = {t: quota_of(organisation, t) for t in HonourTitle.values}
    return {t: n for t, n in out.items() if n > 0}


def may_approve(user: Actor | None, organisation: Organisation) -> bool:
    """An officer of a party organisation strictly above the nominating one approves its list
    (and answers the objections to it). The top of the recorded tree (the community's
    committee) has none above it here: its own officers record the superior's decision."""
    paths = officer_paths(user)
    if any(organisation.path.startswith(p) and organisation.path != p for p in paths):
        return True
    has_party_parent = (
        len(organisation.path) > Organisation.steplen
        and Organisation.objects.filter(
            path=organisation.path[: -Organisation.steplen],
            kind__in=("party_committee", "general_branch", "branch"),
        ).exists()
    )
    return not has_party_parent and organisation.path in paths


@dataclass
class Candidate:
    title: str
    subject_id: int  # a person's id, or a branch's
    subject: str
    card: PartyCard | None
    reasons: list[str] = field(default_factory=list)
    nominated: bool = False

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def total(self) -> Decimal:
        return self.card.total if self.card is not None else Decimal(0)

    @property
    def card_id(self) -> str:
        if self.card is None:
            return ""
        return f"{self.card.kind}-{self.subject_id}-{self.card.year}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "subject_id": self.subject_id,
            "subject": self.subject,
            "card_id": self.card_id,
            "total": str(self.total) if self.card is not None else None,
            "stars": self.card.stars if self.card is not None else None,
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "nominated": self.nominated,
        }


def _barred_by(card: PartyCard, kind: str) -> list[str]:
    """The reasons a card's deductions of a barring kind give."""
    bars = NOMINATION_BARS.get(kind, ())
    out = []
    for item in card.result.get("items", []):
        if item.get("rule") in bars and Decimal(str(item.get("points") or 0)) < 0:
            out.append(
                _("成绩单有扣分项：{label}（{points} 分）").format(
                    label=item.get("label", item["rule"]), points=item["points"]
                )
            )
    return out


def candidates(organisation: Organisation, year: int, title: str) -> list[Candidate]:
    """The candidates of ``title`` the organisation may nominate for ``year``: its members
    (member titles) or the branches under it (先进基层党组织), best card first, each with the
    reasons that bar it (none: eligible). A fixed number of queries."""
    taken = _nominated(organisation, year, title)
    if title == HonourTitle.ADVANCED_ORG:
        return _branch_candidates(organisation, year, taken)
    memberships = list(
        PartyMembership.objects.filter(organisation__path__startswith=organisation.path)
        .select_related("person")
        .order_by("person_id")
    )
    pids = [m.person_id for m in memberships]
    cards = {
        c.person_id: c
        for c in PartyCard.objects.filter(kind=CardKind.MEMBER, year=year, person_id__in=pids)
    }
    grades = dict(
        AppraisalResult.objects.filter(appraisal__year=year, person_id__in=pids).values_list(
            "person_id", "grade"
        )
    )
    workers: set[int] = set()
    if title == HonourTitle.EXCELLENT_WORKER:
        workers = set(
            Post.objects.active()
            .filter(person_id__in=pids, organisation__path__startswith=organisation.path)
            .exclude(role__in=NON_OFFICER_ROLES)
            .values_list("person_id", flat=True)
        )
    out = []
    for m in memberships:
        card = cards.get(m.person_id)
        c = Candidate(title, m.person_id, str(m.person), card, nominated=m.person_id in taken)
        if card is None:
            c.reasons.append(_("尚无本年度成绩单"))
        else:
            c.reasons.extend(_barred_by(card, CardKind.MEMBER))
        grade = grades.get(m.person_id)
        if grade in BELOW_QUALIFIED:
            c.reasons.append(
                _("民主评议等次为“{grade}”，低于合格").format(grade=AppraisalGrade(grade).label)
            )
        if title == HonourTitle.EXCELLENT_WORKER and m.person_id not in workers:
            c.reasons.append(_("未在本组织担任党务工作职务"))
        out.append(c)
    out.sort(key=lambda c: (not c.eligible, -c.total, c.subject))
    return out


def _branch_candidates(organisation: Organisation, year: int, taken: set[int]) -> list[Candidate]:
    branches = list(
        Organisation.objects.filter(
            kind__in=BRANCH_KINDS, path__startswith=organisation.path, is_active=True
        ).order_by("path")
    )
    cards = {
        c.organisation_id: c
        for c in PartyCard.objects.filter(
            kind=CardKind.BRANCH,
            year=year,
            person__isnull=True,
            organisation__in=branches,
        )
    }
    out = []
    for b in branches:
        card = cards.get(b.pk)
        c = Candidate(HonourTitle.ADVANCED_ORG, b.pk, b.name, card, nominated=b.pk in taken)
        if card is None:
            c.reasons.append(_("尚无本年度成绩单"))
        else:
            c.reasons.extend(_barred_by(card, CardKind.BRANCH))
        out.append(c)
    out.sort(key=lambda c: (not c.eligible, -c.total, c.subject))
    return out


def _nominated(organisation: Organisation, year: int, title: str) -> set[int]:
    rows = Nomination.objects.filter(
        nomination_list__organisation=organisation, nomination_list__year=year, title=title
    ).values_list("person_id", "branch_id")
    return {p or b for p, b in rows}


def visible_lists(viewer: Actor, year: int | None = None) -> Any:
    qs = NominationList.objects.visible_to(viewer).select_related("organisation")
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def entries(nomination_list: NominationList) -> list[Nomination]:
    return list(
        nomination_list.nominations.select_related("person", "branch", "card").order_by(
            "title", "-card__total", "id"
        )
    )


def list_body(nomination_list: NominationList, viewer: Actor) -> dict[str, Any]:
    """A list as the API answers it."""
    from ..models import CardObjection

    objections = CardObjection.objects.visible_to(viewer).filter(nomination_list=nomination_list)
    return {
        "id": nomination_list.pk,
        "organisation_id": nomination_list.organisation_id,
        "organisation": nomination_list.organisation.name,
        "year": nomination_list.year,
        "occasion": nomination_list.occasion,
        "state": nomination_list.state,
        "review_note": nomination_list.review_note,
        "publish_from": nomination_list.publish_from,
        "publish_until": nomination_list.publish_until,
        "nominations": [
            {
                "id": n.pk,
                "title": n.title,
                "title_label": str(n.get_title_display()),
                "subject": str(n.person or n.branch),
                "card_id": f"{n.card.kind}-{n.person_id or n.branch_id}-{n.card.year}",
                "total": str(n.card.total),
                "stars": n.card.stars,
                "deeds": n.deeds,
            }
            for n in entries(nomination_list)
        ],
        "objections": [
            {
                "id": o.pk,
                "reason": o.reason,
                "answer": o.answer,
                "answered": o.answered_at is not None,
            }
            for o in objections
        ],
    }
