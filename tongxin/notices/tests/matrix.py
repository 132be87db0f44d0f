"""Notices' rows of the access matrix (tongxin/core/tests/test_access_matrix.py) and the
subject objects they are tried on: a notice from the secretary to the building head's building
(grid A, where the ``resident`` lives) and grid1's log entry there.

- the notice: its audience (the resident, the building head) and the staff over it (grid1,
  the secretary); its receipts: those staff only (403 for the residents, 404 for the rest);
- publishing and recording (to the caller's own workplace when no place is named): staff
  (403 for everyone else);
- the lists: anyone signed in, scoped; the contact card: the caller's own home.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongxin.core import clock
from tongxin.core.tests.matrix_roles import PEOPLE_ROLES, ROLES, SIGNED_IN

STAFF_ANYWHERE = frozenset({"grid1", "grid2", "secretary"})
NOTICE_READERS = frozenset({"resident", "building", "grid1", "secretary"})
OVER_SUBJECT = frozenset({"grid1", "secretary"})
SEC = frozenset({"secretary"})
COMMUNITY = frozenset({"resident", "building", "grid1", "grid2", "secretary"})

# name → (allowed, kind, method, data)
RULES: dict[str, tuple[frozenset[str], str, str, dict[str, Any]]] = {
    "api:create_notice": (
        STAFF_ANYWHERE,
        "object",
        "POST",
        {"audience": {"staff": True}, "title": "矩阵测试通知"},
    ),
    "api:list_notices": (SIGNED_IN, "signed_in", "GET", {}),
    "api:get_notice": (NOTICE_READERS, "object", "GET", {}),
    "api:notice_receipts": (OVER_SUBJECT, "object", "GET", {}),
    "api:create_log_entry": (STAFF_ANYWHERE, "object", "POST", {"raised": "矩阵测试日志"}),
    "api:list_log_entries": (SIGNED_IN, "signed_in", "GET", {}),
    # The caller's own card: everyone with a home (administrators have none: 404).
    "api:contact_card": (PEOPLE_ROLES, "object", "GET", {}),
    # 三务公开: the committee (the secretary) drafts, decides and reads the calendar; the
    # subject is published, so acting on it again is a 409 for her and 403 for its readers.
    "api:create_disclosure": (
        SEC,
        "object",
        "POST",
        {"title": "矩阵测试公开", "body": "内容", "kind": "party", "cadence": "immediate"},
    ),
    "api:list_disclosures": (SIGNED_IN, "signed_in", "GET", {}),
    "api:act_on_disclosure": (SEC, "object", "POST", {"act": "publish"}),
    "api:disclosure_calendar": (SEC, "object", "GET", {}),
    # The service guide: the subject is the demo community's entry, for its people.
    "api:list_services": (SIGNED_IN, "signed_in", "GET", {}),
    "api:get_service": (COMMUNITY, "object", "GET", {}),
    # Its pages, as the API; asking for the subject entry online is a message for its people
    # (it takes no online requests), 404 for everyone else.
    "notices:guide": (SIGNED_IN, "signed_in", "GET", {}),
    "notices:guide_detail": (COMMUNITY, "object", "GET", {}),
    "notices:guide_request": (COMMUNITY, "object", "POST", {"note": "矩阵测试"}),
    # Appointments: the subject studio is the demo community's, the booking the resident's.
    # Booking a slot years ahead is a 422 for the community's people (404 for the rest).
    "api:list_studios": (SIGNED_IN, "signed_in", "GET", {}),
    "api:studio_slots": (COMMUNITY, "object", "GET", {}),
    "api:book_studio": (COMMUNITY, "object", "POST", {"starts_at": "2030-01-01T09:00:00+08:00"}),
    "api:studio_day_list": (SEC, "object", "GET", {}),
    "api:act_on_booking": (
        frozenset({"resident", "secretary"}),
        "object",
        "POST",
        {"act": "cancel"},
    ),
    # Pages: the lists and the own card for anyone signed in; a notice and its receipts as in
    # the API.
    "notices:list": (SIGNED_IN, "signed_in", "GET", {}),
    "notices:detail": (NOTICE_READERS, "object", "GET", {}),
    "notices:receipts": (OVER_SUBJECT, "object", "GET", {}),
    "notices:card": (SIGNED_IN, "signed_in", "GET", {}),
    # The community's public notice board: anyone, without signing in.
    "notices:board": (frozenset(ROLES), "open", "GET", {}),
    # The printed card of the subject's dwelling: whoever may browse the place.
    "notices:card_pdf": (frozenset({"grid1", "secretary", "building"}), "object", "GET", {}),
    # Publishing from the page: staff, to the places they work at (others 403).
    "notices:new": (STAFF_ANYWHERE, "object", "GET", {}),
    # The subject notice is a 简报: its printed page and PDF are for its readers.
    "notices:bulletin": (NOTICE_READERS, "object", "GET", {}),
    "notices:bulletin_pdf": (NOTICE_READERS, "object", "GET", {}),
    # Attachments: added by the notice's publishers (an empty upload is a 422 for them, a 403
    # for its other readers); read by whoever reads the notice.
    "api:attach_to_notice": (OVER_SUBJECT, "object", "POST", {}),
    "api:get_notice_attachment": (NOTICE_READERS, "object", "GET", {}),
    # The disclosure desk: the community's managers.
    "notices:disclosures": (SEC, "object", "GET", {}),
    "notices:disclosure_new": (SEC, "object", "GET", {}),
    "notices:disclosure_act": (SEC, "object", "POST", {"act": "publish"}),
    # Conventions: the subject is the building's adopted stairwell convention, read by the
    # people of the building and the staff over it; drafting by any staff (at their own
    # workplace), recording an adoption by the staff over the place (a 422 for them: it is
    # adopted already).
    "notices:conventions": (SIGNED_IN, "signed_in", "GET", {}),
    "notices:convention": (NOTICE_READERS, "object", "GET", {}),
    "notices:convention_new": (STAFF_ANYWHERE, "object", "GET", {}),
    "notices:convention_adopt": (OVER_SUBJECT, "object", "GET", {}),
    "api:list_conventions": (SIGNED_IN, "signed_in", "GET", {}),
    "api:create_convention": (
        STAFF_ANYWHERE,
        "object",
        "POST",
        {"kind": "residents", "title": "矩阵测试公约", "text": "内容"},
    ),
    "api:get_convention": (NOTICE_READERS, "object", "GET", {}),
    "api:adopt_convention": (
        OVER_SUBJECT,
        "object",
        "POST",
        {"adopted_on": "2026-03-01", "method": "residents_meeting"},
    ),
    # The daily log's pages (field_views): the list for anyone signed in (scoped: residents
    # see an empty list), the form and the export for staff, grid1's entry for the staff over
    # it. Raising from it: grid1 raises the case first, the secretary is told it is raised
    # already (a message, not a refusal); a need without a household is a message too.
    "notices:log_list": (SIGNED_IN, "signed_in", "GET", {}),
    "notices:log_new": (STAFF_ANYWHERE, "object", "GET", {}),
    "notices:log_export": (STAFF_ANYWHERE, "object", "GET", {}),
    "notices:log_detail": (OVER_SUBJECT, "object", "GET", {}),
    "notices:log_raise_case": (OVER_SUBJECT, "object", "POST", {"category": "env.garbage"}),
    "notices:log_raise_need": (OVER_SUBJECT, "object", "POST", {"kind": "service"}),
    # Booking a studio from the pages, as in the API: the subject studio is the demo
    # community's, the booking the resident's; a slot years ahead is a message, not a refusal.
    "notices:studios": (SIGNED_IN, "signed_in", "GET", {}),
    "notices:studio": (COMMUNITY, "object", "GET", {}),
    "notices:studio_book": (
        COMMUNITY,
        "object",
        "POST",
        {"starts_at": "2030-01-01T09:00:00+08:00"},
    ),
    "notices:studio_day": (SEC, "object", "GET", {}),
    "notices:my_bookings": (SIGNED_IN, "signed_in", "GET", {}),
    "notices:booking_cancel": (frozenset({"resident", "secretary"}), "object", "POST", {}),
    "notices:booking_mark": (SEC, "object", "POST", {"act": "attend"}),
}

ARGUMENTS = {
    "notice_id": "notice",
    "disclosure_id": "disclosure",
    "service_id": "guide",
    "studio_id": "studio",
    "booking_id": "booking",
    "community_id": "community",
    "convention_id": "convention",
    "upload_id": "notice_attachment",
    "entry_id": "log_entry",
}


def subject(demo: Any) -> dict[str, Any]:
    """The secretary's notice to the building head's building, grid1's log entry there."""
    from tongxin.core.testing import png_upload
    from tongxin.notices import selectors, services
    from tongxin.orgs.models import Post
    from tongxin.places.models import Place

    head = demo.user("building")
    building = Post.objects.active().get(person=head.person, role="building_head").place
    notice = services.notice_publish(
        actor=demo.user("secretary"),
        audience_place=building,
        title="矩阵测试通知",
        kind="bulletin",
        issue_number=1,
        attachments=[png_upload("矩阵.png", size=(8, 8))],
    )
    (attachment,) = selectors.attachments_of([notice])[notice.pk]
    convention = services.convention_draft(
        actor=demo.user("grid1"), place=building, kind="stairwell", title="矩阵公约", text="内容"
    )
    services.convention_adopt(
        actor=demo.user("grid1"),
        convention_id=convention.pk,
        adopted_on=clock.today(),
        method="residents_meeting",
    )
    entry = services.log_entry_record(
        actor=demo.user("grid1"), place=building, raised="矩阵测试日志"
    )
    secretary = demo.user("secretary")
    disclosure = services.disclosure_draft(
        actor=secretary,
        community=Place.objects.get(kind="community", path=building.path[:8]),
        title="矩阵测试公开",
        body="内容",
        kind="finance",
        cadence="immediate",
    )
    for act, note in (("submit", ""), ("approve", "两委会议通过"), ("publish", "")):
        services.disclosure_act(actor=secretary, disclosure_id=disclosure.pk, act=act, note=note)
    from tongxin.notices.models import ServiceGuide

    guide = ServiceGuide.objects.create(
        community=disclosure.community, code="matrix", title="矩阵测试事项"
    )
    from tongxin.notices.models import Studio

    studio = Studio.objects.create(
        community=disclosure.community,
        kind="secretary",
        name="矩阵测试工作室",
        sittings=[{"weekday": d, "start": "09:00", "end": "10:00"} for d in range(7)],
    )
    start = clock.start_of_day(clock.today() + dt.timedelta(days=2)) + dt.timedelta(hours=9)
    booking = services.booking_create(actor=demo.user("resident"), studio=studio, starts_at=start)
    return {
        "notice": notice,
        "log_entry": entry,
        "disclosure": disclosure,
        "guide": guide,
        "studio": studio,
        "booking": booking,
        "community": disclosure.community,
        "convention": convention,
        "notice_attachment": attachment,
    }
