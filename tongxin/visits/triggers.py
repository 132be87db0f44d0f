"""What schedules a visit within hours: a new care tag (a hospital admission for 重病/住院, a
release for 刑释人员), and a case of a 三必到 category (an emergency, discontent, a family
dispute) reported by a registered resident. Connected from ``VisitsConfig.ready``: the apps
below cannot call visits, so visits listens for their rows being created."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from .models import Trigger

TAG_TRIGGERS = {
    "serious_illness": Trigger.HOSPITAL,
    "released_prisoner": Trigger.RELEASE,
}


def on_care_tag(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    if not created or raw:
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

    post_save.connect(on_care_tag, sender=CareTag, dispatch_uid="visits.care_tag")
    post_save.connect(on_case, sender=Case, dispatch_uid="visits.case")
