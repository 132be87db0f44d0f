"""The periodic job of votes (``deliberation_votes``, every five minutes through
``core.schedule``): close every vote past its closing time, so the result is stored and
published without waiting for a manager (Beijing publishes within one working day; this is
within minutes), and remind once the electors who have not voted when the closing time is
near (``TONGXIN_VOTE_REMIND_HOURS``, default 24; Loomio and Decidim remind before close).

Idempotent: a closed vote is skipped (``vote_close`` refuses a second close under its row
lock), and a vote's reminder is sent by whoever sets its ``reminded_at`` first (a conditional
update), so a run repeated or overlapping sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.core import clock
from tongxin.inbox.services import notify

from ..errors import VoteClosed
from ..models import ElectorMember, Vote, VoteState
from .votes import vote_close

REMIND_HOURS = 24
NOTIFY_KIND = "vote_reminder"


def remind_hours() -> int:
    return int(getattr(settings, "TONGXIN_VOTE_REMIND_HOURS", REMIND_HOURS))


def close_due_votes() -> int:
    """Close every open vote whose closing time has passed; the number closed."""
    n = 0
    for vote in Vote.objects.filter(state=VoteState.OPEN, closes_at__lte=clock.now()):
        try:
            vote_close(actor=None, vote=vote)
        except VoteClosed:
            continue
        n += 1
    return n


def remind_electors() -> int:
    """Remind, once per vote, the members of the electors that have not voted when the vote
    closes within the reminder window; the number of people reminded."""
    now = clock.now()
    hours = remind_hours()
    if hours <= 0:
        return 0
    due = Vote.objects.filter(
        state=VoteState.OPEN,
        reminded_at__isnull=True,
        closes_at__gt=now,
        closes_at__lte=now + dt.timedelta(hours=hours),
    )
    reminded = 0
    for vote in due:
        with transaction.atomic():
            if not Vote.objects.filter(pk=vote.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            persons = set(
                ElectorMember.objects.filter(vote=vote, elector__voted=False).values_list(
                    "person_id", flat=True
                )
            )
            local = clock.local(vote.closes_at)
            notify(
                recipients=persons,
                kind=NOTIFY_KIND,
                subject=_("表决提醒：{title}").format(title=vote.title),
                body=_("本次表决将于{when}截止，您尚未投票。").format(
                    when=local.strftime("%Y-%m-%d %H:%M")
                ),
                link=reverse("deliberation:vote", args=[vote.pk]),
                topic=f"vote:{vote.pk}",
            )
            reminded += len(persons)
    return reminded


def votes_sweep() -> str:
    """The scheduled job: close what is due, then remind; a summary for the run record."""
    closed = close_due_votes()
    reminded = remind_electors()
    return f"closed {closed}, reminded {reminded}"
