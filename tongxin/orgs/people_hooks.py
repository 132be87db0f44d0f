"""What the posts people hold contribute to the people app (people sits below orgs, so it
cannot ask for posts itself): registered from ``OrgsConfig.ready``.

- the resident's own-data page lists the posts they held and their absences;
- the processing records name the unit (place or organisation) where a staff member held the
  role they acted in;
- erasure is decided by the community leadership whose post covers the person
  (``ERASER_ROLES``), and an erased person's absences go and their posts end;
- the person page lists the posts a person holds now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q
from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.core.models import AuditEvent
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

from .models import Absence, Post
from .roles import Role
from .scopes import active_posts

ERASER_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.DIRECTOR})


def post_sections(actor: Actor, person: Person) -> list[Section]:
    posts = Section("posts", _("担任职务"), True)
    for p in (
        Post.objects.filter(person=person)
        .select_related("place", "organisation")
        .order_by("start_date", "id")
    ):
        posts.records.append(
            [
                Item("role", _("职务"), p.get_role_display()),
                Item("rank", _("AB角"), p.rank),
                Item("place", _("负责地点"), p.place.name if p.place else ""),
                Item("organisation", _("所属组织"), p.organisation.name if p.organisation else ""),
                Item("start_date", _("任职日期"), p.start_date),
                Item("end_date", _("离任日期"), p.end_date),
                Item("public_contact", _("公开联系方式"), p.public_contact),
            ]
        )
    absences = Section("absences", _("请假/缺岗"), True)
    for a in Absence.objects.filter(person=person).order_by("start_date", "id"):
        absences.records.append(
            [
                Item("start_date", _("开始日期"), a.start_date),
                Item("end_date", _("结束日期"), a.end_date),
                Item("reason", _("事由"), a.reason),
            ]
        )
    return [posts, absences]


def actor_units(events: list[AuditEvent], accounts: dict[int, Any]) -> dict[tuple[int, str], str]:
    """For each (staff account, role label) in ``events``, the place or organisation where
    they held that role on the day: the unit that processed the data, without a name."""
    by_person: dict[int, list[Post]] = {}
    for post in (
        Post.objects.filter(person_id__in=[u.person_id for u in accounts.values() if u.person_id])
        .select_related("place", "organisation")
        .order_by(F("start_date").desc(nulls_last=True), "-id")
    ):
        by_person.setdefault(post.person_id, []).append(post)
    # Where each subject lives: of several posts of the same role (a grid worker who is A in
    # one grid and B in the next), the one over the subject is the unit that acted.
    homes = dict(
        Person.objects.filter(
            pk__in={e.subject_person_id for e in events if e.subject_person_id}
        ).values_list("pk", "place_path")
    )
    out: dict[tuple[int, str], str] = {}
    for e in events:
        actor_id = e.actor_id
        account = accounts.get(actor_id) if actor_id is not None else None
        if actor_id is None or account is None or (actor_id, e.role) in out:
            continue
        posts = [
            p for p in by_person.get(account.person_id or 0, []) if p.get_role_display() == e.role
        ]
        on = clock.local(e.at).date()
        home = homes.get(e.subject_person_id or 0) or ""

        def preference(p: Post, home: str = home, on: dt.date = on) -> tuple[bool, bool, bool]:
            over = bool(home and p.place_path and home.startswith(p.place_path))
            return (not p.is_active_on(on), not over, p.rank != "A")

        held = min(posts, key=preference) if posts else None
        if held is not None:
            unit = held.place or held.organisation
            out[(actor_id, e.role)] = unit.name if unit is not None else ""
    return out


def eraser_post(user: Actor, person: Person) -> Post | None:
    """The user's post that lets them erase ``person``: community leadership over them."""
    if not person.place_path:
        return None
    for post in active_posts(user):
        if (
            post.role in ERASER_ROLES
            and post.place is not None
            and person.place_path.startswith(post.place.path)
        ):
            return post
    return None


def end_posts_of_erased(person: Person, *, today: dt.date) -> None:
    # Sick leave and the like are health data and serve no history.
    Absence.objects.filter(person=person).delete()
    # Posts are history (who held which duty when). Those held until now end yesterday, so
    # the responsibility chain passes to the next holder at once; posts that had not started
    # were never held and go.
    Post.objects.filter(person=person, start_date__gte=today).delete()
    yesterday = today - dt.timedelta(days=1)
    Post.objects.filter(person=person).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=yesterday)
    ).update(end_date=yesterday, public_contact=False, note="")


def person_page_context(user: Actor, person: Person) -> dict[str, Any]:
    return {
        "posts": list(
            Post.objects.visible_to(user)
            .active()
            .filter(person=person)
            .select_related("place", "organisation")
            .order_by("id")
        )
    }
