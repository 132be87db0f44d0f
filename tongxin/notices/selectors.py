"""Reads of notices and the daily log: whom a notice reaches, its receipts, the lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.actors import Actor, person_of
from tongxin.core.scoping import paths_q, scope_for
from tongxin.orgs.models import DepartmentKind, Organisation, OrgKind, Post
from tongxin.orgs.roles import ROLE_RULES, Role, View
from tongxin.orgs.selectors import responsible_for
from tongxin.people.models import CareTag, PartyMembership, Person
from tongxin.places.models import Place

from .models import (
    HOLDING,
    Audience,
    Booking,
    BookingStatus,
    Cadence,
    Convention,
    Disclosure,
    DisclosureItem,
    DisclosureStatus,
    LogEntry,
    Notice,
    NoticeKind,
    NoticeReceipt,
    ServiceGuide,
    Studio,
)

STAFF_ROLES = tuple(r for r, rule in ROLE_RULES.items() if rule.view == View.STAFF)


def audience_of(*, audience: str, place: Place, care_tag: str = "") -> QuerySet[Person]:
    """The persons a notice to ``audience`` at ``place`` reaches today: everyone registered
    under the place, those of them with a current care tag of the kind, the party members
    registered there, or the holders of a staff post there. Used by the publishing service
    only (it fixes the audience as receipts)."""
    today = clock.today()
    under = Q(place_path__prefix=place.path)
    people = Person.objects.filter(is_active=True)
    if audience == Audience.RESIDENTS:
        return people.filter(under).order_by("pk")
    if audience == Audience.CARE_TAG:
        tagged = CareTag.objects.filter(kind=care_tag).filter(
            Q(start_date__isnull=True) | Q(start_date__lte=today),
            Q(end_date__isnull=True) | Q(end_date__gte=today),
        )
        return people.filter(under, pk__in=tagged.values("person_id")).order_by("pk")
    if audience == Audience.MEMBERS:
        members = PartyMembership.objects.values("person_id")
        return people.filter(
            Q(pk__in=members) & (under | Q(party_membership__registered_community=place))
        ).order_by("pk")
    posts = Post.objects.active(today).filter(role__in=STAFF_ROLES, place_path__prefix=place.path)
    return people.filter(pk__in=posts.values("person_id")).order_by("pk")


def notices_for(user: Actor, *, mine: bool = False) -> QuerySet[Notice]:
    """The notices the user may see, or with ``mine`` only those that reached them and are
    still valid."""
    qs = Notice.objects.visible_to(user)
    if mine:
        person = person_of(user)
        if person is None:
            return Notice.objects.none()
        today = clock.today()
        qs = qs.filter(receipts__person_id=person.pk).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )
    return qs.select_related("audience_place")


def read_at_of(user: Actor, notice_ids: list[int]) -> dict[int, dt.datetime | None]:
    """When the user read each of ``notice_ids`` (absent: not in the audience)."""
    person = person_of(user)
    if person is None:
        return {}
    return dict(
        NoticeReceipt.objects.visible_to(user)
        .filter(person_id=person.pk, notice_id__in=notice_ids)
        .values_list("notice_id", "read_at")
    )


@dataclass(frozen=True)
class Receipts:
    read: int
    unread: int
    unread_people: list[dict[str, Any]]


def receipts_of(user: Actor, notice: Notice) -> Receipts:
    """Who of the audience the user looks after has read the notice: counts, and the people
    still to visit (name and address label only, never a phone)."""
    from tongxin.people.display import address_labels

    # The people the user looks after as staff; not their own receipt as a resident.
    staff_paths = scope_for(user).case_paths
    rows = (
        NoticeReceipt.objects.visible_to(user)
        .filter(notice=notice)
        .filter(paths_q("person_path", staff_paths))
    )
    read = rows.filter(read_at__isnull=False).count()
    unread = list(
        rows.filter(read_at__isnull=True)
        .select_related("person", "person__place")
        .order_by("person_path", "person_id")
    )
    labels = address_labels([r.person.place for r in unread if r.person.place_id])
    return Receipts(
        read=read,
        unread=len(unread),
        unread_people=[
            {
                "id": r.person_id,
                "name": r.person.name,
                "address": labels.get(r.person.place_id, "") if r.person.place_id else "",
            }
            for r in unread
        ],
    )


@dataclass
class UnreadGroup:
    """The unread people of one stairwell (a building's unit, or a building without units):
    the door-to-door round of the grid worker."""

    building: str
    unit: str
    # The unit (else the building) the group's homes lie under: its path and id ("", 0: none).
    path: str = ""
    key: int = 0
    people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.people)


def unread_by_building(user: Actor, notice: Notice) -> list[UnreadGroup]:
    """The unread list of ``receipts_of`` (so scoped the same way) grouped by building and
    unit, in the order of the places' paths; people without a home in a building last."""
    from tongxin.people.display import ancestors_map

    unread = receipts_of(user, notice).unread_people
    homes = dict(
        Person.objects.filter(pk__in=[p["id"] for p in unread]).values_list("pk", "place_id")
    )
    places = {p.pk: p for p in Place.objects.filter(pk__in=set(homes.values()) - {None})}
    chains = ancestors_map(places.values())
    groups: dict[tuple[int, int], UnreadGroup] = {}
    order: dict[tuple[int, int], str] = {}
    for person in unread:
        place = places.get(homes.get(person["id"]) or 0)
        chain = [*chains.get(place.pk, []), place] if place is not None else []
        estate = next((p for p in chain if p.kind == "estate"), None)
        building = next((p for p in chain if p.kind == "building"), None)
        unit = next((p for p in chain if p.kind == "unit"), None)
        # Keyed by the places, not their names: two estates both have a "1栋".
        key = (building.pk if building else 0, unit.pk if unit else 0)
        if key not in groups:
            anchor = unit or building
            label = building.name if building else ""
            if building and estate:
                label = f"{estate.name}{building.name}"
            groups[key] = UnreadGroup(
                building=label,
                unit=unit.name if unit else "",
                path=anchor.path if anchor else "",
                key=anchor.pk if anchor else 0,
            )
            order[key] = anchor.path if anchor else "~"
        groups[key].people.append(person)
    return [groups[k] for k in sorted(groups, key=lambda k: (order[k], k))]


def attachments_of(notices: list[Notice]) -> dict[int, list[Any]]:
    """The attachments of each notice (stored uploads it owns), oldest first."""
    from django.contrib.contenttypes.models import ContentType

    from tongxin.core.models import StoredUpload

    if not notices:
        return {}
    rows = StoredUpload.objects.filter(
        owner_type=ContentType.objects.get_for_model(Notice),
        owner_id__in=[str(n.pk) for n in notices],
    ).order_by("created_at", "original_name")
    out: dict[int, list[Any]] = {n.pk: [] for n in notices}
    for row in rows:
        out[int(row.owner_id)].append(row)
    return out


def community_of(place: Place) -> Place | None:
    """The community ``place`` lies in (itself when it is one)."""
    if place.kind == "community":
        return place
    return next((p for p in place.ancestors_list() if p.kind == "community"), None)


# What a notice may be addressed to from the page: areas and buildings, not units or homes.
PUBLISH_KINDS = ("community", "grid", "estate", "building")


def publishable_places(user: Actor) -> list[Place]:
    """The places the user may publish a notice to: those of the kinds above under their
    staff posts (the community and all within it for the secretary; a grid worker's grid,
    its estates and buildings), in tree order."""
    paths = scope_for(user).case_paths
    if not paths:
        return []
    return list(
        Place.objects.filter(paths_q("path", paths), kind__in=PUBLISH_KINDS).order_by("path")[:500]
    )


def log_entries_for(
    user: Actor,
    *,
    place: Place | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    text: str = "",
    tag: str = "",
) -> QuerySet[LogEntry]:
    """The log entries the user may read, filtered by place subtree, local days and words."""
    qs = LogEntry.objects.visible_to(user)
    if place is not None:
        qs = qs.filter(place_path__prefix=place.path)
    if since is not None:
        qs = qs.filter(occurred_at__gte=clock.start_of_day(since))
    if until is not None:
        qs = qs.filter(occurred_at__lt=clock.start_of_day(until + dt.timedelta(days=1)))
    for word in text.split()[:5]:
        qs = qs.filter(
            Q(raised__icontains=word)
            | Q(done__icontains=word)
            | Q(met__icontains=word)
            | Q(follow_up__icontains=word)
            | Q(difficulties__icontains=word)
            | Q(requests__icontains=word)
            | Q(visitors__icontains=word)
            | Q(tags__icontains=word)
        )
    if tag:
        qs = qs.filter(tags__icontains=tag)
    return qs.select_related("place", "author")


# ---------------------------------------------------------------------------- the contact card
# The contact card (便民服务卡, 便民服务一卡明): for a dwelling or a building, who to call.
#
# Read from the registry and the responsibility chain at the moment it is asked, so the card
# changes the day a post changes: the posts held today along the place's ancestors (unit head,
# building head, estate head, the grid workers A and B, the grid chief, the secretary and the
# director), the organisations covering the place with a public phone (the police station, the
# property office, the residents' committee's duty phone), the one responsible for the place
# today (``orgs.selectors.responsible_for``: A, else B, up the chain) and the national
# emergency numbers.
#
# Only posts whose contact is public (照片上墙, 电话公开) are on it, each with the number the
# post publishes (``Post.contact_phone``: its public work phone, else the holder's number
# masked): the card is printed and handed out, so nothing on it may be private.

# The roles on the card, nearest first; the order of the lines.
CARD_ROLES = (
    Role.UNIT_HEAD,
    Role.BUILDING_HEAD,
    Role.ESTATE_HEAD,
    Role.GRID_WORKER,
    Role.GRID_CHIEF,
    Role.PROPERTY_OFFICER,
    Role.SECRETARY,
    Role.DIRECTOR,
)

# The organisations a household calls: the residents' committee (the duty phone), the
# property office, the police station and the utilities' emergency repair.
CARD_ORG_KINDS = (
    OrgKind.RESIDENTS_COMMITTEE,
    OrgKind.PROPERTY_COMPANY,
)
CARD_DEPARTMENTS = (
    DepartmentKind.PUBLIC_SECURITY,
    DepartmentKind.WATER,
    DepartmentKind.POWER,
    DepartmentKind.GAS,
)

# National numbers, the same everywhere (a city's water or gas line is an organisation's
# public phone, configured with it).
EMERGENCY_LINES = (
    (gettext_lazy("报警"), "110"),
    (gettext_lazy("火警"), "119"),
    (gettext_lazy("急救"), "120"),
    (gettext_lazy("供电抢修"), "95598"),
)


@dataclass(frozen=True)
class CardLine:
    role: str
    role_label: str
    place: str
    name: str
    phone: str


@dataclass
class Card:
    place: Place
    lines: list[CardLine] = field(default_factory=list)
    organisations: list[dict[str, Any]] = field(default_factory=list)
    responsible: CardLine | None = None
    emergency: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def line(c: CardLine) -> dict[str, str]:
            return {
                "role": c.role,
                "role_label": c.role_label,
                "place": c.place,
                "name": c.name,
                "phone": c.phone,
            }

        return {
            "place": self.place.pk,
            "place_name": self.place.name,
            "lines": [line(c) for c in self.lines],
            "organisations": self.organisations,
            "responsible": line(self.responsible) if self.responsible else None,
            "emergency": self.emergency,
        }


def _line(post: Post) -> CardLine:
    label = str(post.get_role_display())
    if post.rank:
        label = f"{label} {post.rank}"
    return CardLine(
        role=post.role,
        role_label=label,
        place=post.place.name if post.place else "",
        name=post.person.name,
        phone=post.contact_phone,
    )


def card_for(place: Place) -> Card:
    """The card of ``place`` (a dwelling, a unit, a building) as of today."""
    today = clock.today()
    levels = [place, *reversed(place.ancestors_list())]
    order = {p.pk: i for i, p in enumerate(levels)}
    posts = sorted(
        Post.objects.active(today)
        .filter(place__in=levels, role__in=CARD_ROLES, public_contact=True)
        .select_related("person", "place"),
        key=lambda p: (order[p.place_id], CARD_ROLES.index(p.role), p.rank or "Z", p.pk),
    )
    lines: list[CardLine] = []
    for post in posts:
        line = _line(post)
        same = next(
            (i for i, c in enumerate(lines) if (c.name, c.place) == (line.name, line.place)), None
        )
        if same is None:
            lines.append(line)
        else:  # one person in two posts at one place (书记 and 主任): one line
            c = lines[same]
            lines[same] = CardLine(
                c.role, f"{c.role_label}、{line.role_label}", c.place, c.name, c.phone
            )
    card = Card(place=place, lines=lines)
    orgs = (
        Organisation.objects.filter(places__in=levels, is_active=True)
        .filter(Q(kind__in=CARD_ORG_KINDS) | Q(department_kind__in=CARD_DEPARTMENTS))
        .exclude(phone="")
        .distinct()
        .order_by("kind", "department_kind", "pk")
    )
    card.organisations = [
        {
            "name": o.name,
            "kind": o.department_kind or o.kind,
            "kind_label": str(o.get_department_kind_display() or o.get_kind_display()),
            "phone": o.phone,
        }
        for o in orgs
    ]
    who = responsible_for(place, on=today)
    if who.post is not None and who.post.public_contact:
        card.responsible = _line(who.post)
    card.emergency = [{"label": str(label), "phone": number} for label, number in EMERGENCY_LINES]
    return card


# ---------------------------------------------------------------------------- 三务公开

# A year's fixed disclosures are due by the end of its first quarter; a quarter's periodic
# ones within the first 15 days after the quarter ends (the common local rule).
FIXED_DUE = (3, 31)
PERIODIC_GRACE_DAYS = 15


@dataclass(frozen=True)
class CalendarEntry:
    """One disclosure the list says is due: the item, the period, the window in which it is
    due, and where it stands (``done``, ``due``, ``overdue``, ``upcoming``)."""

    item: DisclosureItem
    period: str
    opens: dt.date
    deadline: dt.date
    status: str
    disclosure_id: int | None
    draft_status: str


def _windows(cadence: str, year: int) -> list[tuple[str, dt.date, dt.date]]:
    if cadence == Cadence.FIXED:
        return [(str(year), dt.date(year, 1, 1), dt.date(year, *FIXED_DUE))]
    if cadence == Cadence.PERIODIC:
        out = []
        for q in range(1, 5):
            end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
            out.append(
                (
                    f"{year}-Q{q}",
                    end + dt.timedelta(days=1),
                    end + dt.timedelta(days=PERIODIC_GRACE_DAYS),
                )
            )
        return out
    return []


def disclosure_calendar(community: Place, year: int) -> list[CalendarEntry]:
    """What the community's disclosure list asks for in ``year``, each with its state today:
    published (``done``), in its window (``due``), past its deadline without publication
    (``overdue``) or not yet open (``upcoming``); a draft in progress is named beside it."""
    today = clock.today()
    items = list(
        DisclosureItem.objects.filter(community=community, is_active=True)
        .exclude(cadence=Cadence.IMMEDIATE)
        .order_by("kind", "cadence", "pk")
    )
    rows = Disclosure.objects.filter(item__in=items, period__startswith=str(year)).order_by("pk")
    latest: dict[tuple[int, str], Disclosure] = {}
    for d in rows:
        key = (d.item_id or 0, d.period)
        if key not in latest or d.status == DisclosureStatus.PUBLISHED:
            latest[key] = d
    out = []
    for item in items:
        for period, opens, deadline in _windows(item.cadence, year):
            d = latest.get((item.pk, period))
            if d is not None and d.status == DisclosureStatus.PUBLISHED:
                status = "done"
            elif today > deadline:
                status = "overdue"
            elif today >= opens:
                status = "due"
            else:
                status = "upcoming"
            out.append(
                CalendarEntry(
                    item=item,
                    period=period,
                    opens=opens,
                    deadline=deadline,
                    status=status,
                    disclosure_id=d.pk if d else None,
                    draft_status=d.status if d else "",
                )
            )
    return out


def disclosures_for(user: Actor, *, community: Place | None = None) -> QuerySet[Disclosure]:
    qs = Disclosure.objects.visible_to(user).select_related("community", "item")
    if community is not None:
        qs = qs.filter(community=community)
    return qs


def disclosure_item(community: Place, pk: int) -> DisclosureItem:
    """A line of the community's disclosure list (configuration, not personal): 422 when it
    is not the community's."""
    from tongxin.core.errors import ValidationFailed

    item = DisclosureItem.objects.filter(community=community, pk=pk).first()
    if item is None:
        raise ValidationFailed(
            _("该事项不属于本社区的公开目录"),
            fields=[{"field": "item_id", "reason": _("该事项不属于本社区的公开目录")}],
        )
    return item


# ---------------------------------------------------------------------------- the service guide


def guide_for(user: Actor, *, text: str = "", category: str = "") -> QuerySet[ServiceGuide]:
    """The services of the caller's community and those that hold everywhere, searched by
    words in the title, category, conditions or materials."""
    qs = ServiceGuide.objects.visible_to(user).filter(is_active=True)
    if category:
        qs = qs.filter(category=category)
    for word in text.split()[:5]:
        qs = qs.filter(search_text__icontains=word)
    return qs


# ---------------------------------------------------------------------------- appointments


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    taken: int
    capacity: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


def _minutes(hhmm: str) -> int | None:
    try:
        h, m = (int(x) for x in str(hhmm).split(":"))
    except ValueError:
        return None
    return h * 60 + m if 0 <= h < 24 and 0 <= m < 60 else None


def slot_starts(studio: Studio, day: dt.date) -> list[dt.datetime]:
    """The starts of the studio's slots on ``day`` (local), from its sitting hours."""
    midnight = clock.start_of_day(day)
    out: list[dt.datetime] = []
    for sitting in studio.sittings or []:
        if not isinstance(sitting, dict) or sitting.get("weekday") != day.weekday():
            continue
        start, end = _minutes(sitting.get("start", "")), _minutes(sitting.get("end", ""))
        if start is None or end is None:
            continue
        t = start
        while t + studio.slot_minutes <= end:
            out.append(clock.local(midnight + dt.timedelta(minutes=t)))
            t += studio.slot_minutes
    return sorted(out)


def slots_of(studio: Studio, day: dt.date) -> list[Slot]:
    """The slots of ``day`` with how many places each has taken."""
    starts = slot_starts(studio, day)
    if not starts:
        return []
    taken = dict(
        Booking.objects.filter(studio=studio, starts_at__in=starts, status__in=HOLDING)
        .values("starts_at")
        .annotate(n=Count("pk"))
        .values_list("starts_at", "n")
    )
    return [Slot(s, taken.get(s, 0), studio.capacity) for s in starts]


def studio_day(user: Actor, studio: Studio, day: dt.date) -> QuerySet[Booking]:
    """The studio's bookings of one local day, for its day list."""
    return (
        Booking.objects.visible_to(user)
        .filter(
            studio=studio,
            starts_at__gte=clock.start_of_day(day),
            starts_at__lt=clock.start_of_day(day + dt.timedelta(days=1)),
        )
        .select_related("person")
        .order_by("starts_at", "pk")
    )


def no_show_rate(studio: Studio, *, days: int = 90) -> float | None:
    """Of the past ``days``' bookings that came due (attended or not), the share not kept."""
    since = clock.now() - dt.timedelta(days=days)
    rows = Booking.objects.filter(
        studio=studio,
        starts_at__gte=since,
        starts_at__lt=clock.now(),
        status__in=[BookingStatus.ATTENDED, BookingStatus.NO_SHOW],
    )
    total = rows.count()
    if not total:
        return None
    return round(rows.filter(status=BookingStatus.NO_SHOW).count() / total, 3)


# ---------------------------------------------------------------------------- the public board


def public_disclosures(community: Place) -> QuerySet[Disclosure]:
    """The community's published disclosures (三务公开), newest first: public by nature."""
    return Disclosure.objects.filter(
        community=community, status=DisclosureStatus.PUBLISHED
    ).order_by("-published_at", "-pk")


# ---------------------------------------------------------------------------- conventions


def conventions_for(user: Actor, *, place: Place | None = None) -> QuerySet[Convention]:
    """The conventions the user may read (a resident: the adopted ones of their community
    and building; staff: those of their places, drafts too), optionally under ``place``."""
    qs = Convention.objects.visible_to(user).select_related("place")
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    return qs


def public_board(community: Place) -> QuerySet[Notice]:
    """The notices on the community's public board: those to all residents under it that
    their publisher made public, while valid. Anyone reads them, without signing in."""
    today = clock.today()
    return (
        Notice.objects.filter(
            is_public=True,
            audience=Audience.RESIDENTS,
            audience_path__startswith=community.path,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("audience_place")
    )


def next_bulletin_issue(place: Place | None) -> int:
    """The issue number a new 简报 to ``place`` is proposed: the last one's plus one."""
    if place is None:
        return 1
    last = (
        Notice.objects.filter(kind=NoticeKind.BULLETIN, audience_place=place)
        .exclude(issue_number=None)
        .order_by("-issue_number")
        .values_list("issue_number", flat=True)
        .first()
    )
    return (last or 0) + 1
