"""Residents' rights under PIPL Art. 44-47: ask for a correction, and have one's data erased.
(Seeing and copying one's own data is ``own_data``.)

- **Correction** (``correction_request_create``, ``correction_accept``, ``correction_reject``): the
  resident names a field and the right value; staff whose scope covers the person decide, and an
  accepted correction is applied through ``services.person_update``, which validates it again.
  A requested ID or phone number is sealed by the vault until it is decided.
- **Erasure** (``person_erase``): community leadership scrubs a person's data; the row stays so
  that history (posts held, audit rows) still points somewhere, under a pseudonym.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import audit, clock, vault
from tongxin.core.actors import Actor, as_account
from tongxin.core.errors import Forbidden, NotFound, ValidationFailed, field_errors
from tongxin.core.models import AuditEvent
from tongxin.core.scoping import access, forget_scope, paths_q, scope_for
from tongxin.core.statemachine import StateMachine
from tongxin.core.validators import validate_id_number, validate_phone
from tongxin.places.models import Place

from . import contributions
from .errors import PeopleCode
from .models import (
    CareTag,
    CorrectionField,
    CorrectionRequest,
    CorrectionStatus,
    Gender,
    PartyMembership,
    Person,
    PoliticalStatus,
    ResidenceStatus,
)
from .services import ID_CONTEXT, PHONE_CONTEXT, PersonData, anchor, person_update

SEALED_CONTEXTS = {"id_number": ID_CONTEXT, "phone": PHONE_CONTEXT}
PSEUDONYM_CONTEXT = "person.pseudonym"
ERASED_REASON = gettext_lazy("已依法删除")
ERASED_NAME_PREFIX = gettext_lazy("已删除-")
# Community leadership may erase: the posts that answer for a community's registry.

# Sent inside the erasure's transaction, so that apps holding more data about a person (cases,
# visits, volunteering) scrub theirs in the same all-or-nothing step.
# Arguments: person (already scrubbed), pseudonym, actor.
person_erased = Signal()


# ---------------------------------------------------------------------------- scope


# The ways a date of birth is typed; the last is the Chinese way, in any interface language.
BIRTH_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")  # i18n-data


def staff_paths(user: Actor) -> tuple[str, ...]:
    """The place subtrees where ``user`` works as staff: posts whose role sees residents as
    staff (not the 三长), and explicit grants: the scope's case paths."""
    return scope_for(user).case_paths


def correction_scope_q(user: Actor) -> Q:
    """Correction requests ``user`` may see: their own, those about them, and as staff those
    about residents of their subtrees."""
    q = Q(requested_by=user)
    if user.person_id:
        q |= Q(person_id=user.person_id)
    return q | paths_q("person__place_path", staff_paths(user))


def own_person(user: Actor) -> Person:
    """The person the signed-in account belongs to, through the scoping choke point."""
    if not user.is_authenticated or not user.person_id:
        raise NotFound(_("您的账号没有关联居民信息"))
    return access(
        Person.objects.visible_to(user).select_related("household__dwelling", "place", "grid"),
        user.person_id,
    )


# ---------------------------------------------------------------------------- correction


class CorrectionAct(models.TextChoices):
    DECIDE = "decide", gettext_lazy("处理更正申请")


# A request is decided once: accepted or rejected (``core.statemachine``).
CORRECTION_MACHINE = StateMachine(
    "people.correction",
    states=CorrectionStatus,
    acts=CorrectionAct,
    subject=gettext_lazy("更正申请"),
    table={
        CorrectionAct.DECIDE: {
            CorrectionStatus.OPEN: frozenset({CorrectionStatus.ACCEPTED, CorrectionStatus.REJECTED})
        },
    },
)
_CHOICE_FIELDS = {
    CorrectionField.GENDER: Gender,
    CorrectionField.POLITICAL_STATUS: PoliticalStatus,
    CorrectionField.RESIDENCE_STATUS: ResidenceStatus,
}
_TEXT_LIMITS = {"name": 50, "ethnicity": 20, "occupation": 50, "employer": 100, "other": 200}


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields=field_errors({"value": message}))


def clean_requested_value(field_name: str, value: str) -> str:
    """The requested value, validated and normalised as the registry would store it."""
    value = value.strip()
    if field_name == CorrectionField.OTHER:
        if len(value) > _TEXT_LIMITS["other"]:
            raise _bad(_("内容不能超过200个字"))
        return value
    if not value:
        raise _bad(_("请填写正确的内容"))
    if field_name == CorrectionField.ID_NUMBER:
        try:
            return validate_id_number(value)
        except Exception as exc:  # django's ValidationError: reported as ours
            raise _bad(_("身份证号格式不正确，请核对")) from exc
    if field_name == CorrectionField.PHONE:
        try:
            return validate_phone(value)
        except Exception as exc:
            raise _bad(_("手机号格式不正确，请核对")) from exc
    if field_name == CorrectionField.BIRTH_DATE:
        for fmt in BIRTH_DATE_FORMATS:
            try:
                born = dt.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
            if born > clock.today() or born.year < 1900:
                raise _bad(_("出生日期不在合理范围内"))
            return born.isoformat()
        raise _bad(_("出生日期请按“1990-01-31”的格式填写"))
    choices = _CHOICE_FIELDS.get(field_name)  # type: ignore[call-overload]
    if choices is not None:
        by_label = {str(label): code for code, label in choices.choices}
        if value in by_label:
            return by_label[value]
        if value in choices.values:
            return value
        raise _bad(_("请填写以下之一：{choices}").format(choices="、".join(by_label)))
    limit = _TEXT_LIMITS.get(field_name, 100)
    if len(value) > limit:
        raise _bad(_("内容不能超过{limit}个字").format(limit=limit))
    return value


def correction_request_create(
    *, actor: Actor, field_name: str, value: str, note: str = ""
) -> CorrectionRequest:
    """A resident asks for their own data to be corrected."""
    person = own_person(actor)
    if field_name not in CorrectionField.values:
        raise ValidationFailed(
            _("请选择要更正的项目"), fields=field_errors({"field": _("请选择要更正的项目")})
        )
    note = note.strip()
    if len(note) > 300:
        raise ValidationFailed(
            _("说明不能超过300个字"), fields=field_errors({"note": _("说明不能超过300个字")})
        )
    clean = clean_requested_value(field_name, value)
    if field_name == CorrectionField.OTHER and not (clean or note):
        raise _bad(_("请写明需要更正的内容"))
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if (
            field_name != CorrectionField.OTHER
            and CorrectionRequest.objects.filter(
                person=locked, field=field_name, status=CorrectionStatus.OPEN
            ).exists()
        ):
            raise ValidationFailed(
                _("这一项已有待处理的更正申请，请等待社区处理"),
                code=PeopleCode.CORRECTION_ALREADY_OPEN,
                fields=field_errors({"field": _("已有待处理的更正申请")}),
            )
        request = CorrectionRequest(
            person=locked, requested_by=as_account(actor), field=field_name, note=note
        )
        if field_name in SEALED_CONTEXTS:
            request.requested_cipher = vault.encrypt(clean, context=SEALED_CONTEXTS[field_name])
            request.requested_masked = (
                vault.mask_id_number(clean[-4:])
                if field_name == CorrectionField.ID_NUMBER
                else vault.mask_phone(clean)
            )
        else:
            request.requested_value = clean
        request.save()
        audit.record(
            actor=actor,
            action="correction_request",
            obj=request,
            subject_person_id=locked.pk,
            detail={"field": field_name},
        )
    return request


def may_decide_corrections(user: Actor) -> bool:
    """Staff whose posts or grants cover residents decide correction requests."""
    return bool(staff_paths(user)) if user.is_authenticated else False


def may_decide_for(user: Actor, person: Person) -> bool:
    """Staff whose subtree holds the person decide, never about themself (a household member
    they see as family is not enough)."""
    if not user.is_authenticated or user.person_id == person.pk:
        return False
    return any(person.place_path.startswith(p) for p in staff_paths(user))


def _decide(
    *, actor: Actor, correction: CorrectionRequest, to: str, note: str
) -> CorrectionRequest:
    seen = access(
        CorrectionRequest.objects.select_related("person").visible_to(actor), correction.pk
    )
    if actor.person_id and actor.person_id == seen.person_id:
        raise Forbidden(_("不能处理本人的更正申请，请由其他工作人员处理"))
    if not may_decide_for(actor, seen.person):
        raise Forbidden(_("只有负责该居民的工作人员可以处理更正申请"))
    note = note.strip()
    if len(note) > 300:
        raise ValidationFailed(_("处理意见不能超过300个字"))
    if to == CorrectionStatus.REJECTED and not note:
        raise ValidationFailed(
            _("不采纳时请写明理由"), fields=field_errors({"decision_note": _("不采纳时请写明理由")})
        )
    with transaction.atomic():
        locked = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        person = access(Person.objects.visible_to(actor), locked.person_id)
        CORRECTION_MACHINE.ensure(CorrectionAct.DECIDE, locked.status)  # decided once (409)
        if to == CorrectionStatus.ACCEPTED and locked.field != CorrectionField.OTHER:
            if person.left_reason == ERASED_REASON:
                raise ValidationFailed(_("该居民的信息已依法删除，不能更正"))
            value = (
                vault.decrypt(locked.requested_cipher, context=SEALED_CONTEXTS[locked.field])
                if locked.field in SEALED_CONTEXTS
                else locked.requested_value
            )
            data = PersonData(name=person.name)
            setattr(
                data,
                locked.field,
                dt.date.fromisoformat(value) if locked.field == "birth_date" else value,
            )
            person_update(actor=actor, person=person, data=data)
        CORRECTION_MACHINE.move(locked, CorrectionAct.DECIDE, to)
        locked.decided_by = actor
        locked.decided_at = clock.now()
        locked.decision_note = note
        # Once decided, the sealed value has served its purpose: the registry holds it now
        # (accepted) or nobody needs it (rejected). The masked form stays for the record.
        locked.requested_cipher = ""
        locked.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decision_note",
                "requested_cipher",
            ]
        )
        audit.record(
            actor=actor,
            action="correction_accept" if to == CorrectionStatus.ACCEPTED else "correction_reject",
            obj=locked,
            subject_person_id=locked.person_id,
            detail={"field": locked.field},
        )
    return locked


def correction_accept(
    *, actor: Actor, correction: CorrectionRequest, note: str = ""
) -> CorrectionRequest:
    """Accept: the correction is applied to the registry (validated again) and recorded."""
    return _decide(actor=actor, correction=correction, to=CorrectionStatus.ACCEPTED, note=note)


def correction_reject(
    *, actor: Actor, correction: CorrectionRequest, note: str
) -> CorrectionRequest:
    """Reject, with the reason the resident will read."""
    return _decide(actor=actor, correction=correction, to=CorrectionStatus.REJECTED, note=note)


def open_corrections_for(user: Actor, *, status: str = CorrectionStatus.OPEN) -> Any:
    """Requests a staff member decides: about residents of their subtrees, not their own."""
    qs = CorrectionRequest.objects.visible_to(user).filter(
        paths_q("person__place_path", staff_paths(user))
    )
    if status:
        qs = qs.filter(status=status)
    if user.person_id:
        qs = qs.exclude(person_id=user.person_id)
    return qs.select_related("person", "person__grid").order_by("created_at", "id")


# ---------------------------------------------------------------------------- erasure


def pseudonym(person_pk: int) -> str:
    """The stable pseudonymous id under which an erased person's history is kept. Derived with
    the vault's lookup key, so it cannot be traced back to the row without that key."""
    return "P-" + vault.lookup_hash(str(person_pk), context=PSEUDONYM_CONTEXT)[:12]


def is_erased(person: Person) -> bool:
    return not person.is_active and person.left_reason == ERASED_REASON


def _eraser_post(user: Actor, person: Person) -> Any | None:
    """The post that lets ``user`` erase ``person`` (orgs answers: community leadership over
    the person's place), or None."""
    return contributions.eraser_post(user, person)


def can_erase(user: Actor, person: Person) -> bool:
    """Erasure is decided by community leadership (书记, 副书记, 主任) whose post covers the
    person's place; nobody erases themself."""
    if not user.is_authenticated or user.person_id == person.pk:
        return False
    return _eraser_post(user, person) is not None


def person_erase(*, actor: Actor, person: Person, reason: str) -> str:
    """Erase a person's personal data (PIPL Art. 47) and return their pseudonym.

    The row stays, so posts held and audit rows keep pointing at it, but nothing in it
    identifies the person any more: name, pinyin, gender, birth date, ID and phone (cipher, hash
    and the parts kept for masking), ethnicity, political and residence status, occupation and
    employer are cleared; they are detached from their household and their dwelling
    (re-anchored to the community, so community staff still find the history); care tags,
    party membership, absences and the content of their correction requests are deleted; posts
    end; the linked account is disabled and renamed.
    """
    person = access(Person.objects.visible_to(actor), person.pk)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("请写明删除的依据或理由"), fields=field_errors({"reason": _("请写明理由")})
        )
    if len(reason) > 200:
        raise ValidationFailed(
            _("理由不能超过200个字"), fields=field_errors({"reason": _("不能超过200个字")})
        )
    eraser_post = _eraser_post(actor, person)
    if eraser_post is None or actor.person_id == person.pk:
        audit.record(
            actor=actor,
            action="person_erase",
            obj=person,
            subject_person_id=person.pk,
            result=AuditEvent.Result.DENIED,
        )
        raise Forbidden(_("只有社区书记、副书记或主任可以删除居民个人信息"))
    name = pseudonym(person.pk)
    today = clock.today()
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if is_erased(locked):
            raise ValidationFailed(_("该居民的信息已经删除"), code=PeopleCode.PERSON_ALREADY_ERASED)
        _scrub_person(locked, pseudonym_=name, fallback_anchor=eraser_post.place)
        _scrub_links(locked, today=today)
        _disable_account(locked, pseudonym_=name)
        person_erased.send(sender=Person, person=locked, pseudonym=name, actor=actor)
        audit.record(
            actor=actor,
            action="person_erase",
            obj=locked,
            subject_person_id=locked.pk,
            detail={"pseudonym": name, "reason": reason},
        )
    return name


def _scrub_person(person: Person, *, pseudonym_: str, fallback_anchor: Place) -> None:
    place = person.place
    community = None
    if place is not None:
        community = (
            Place.objects.filter(path__in=[*place.ancestor_paths(), place.path], kind="community")
            .order_by("-depth")
            .first()
        )
    anchor(person, community or fallback_anchor)
    person.name = f"{ERASED_NAME_PREFIX}{pseudonym_}"
    person.name_pinyin = ""
    person.name_initials = ""
    person.gender = ""
    person.birth_date = None
    person.id_number_cipher = ""
    person.id_number_hash = ""
    person.id_number_last4 = ""
    person.phone_cipher = ""
    person.phone_hash = ""
    person.phone_masked = ""
    person.phone_last4 = ""
    person.ethnicity = ""
    person.political_status = ""
    person.residence_status = ""
    person.occupation = ""
    person.employer = ""
    person.household = None
    person.relation = ""
    person.is_active = False
    person.left_reason = str(ERASED_REASON)
    person.save()


def _scrub_links(person: Person, *, today: dt.date) -> None:
    CareTag.objects.filter(person=person).delete()
    PartyMembership.objects.filter(person=person).delete()
    # Absences go and posts end (orgs' part, registered in contributions).
    contributions.scrub_erased(person, today=today)
    # Correction requests stay as a record that one was made and decided, without content.
    CorrectionRequest.objects.filter(person=person, status=CorrectionStatus.OPEN).update(
        status=CorrectionStatus.REJECTED,
        decided_at=clock.now(),
        decision_note=ERASED_REASON,
    )
    CorrectionRequest.objects.filter(person=person).update(
        requested_value="", requested_cipher="", requested_masked="", note=""
    )


def _disable_account(person: Person, *, pseudonym_: str) -> None:
    from tongxin.accounts.models import ApiToken, User

    for user in User.objects.select_for_update().filter(person=person):
        user.person = None
        user.is_active = False
        user.username = f"erased-{pseudonym_.lower()}"
        user.display_name = f"{ERASED_NAME_PREFIX}{pseudonym_}"
        user.first_name = ""
        user.last_name = ""
        user.email = ""
        user.set_unusable_password()
        user.save()
        ApiToken.objects.filter(user=user).delete()
        forget_scope(user)
