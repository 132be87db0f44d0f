"""Charts of the data centre, drawn on the server as SVG (no script, no CDN, no inline
style: presentation attributes and the page's classes only).

The dashboard's trend is drawn here directly (it is on every dashboard view and must stay
fast); the monthly report's charts use matplotlib (``report_charts``) when it is installed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def trend_svg(
    days: list[dict[str, Any]], day_from: dt.date, day_to: dt.date, *, big: bool = False
) -> SafeString:
    """Received (bars) and resolved (line) per day over the period, every day shown (days
    without cases at zero)."""
    by_day = {row["day"]: row for row in days}
    n = (day_to - day_from).days + 1
    series = [by_day.get(day_from + dt.timedelta(days=i)) for i in range(n)]
    received = [r["received"] if r else 0 for r in series]
    resolved = [r["resolved"] if r else 0 for r in series]
    width, height, pad = (1100, 360, 40) if big else (720, 220, 32)
    peak = max([*received, *resolved, 1])
    step = (width - 2 * pad) / max(n, 1)
    bar = max(1.0, step * 0.7)
    scale = (height - 2 * pad) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="dc-chart" role="img" aria-label="{escape(_("每日受理与办结"))}">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        f'class="dc-axis" stroke="#888"/>',
    ]
    for i, value in enumerate(received):
        h = value * scale
        x = pad + i * step + (step - bar) / 2
        day = day_from + dt.timedelta(days=i)
        parts.append(
            f'<rect x="{x:.1f}" y="{height - pad - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'class="dc-bar" fill="#c0392b"><title>{day:%m-%d} {escape(_("受理"))} {value}'
            f"</title></rect>"
        )
    points = " ".join(
        f"{pad + i * step + step / 2:.1f},{height - pad - v * scale:.1f}"
        for i, v in enumerate(resolved)
    )
    stroke = 3 if big else 2
    parts.append(
        f'<polyline points="{points}" fill="none" stroke="#1f6fb2" stroke-width="{stroke}" '
        f'class="dc-line"/>'
    )
    size = 22 if big else 12
    parts.append(
        f'<text x="{pad}" y="{pad - 10}" font-size="{size}" fill="currentColor">'
        f"{escape(_('最高'))} {peak}</text>"
    )
    labels = {0: day_from, n - 1: day_to}
    for i, day in labels.items():
        anchor = "start" if i == 0 else "end"
        x = pad if i == 0 else width - pad
        parts.append(
            f'<text x="{x}" y="{height - pad + size + 6}" font-size="{size}" '
            f'text-anchor="{anchor}" fill="currentColor">{day:%Y-%m-%d}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped text only
