"""What schedules a visit within hours: a new care tag (a hospital admission for 重病/住院, a
release for 刑释人员), and a case of a 三必到 category (an emergency, discontent, a family
dispute) reported by a registered resident; and what ends them: a tag's end date set, moved or
cleared, a tag deleted, a resident erased (``ending``). Connected from ``VisitsConfig.ready``:
the apps below cannot call visits, so visits listens for their rows being created."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from .models import Trigger

TAG_TRIGGERS = {
    "serious_illness": Trigger.HOSPITAL,
    "released_prisoner": Trigger.RELEASE,
}


def on_care_tag(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    if raw:
        return
    if not created:
        _tag_changed(instance)
        return
    from tongxin.core import clock

    from .services import visit_trigger

    person = instance.person
    visit_trigger(person=person, trigger=Trigger.NEW_TAG)
    extra = TAG_TRIGGERS.get(instance.kind)
    if not extra:
        return
    start = instance.start_date
    if start is not None and start > clock.today():
        # Known before it happens (a release date ahead): the first visit above gets to know
        # the family now; the tag's own visit is owed on its day (met on release day).
        at = clock.start_of_day(start)
        visit_trigger(person=person, trigger=extra, at=at, kinds=[instance.kind])
    else:
        visit_trigger(person=person, trigger=extra)
    if instance.end_date is not None:  # entered already ended (or with its end known)
        _tag_changed(instance)


def _tag_changed(tag: Any) -> None:
    """A tag's end date set, moved or cleared: the resident's visits re-derived."""
    from .ending import rederive

    rederive(person=tag.person, kind=tag.kind, ended=tag.end_date, tag_id=tag.pk)


def on_care_tag_deleted(sender: Any, instance: Any, **kw: Any) -> None:
    from tongxin.people.models import Person

    from .ending import rederive

    person = Person.objects.filter(pk=instance.person_id).first()
    if person is not None:
        rederive(person=person, kind=instance.kind, ended=None, removed=True, tag_id=instance.pk)


def on_person_erased(sender: Any, person: Any, **kw: Any) -> None:
    from .ending import on_erased

    on_erased(person)


def on_case(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    if not created or raw or instance.reporter_person_id is None:
        return
    if not instance.category.must_attend or instance.channel in ("visit", "patrol"):
        return  # a cadre in the field reported it: someone has already attended
    from .services import visit_trigger

    visit_trigger(person=instance.reporter_person, trigger=Trigger.MUST_ATTEND)


def connect() -> None:
    from tongxin.cases.models import Case
    from tongxin.people.models import CareTag
    from tongxin.people.rights import person_erased

    post_save.connect(on_care_tag, sender=CareTag, dispatch_uid="visits.care_tag")
    post_save.connect(on_case, sender=Case, dispatch_uid="visits.case")
    post_delete.connect(on_care_tag_deleted, sender=CareTag, dispatch_uid="visits.care_tag_end")
    person_erased.connect(on_person_erased, dispatch_uid="visits.erased")
