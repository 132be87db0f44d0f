"""Where the broker is and how the topics are named (settings, with development defaults)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

LOW_BATTERY = 20  # per cent: below this the grid worker is told to change the battery


def broker() -> tuple[str, int]:
    return (
        getattr(settings, "TONGXIN_MQTT_HOST", "127.0.0.1"),
        int(getattr(settings, "TONGXIN_MQTT_PORT", 1883)),
    )


def credentials() -> tuple[str, str] | None:
    """The listener's own login at the broker (production: a user allowed to read every
    device's topics), or None for a broker without authentication (development)."""
    user = getattr(settings, "TONGXIN_MQTT_USER", "")
    return (user, getattr(settings, "TONGXIN_MQTT_PASSWORD", "")) if user else None


def tls_ca() -> str:
    return getattr(settings, "TONGXIN_MQTT_CA", "")


def topic_root() -> str:
    """The topics' root: ``<root>/<device id>/event`` and ``<root>/<device id>/status``."""
    return str(getattr(settings, "TONGXIN_ALARM_TOPIC_ROOT", "tongxin/alarm")).strip("/")


def heartbeat_timeout() -> dt.timedelta:
    """How long a device may stay silent before it counts as offline (three missed beats of
    the default 10-minute heartbeat, plus slack)."""
    return dt.timedelta(seconds=int(getattr(settings, "TONGXIN_ALARM_HEARTBEAT_TIMEOUT", 1900)))


def listener_id() -> str:
    return str(getattr(settings, "TONGXIN_ALARM_LISTENER_ID", "tongxin-alarm-listener"))


def receive_maximum() -> int:
    """How many messages the broker may send the listener before it acknowledges them (MQTT
    5's Receive Maximum; an MQTT 3.1.1 broker sends 20): enough that a press is never held
    at the broker behind unacknowledged heartbeats, the listener choosing what to handle
    first."""
    return max(1, min(65535, int(getattr(settings, "TONGXIN_ALARM_RECEIVE_MAXIMUM", 20000))))


def beat_flush() -> float:
    """Seconds the listener gathers heartbeats (and battery reports, ``online`` statuses)
    before writing them in one transaction."""
    return float(getattr(settings, "TONGXIN_ALARM_BEAT_FLUSH", 2.0))


def event_log_days() -> int:
    """How many days the device log keeps messages that are not an alarm's (heartbeats,
    battery reports, statuses, refused messages): at least 30, 90 by default. A press, a fall,
    a cancel and every row of an alarm are kept for good."""
    return max(30, int(getattr(settings, "TONGXIN_ALARM_EVENT_LOG_DAYS", 90)))
