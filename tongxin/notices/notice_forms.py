"""Forms of the notice, disclosure and convention pages. They only parse and bound the input;
the rules live in ``services`` (whose ``ValidationFailed`` names the field, shown beside it)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.errors import ValidationFailed
from tongxin.people.models import CareKind
from tongxin.places.models import Place

from .models import (
    AdoptionMethod,
    Audience,
    Cadence,
    ConventionKind,
    DisclosureItem,
    DisclosureKind,
    NoticeKind,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; ``core.uploads`` checks each (type, size, count)."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def place_label(place: Place) -> str:
    indent = {"grid": 1, "estate": 2, "building": 3, "unit": 4}
    pad = "\u3000" * indent.get(place.kind, 0)
    return f"{pad}{place.name}（{place.get_kind_display()}）"


class ServiceErrors:
    """Put a service's refusal next to the field it names (else above the form)."""

    aliases: dict[str, str] = {}

    def show_errors(self, exc: ValidationFailed) -> None:
        form = cast(forms.Form, self)
        placed = False
        for item in exc.fields:
            name = self.aliases.get(item["field"], item["field"])
            if name in form.fields:
                form.add_error(name, item["reason"] or exc.message)
                placed = True
        if not placed:
            form.add_error(None, exc.message)


class NoticeForm(ServiceErrors, forms.Form):
    """Publishing a notice (the arguments of ``services.notice_publish``)."""

    aliases = {"public": "is_public", "file": "attachments"}

    audience_place = forms.TypedChoiceField(label=gettext_lazy("发送范围"), coerce=int)
    audience = forms.ChoiceField(
        label=gettext_lazy("发送对象"), choices=Audience.choices, initial=Audience.RESIDENTS
    )
    care_tag = forms.ChoiceField(
        label=gettext_lazy("关爱类别"),
        required=False,
        choices=[("", gettext_lazy("（发给关爱对象时选择）")), *CareKind.choices],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), choices=NoticeKind.choices, initial=NoticeKind.NOTICE
    )
    issue_number = forms.IntegerField(
        label=gettext_lazy("简报期号"),
        required=False,
        min_value=1,
        max_value=99999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    title = forms.CharField(label=gettext_lazy("标题"), max_length=120)
    body = forms.CharField(
        label=gettext_lazy("正文"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    pinned = forms.BooleanField(label=gettext_lazy("置顶"), required=False)
    is_public = forms.BooleanField(
        label=gettext_lazy("同时公开到社区公告栏（无需登录即可查看）"), required=False
    )
    valid_until = forms.DateField(
        label=gettext_lazy("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("附件"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"}),
    )

    def __init__(self, *args: Any, places: list[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = {p.pk: p for p in places}
        field = cast(forms.TypedChoiceField, self.fields["audience_place"])
        field.choices = [(p.pk, place_label(p)) for p in places]

    def clean_valid_until(self) -> dt.date | None:
        day = self.cleaned_data.get("valid_until")
        if day is not None and not 2000 <= day.year <= 2100:
            raise forms.ValidationError(_("日期应在 2000 到 2100 年之间"))
        return cast("dt.date | None", day)

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "audience_place": self.places[d["audience_place"]],
            "audience": d["audience"],
            "care_tag": d["care_tag"] if d["audience"] == Audience.CARE_TAG else "",
            "kind": d["kind"],
            "issue_number": d.get("issue_number"),
            "title": d["title"],
            "body": d.get("body") or "",
            "pinned": bool(d.get("pinned")),
            "is_public": bool(d.get("is_public")),
            "valid_until": d.get("valid_until"),
            "attachments": d.get("attachments") or [],
        }


class ConventionForm(ServiceErrors, forms.Form):
    aliases = {"place_id": "place"}

    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ConventionKind.choices)
    place = forms.TypedChoiceField(label=gettext_lazy("适用范围"), coerce=int)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=120)
    version = forms.CharField(label=gettext_lazy("版本"), max_length=20, initial="1")
    text = forms.CharField(
        label=gettext_lazy("公约全文"), max_length=20000, widget=forms.Textarea(attrs={"rows": 12})
    )

    def __init__(self, *args: Any, places: list[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = {p.pk: p for p in places}
        field = cast(forms.TypedChoiceField, self.fields["place"])
        field.choices = [(p.pk, place_label(p)) for p in places]


class AdoptionForm(ServiceErrors, forms.Form):
    adopted_on = forms.DateField(
        label=gettext_lazy("通过日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    method = forms.ChoiceField(label=gettext_lazy("通过方式"), choices=AdoptionMethod.choices)
    votes_for = forms.IntegerField(
        label=gettext_lazy("赞成"), required=False, min_value=0, max_value=100000
    )
    votes_against = forms.IntegerField(
        label=gettext_lazy("反对"), required=False, min_value=0, max_value=100000
    )
    votes_abstain = forms.IntegerField(
        label=gettext_lazy("弃权"), required=False, min_value=0, max_value=100000
    )
    deliberation_ref = forms.CharField(
        label=gettext_lazy("议事记录"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("如：2026 年 3 月居民代表会议纪要第 5 号"),
    )


class DisclosureForm(ServiceErrors, forms.Form):
    """Drafting a disclosure; with an item of the disclosure list its kind and cadence are
    the item's (``services.disclosure_draft``)."""

    aliases = {"item_id": "item"}

    item = forms.TypedChoiceField(
        label=gettext_lazy("公开目录事项"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类别"),
        required=False,
        choices=[("", gettext_lazy("（按目录事项）")), *DisclosureKind.choices],
    )
    cadence = forms.ChoiceField(
        label=gettext_lazy("公开方式"),
        required=False,
        choices=[("", gettext_lazy("（按目录事项）")), *Cadence.choices],
    )
    period = forms.CharField(label=gettext_lazy("公开期间"), required=False, max_length=8)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=120)
    body = forms.CharField(
        label=gettext_lazy("内容"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args: Any, items: list[DisclosureItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = {i.pk: i for i in items}
        field = cast(forms.TypedChoiceField, self.fields["item"])
        field.choices = [
            ("", _("（目录外事项，即时公开）")),
            *[
                (i.pk, f"{i.get_kind_display()} · {i.title} · {i.get_cadence_display()}")
                for i in items
            ],
        ]


class DisclosureActForm(forms.Form):
    act = forms.CharField(max_length=16)
    note = forms.CharField(required=False, max_length=300)
