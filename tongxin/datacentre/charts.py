"""Charts of the data centre, drawn on the server by matplotlib (a maintained library that
ships with a package: no CDN, no script) as SVG with its text kept as text, so that the
browser and WeasyPrint set the Chinese labels in a CJK font of their own.

- Agg only, the object API only (``Figure``, never ``pyplot``); every drawing happens under
  one lock, inside ``rc_context``, so no matplotlib setting is shared between threads while
  a chart is drawn.
- The pages' security headers allow no inline style: matplotlib's ``style="…"`` attributes
  and its ``<style>`` element are turned into presentation attributes (``fill="…"``), the
  ids are prefixed per chart (several charts on one page), and the ink colour becomes
  ``currentColor`` on the pages (the dashboard is light, the big screen dark).
- The same numbers give the same SVG; the dashboard's trend is cached per numbers and
  language (it is on every dashboard view and every refresh of the big screen).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
import threading
from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# CJK fonts first (the server's and the usual desktop ones), then any sans-serif.
FONTS = [
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "DejaVu Sans",
]
INK = "#010203"  # drawn as currentColor on the pages
RED, BLUE, GREY, GOLD = "#c0392b", "#1f6fb2", "#8c9aa8", "#e0a100"
RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "tongxin",
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "axes.unicode_minus": False,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}
_LOCK = threading.Lock()
_STYLE = re.compile(r'\sstyle="([^"]*)"')
_ID = re.compile(r'\bid="([^"]+)"')


def _attributes(match: re.Match[str]) -> str:
    """``style="fill: #fff; stroke-width: 0.8"`` → `` fill="#fff" stroke-width="0.8"``."""
    out = []
    for declaration in match.group(1).split(";"):
        name, _sep, value = declaration.partition(":")
        if name.strip() and value.strip():
            out.append(f' {name.strip()}="{value.strip()}"')
    return "".join(out)


def clean_svg(svg: str, *, prefix: str, ink: str, label: str) -> str:
    """matplotlib's SVG document as an element to put in a page or a printed report."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = _STYLE.sub(_attributes, svg)
    ids = set(_ID.findall(svg))
    for name in sorted(ids, key=len, reverse=True):
        svg = svg.replace(f'id="{name}"', f'id="{prefix}-{name}"')
        svg = svg.replace(f"url(#{name})", f"url(#{prefix}-{name})")
        svg = svg.replace(f'href="#{name}"', f'href="#{prefix}-{name}"')
    svg = svg.replace(INK, ink)
    # The root: no fixed size (the page's CSS sizes it), a class, a label, the line style
    # matplotlib gave every element through its stylesheet.
    svg = re.sub(r'<svg([^>]*?)\swidth="[^"]*"\sheight="[^"]*"', r"<svg\1", svg, count=1)
    return svg.replace(
        "<svg",
        f'<svg class="dc-chart" role="img" aria-label="{escape(label)}" '
        'stroke-linejoin="round" stroke-linecap="butt"',
        1,
    )


def _render(
    draw: Any,
    *,
    size: tuple[float, float],
    font_size: float,
    name: str,
    ink: str,
    label: str,
) -> str:
    """Draw on a fresh figure (``draw(fig)``) and return the cleaned SVG element."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    with _LOCK, matplotlib.rc_context({**RC, "font.size": font_size}):
        fig = Figure(figsize=size, dpi=72)
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    text = buffer.getvalue()
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]
    return clean_svg(text, prefix=f"{name}{digest}", ink=ink, label=label)


def _integer_axis(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=1))
    ax.grid(axis="y", color=GREY, linewidth=0.5, alpha=0.5)
    ax.set_axisbelow(True)


# The dashboard's and the big screen's daily trend.


def trend_svg(
    days: list[dict[str, Any]], day_from: dt.date, day_to: dt.date, *, big: bool = False
) -> SafeString:
    """Received (bars) and resolved (line) per day over the period, every day shown (days
    without cases at zero)."""
    by_day = {row["day"]: row for row in days}
    n = (day_to - day_from).days + 1
    series = [by_day.get(day_from + dt.timedelta(days=i)) for i in range(n)]
    received = tuple(r["received"] if r else 0 for r in series)
    resolved = tuple(r["resolved"] if r else 0 for r in series)
    svg = _trend(received, resolved, day_from, big, "currentColor", get_language() or "")
    return mark_safe(svg)  # noqa: S308 - drawn by matplotlib, labels escaped by it


@functools.lru_cache(maxsize=128)
def _trend(
    received: tuple[int, ...],
    resolved: tuple[int, ...],
    day_from: dt.date,
    big: bool,
    ink: str,
    language: str,
) -> str:
    return trend_chart(list(received), list(resolved), day_from, big=big, ink=ink)


def trend_chart(
    received: Sequence[int],
    resolved: Sequence[int],
    day_from: dt.date,
    *,
    big: bool = False,
    ink: str = "currentColor",
    size: tuple[float, float] | None = None,
) -> str:
    """The daily trend as an SVG element (text, not yet marked safe)."""
    n = len(received)
    days = [day_from + dt.timedelta(days=i) for i in range(n)]
    label_received, label_resolved = _("受理"), _("办结")

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        xs = list(range(n))
        ax.bar(xs, received, width=0.7, color=RED, label=label_received)
        ax.plot(xs, resolved, color=BLUE, linewidth=3 if big else 2, label=label_resolved)
        step = max(1, n // (6 if big else 5))
        ticks = list(range(0, n, step))
        ax.set_xticks(ticks, [f"{days[i]:%m-%d}" for i in ticks])
        ax.set_xlim(-0.6, n - 0.4)
        _integer_axis(ax)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, borderaxespad=0.2)
        # Fixed margins (room for five-digit counts and the legend): tight_layout would
        # draw the figure twice, and this chart is on every dashboard view.
        fig.subplots_adjust(
            left=0.11 if big else 0.075, right=0.985, bottom=0.1 if big else 0.11, top=0.86
        )

    return _render(
        draw,
        size=size or ((10.0, 5.0) if big else (9.0, 2.8)),
        font_size=20 if big else 11,
        name="trend",
        ink=ink,
        label=_("每日受理与办结"),
    )


# The monthly report's charts (printed: a fixed ink, not the page's colour).

PRINT_INK = "#333333"


def comparison_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    *,
    ink: str = PRINT_INK,
) -> str:
    """Grouped bars: one group per figure (``labels``), one bar per period of ``series``
    (name, values; a period without figures drawn empty), each bar labelled."""
    colours = [RED, BLUE, GREY, GOLD]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        k = max(len(series), 1)
        width = 0.8 / k
        for i, (name, values) in enumerate(series):
            xs = [j + (i - (k - 1) / 2) * width for j in range(len(labels))]
            heights = [v or 0 for v in values]
            bars = ax.bar(xs, heights, width=width * 0.92, color=colours[i % 4], label=name)
            ax.bar_label(
                bars, labels=["" if v is None else str(v) for v in values], padding=2, fontsize=8
            )
        ax.set_xticks(range(len(labels)), list(labels))
        _integer_axis(ax)
        ax.margins(y=0.15)
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1.0), ncols=k, borderaxespad=0.2)
        fig.tight_layout(pad=0.4)

    return _render(
        draw, size=(9.0, 3.0), font_size=10, name="cmp", ink=ink, label=_("与上月、去年同月比较")
    )


def rate_bars(
    rows: Sequence[tuple[str, float | None]],
    *,
    title: str,
    ink: str = PRINT_INK,
    limit: float = 100.0,
) -> str:
    """Horizontal bars of a rate (percent) per row, the lowest at the top; rows without a
    rate are shown as "—"."""
    shown = list(rows)[:20]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        ys = list(range(len(shown)))
        values = [v or 0 for _label, v in shown]
        bars = ax.barh(ys, values, color=BLUE, height=0.65)
        ax.bar_label(
            bars,
            labels=["—" if v is None else f"{v:g}%" for _label, v in shown],
            padding=3,
            fontsize=8,
        )
        ax.set_yticks(ys, [label for label, _v in shown])
        ax.invert_yaxis()
        ax.set_xlim(0, limit * 1.12)
        ax.grid(axis="x", color=GREY, linewidth=0.5, alpha=0.5)
        ax.set_axisbelow(True)
        ax.set_title(title, loc="left", fontsize=10)
        fig.tight_layout(pad=0.4)

    height = 0.9 + 0.28 * max(len(shown), 1)
    return _render(draw, size=(9.0, height), font_size=9, name="rate", ink=ink, label=title)


def count_bars(
    rows: Sequence[tuple[str, int, int]],
    *,
    title: str,
    names: tuple[str, str],
    ink: str = PRINT_INK,
) -> str:
    """Horizontal bars of two counts per row (e.g. received and overdue), the largest first."""
    shown = list(rows)[:12]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        ys = list(range(len(shown)))
        first = ax.barh(ys, [a for _l, a, _b in shown], color=RED, height=0.65, label=names[0])
        ax.barh(ys, [b for _l, _a, b in shown], color=GOLD, height=0.35, label=names[1])
        ax.bar_label(first, padding=3, fontsize=8)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))
        ax.set_yticks(ys, [label for label, _a, _b in shown])
        ax.invert_yaxis()
        ax.margins(x=0.12)
        ax.grid(axis="x", color=GREY, linewidth=0.5, alpha=0.5)
        ax.set_axisbelow(True)
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(loc="lower right")
        fig.tight_layout(pad=0.4)

    height = 0.9 + 0.28 * max(len(shown), 1)
    return _render(draw, size=(9.0, height), font_size=9, name="count", ink=ink, label=title)
