"""What notices holds about a person, for their right of access (我的数据): the notices that
reached them (and when they read them) and their bookings."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.core.actors import Actor
from tongxin.people.models import Person
from tongxin.people.own_data import Item, Section

LINKED = {
    "notices.noticereceipt": "notice_receipts",
    "notices.booking": "bookings",
}


def sections(user: Actor, person: Person) -> list[Section]:
    from .models import Booking, NoticeReceipt

    receipts = Section("notice_receipts", _("收到的通知"), True)
    for r in (
        NoticeReceipt.objects.filter(person=person)
        .select_related("notice")
        .order_by("notice__published_at", "id")
    ):
        receipts.records.append(
            [
                Item("notice", _("通知"), r.notice.title),
                Item("published_at", _("发布时间"), r.notice.published_at),
                Item("read_at", _("阅读时间"), r.read_at),
            ]
        )
    bookings = Section("bookings", _("预约"), True)
    for b in Booking.objects.filter(person=person).select_related("studio").order_by("starts_at"):
        bookings.records.append(
            [
                Item("studio", _("工作室"), b.studio.name),
                Item("starts_at", _("预约时段"), b.starts_at),
                Item("topic", _("事由"), b.topic),
                Item("status", _("状态"), b.get_status_display()),
            ]
        )
    return [receipts, bookings]
