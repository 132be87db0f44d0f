"""Forms of the field pages (the daily log on the phone, the log's filters). The services check
everything again; these forms only parse and say clearly what is wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import clock
from tongxin.core.actors import Actor
from tongxin.core.scoping import paths_q, scope_for
from tongxin.places.models import Place

from .models import LogSource

# The kinds of place a log entry is usually recorded at (a visit to a dwelling names the
# dwelling through ``?place=``; the list would be too long with every dwelling).
FORM_KINDS = ("community", "grid", "estate", "building")
MAX_PLACES = 400


def caller_places(user: Actor, extra: Place | None = None) -> list[Place]:
    """The places the user records at: their staff subtrees' communities, grids, estates and
    buildings, in tree order (and ``extra``, a place named by a visit or a notice)."""
    paths = scope_for(user).case_paths
    if not paths:
        return []
    places = list(
        Place.objects.filter(paths_q("path", paths), kind__in=FORM_KINDS).order_by("path")[
            :MAX_PLACES
        ]
    )
    if extra is not None and all(p.pk != extra.pk for p in places):
        places.append(extra)
    return places


def place_choices(places: list[Place]) -> list[tuple[str, str]]:
    if not places:
        return []
    top = min(p.depth for p in places)
    return [(str(p.pk), "\u3000" * (p.depth - top) + p.name) for p in places]


class LogEntryForm(forms.Form):
    """One entry of the daily log, phone first: the time defaults to now (the one clock)."""

    occurred_at = forms.DateTimeField(
        label=gettext_lazy("时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.ChoiceField(label=gettext_lazy("地点"))
    met = forms.CharField(
        label=gettext_lazy("走访对象"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：3栋2单元 王阿姨")}),
    )
    visitors = forms.CharField(
        label=gettext_lazy("同行走访人"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("与您同去的人，可不填")}),
    )
    raised = forms.CharField(
        label=gettext_lazy("反映情况"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": gettext_lazy("居民说了什么、看到了什么")}
        ),
        error_messages={"required": gettext_lazy("请填写反映的情况")},
    )
    difficulties = forms.CharField(
        label=gettext_lazy("困难问题"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    requests = forms.CharField(
        label=gettext_lazy("意见诉求"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    done = forms.CharField(
        label=gettext_lazy("处理情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("当场做了什么")}),
    )
    follow_up = forms.CharField(
        label=gettext_lazy("后续计划"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    tags = forms.CharField(
        label=gettext_lazy("标签"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("用空格分隔，如：养老 环境"), "list": "log-tags"}
        ),
    )
    source = forms.ChoiceField(
        label=gettext_lazy("来源"), choices=LogSource.choices, initial=LogSource.SCRATCH
    )
    case_category = forms.ChoiceField(label=gettext_lazy("同时转为案件"), required=False)
    notice = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, places: list[Place], **kw: Any) -> None:
        super().__init__(*args, **kw)
        cast(forms.ChoiceField, self.fields["place"]).choices = place_choices(places)
        from tongxin.cases.forms import category_choices

        choices = category_choices()
        choices[0] = ("", _("不转案件"))
        cast(forms.ChoiceField, self.fields["case_category"]).choices = choices

    def clean_occurred_at(self) -> dt.datetime:
        value = cast(dt.datetime, self.cleaned_data["occurred_at"])
        if value.year < 2000:
            raise forms.ValidationError(_("日期应在 2000 到 2100 年之间"))
        return value

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "occurred_at": d["occurred_at"],
            "met": d["met"],
            "visitors": d["visitors"],
            "raised": d["raised"],
            "difficulties": d["difficulties"],
            "requests": d["requests"],
            "done": d["done"],
            "follow_up": d["follow_up"],
            "tags": d["tags"],
            "source": d["source"],
            "case_category": d["case_category"] or "",
        }

    def show_errors(self, fields: list[dict[str, Any]], message: str) -> None:
        placed = False
        for item in fields:
            name = {"place_id": "place", "category": "case_category"}.get(
                item["field"], item["field"]
            )
            if name in self.fields:
                self.add_error(name, item.get("reason") or message)
                placed = True
        if not placed:
            self.add_error(None, message)


def now_input() -> str:
    """Now, as the ``datetime-local`` input shows it (local time, to the minute)."""
    return clock.local().strftime("%Y-%m-%dT%H:%M")


class LogFilterForm(forms.Form):
    """The log list's filters: words, a place (its subtree), a tag and a period (local days).
    A wrong value is said, not silently dropped."""

    q = forms.CharField(required=False, max_length=100)
    place = forms.IntegerField(required=False, min_value=1)
    tag = forms.CharField(required=False, max_length=50)
    start = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not 2000 <= day.year <= 2100:
                self.add_error(name, _("日期应在 2000 到 2100 年之间"))
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("结束日期不能早于开始日期"))
        return data
