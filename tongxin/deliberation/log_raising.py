"""Raising a topic (议题) from a daily-log entry (民情日志): what deliberation registers with
notices (``notices.raising.register_raiser``), as matching registers its need — notices sit below
deliberation in the layers and cannot call the topic service themselves.

The topic is proposed through the one service (``services.topic_propose``) at the nearest place
above the entry's that a topic may belong to (a dwelling's building, a building, an estate, a
grid, a community), with the channel 民情日志 and the entry as its source; the entry's page lists
the topics raised from it, linked.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.actors import Actor
from tongxin.core.errors import ValidationFailed
from tongxin.notices.models import LogEntry
from tongxin.notices.raising import Raised, Raiser
from tongxin.places.models import Place

from .models import Channel, Topic
from .services.topics import TOPIC_PLACE_KINDS, topic_propose


class TopicCategory(TextChoices):
    ENVIRONMENT = "environment", gettext_lazy("环境卫生")
    PARKING = "parking", gettext_lazy("停车交通")
    FACILITIES = "facilities", gettext_lazy("设施维修")
    SAFETY = "safety", gettext_lazy("安全消防")
    CONVENTION = "convention", gettext_lazy("居民公约")
    OTHER = "other", gettext_lazy("其他")


def _kinds() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in TopicCategory.choices]


def topic_place(entry: LogEntry) -> Place | None:
    """The nearest place at or above the entry's that a topic may belong to."""
    p = entry.place_path
    prefixes = [p[:k] for k in range(4, len(p) + 1, 4)]
    return (
        Place.objects.filter(path__in=prefixes, kind__in=TOPIC_PLACE_KINDS)
        .order_by("-path")
        .first()
    )


def raise_topic(
    *, actor: Actor, entry: LogEntry, kind: str, description: str, household_id: int | None
) -> Raised:
    """Propose a topic from the entry (the caller has been checked to record at its place)."""
    if kind not in TopicCategory.values:
        reason = _("请选择议题类别")
        raise ValidationFailed(reason, fields=[{"field": "kind", "reason": reason}])
    text = (description or "").strip() or entry.raised.strip()
    place = topic_place(entry)
    if place is None:
        reason = _("这条日志的地点不属于任何社区、网格、小区或楼栋")
        raise ValidationFailed(reason, fields=[{"field": "kind", "reason": reason}])
    topic = topic_propose(
        actor=actor,
        title=text[:60],
        body=text,
        place_id=place.pk,
        category=str(TopicCategory(kind).label),
        channel=Channel.LOG,
        source_id=entry.pk,
    )
    return _raised(topic)


def _raised(topic: Topic) -> Raised:
    return Raised(
        key="topic",
        label=_("议题：{title}").format(title=topic.title[:30]),
        url=reverse("deliberation:topic", args=[topic.pk]),
        state=str(topic.get_state_display()),
    )


def topics_raised_by(actor: Actor, entry: LogEntry) -> list[Raised]:
    topics = Topic.objects.visible_to(actor).filter(channel=Channel.LOG, source_id=entry.pk)
    return [_raised(t) for t in topics.order_by("pk")]


TOPIC_RAISER = Raiser(
    key="topic",
    label=gettext_lazy("转为议题"),
    kinds=_kinds,
    raise_from=raise_topic,
    raised_by=topics_raised_by,
    url_name="deliberation:topic_from_log",
    text_label=gettext_lazy("议题内容"),
)
