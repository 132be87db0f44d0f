"""Reads of study (微学习) and of the appraisal (民主评议) pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from tongxin.core.actors import Actor, person_of
from tongxin.core.errors import NotFound
from tongxin.people.models import MembershipStatus, PartyMembership

from ..models import (
    Appraisal,
    AppraisalResult,
    MutualVote,
    SelfAppraisal,
    StudyMaterial,
    StudyRead,
    officer_paths,
)
from ..policies import oversees


def _ancestor_paths(path: str) -> list[str]:
    return [path[:n] for n in range(4, len(path) + 1, 4)]


def membership_of(person: Any) -> PartyMembership | None:
    return PartyMembership.objects.filter(person=person).select_related("organisation").first()


def materials_for(user: Actor, person: Any) -> list[StudyMaterial]:
    """The materials a member is to study (published by their organisation or above)."""
    m = membership_of(person) if person is not None else None
    if m is None:
        return []
    return list(
        StudyMaterial.objects.filter(
            organisation__path__in=_ancestor_paths(m.organisation.path)
        ).order_by("-published_on", "-id")[:50]
    )


def material_for(user: Actor, material_id: Any) -> StudyMaterial:
    """A material the user may read: published above their organisation, or one they are
    an officer over."""
    material = StudyMaterial.objects.filter(pk=material_id).select_related("organisation").first()
    if material is None:
        raise NotFound()
    person = person_of(user)
    m = membership_of(person) if person is not None else None
    if m is not None and m.organisation.path.startswith(material.organisation.path):
        return material
    if oversees(user, material.organisation):
        return material
    raise NotFound()


def readers(user: Actor, material: StudyMaterial) -> list[StudyRead] | None:
    """Who studied it (officers over the publishing organisation only)."""
    if not oversees(user, material.organisation):
        return None
    return list(
        StudyRead.objects.filter(material=material).select_related("person").order_by("-seconds")
    )


def appraisal_for(user: Actor, appraisal_id: Any) -> Appraisal:
    """An appraisal the user takes part in (a member of the branch) or runs."""
    a = Appraisal.objects.filter(pk=appraisal_id).select_related("organisation").first()
    if a is None:
        raise NotFound()
    person = person_of(user)
    m = membership_of(person) if person is not None else None
    if m is not None and m.organisation.path.startswith(a.organisation.path):
        return a
    if oversees(user, a.organisation):
        return a
    raise NotFound()


def participants(a: Appraisal) -> list[PartyMembership]:
    return list(
        PartyMembership.objects.filter(organisation__path__startswith=a.organisation.path)
        .select_related("person")
        .order_by("person__name", "person_id")
    )


def tallies(a: Appraisal) -> dict[int, dict[str, int]]:
    """subject → grade → votes: the mutual appraisal's only readable form (never who voted
    what)."""
    out: dict[int, dict[str, int]] = {}
    for row in (
        MutualVote.objects.filter(appraisal=a)
        .values("subject_id", "grade")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out.setdefault(row["subject_id"], {})[row["grade"]] = row["n"]
    return out


def appraisal_context(user: Actor, a: Appraisal) -> dict[str, Any]:
    person = person_of(user)
    members = participants(a)
    runs = oversees(user, a.organisation)
    me = next((m for m in members if person is not None and m.person_id == person.pk), None)
    from ..services import ballot_of

    voted = (
        MutualVote.objects.filter(appraisal=a, ballot=ballot_of(a, person.pk)).exists()
        if me is not None and person is not None
        else False
    )
    return {
        "a": a,
        "members": members,
        "me": me,
        "runs": runs,
        "voted": voted,
        "selves": {s.person_id: s for s in SelfAppraisal.objects.filter(appraisal=a)}
        if runs
        else {},
        "tallies": tallies(a) if runs else {},
        "results": {r.person_id: r.grade for r in AppraisalResult.objects.filter(appraisal=a)},
        "graded_members": [m for m in members if m.status == MembershipStatus.FULL],
        "officer": bool(officer_paths(user)),
    }


__all__ = ["Q"]
