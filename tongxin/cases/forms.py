"""Forms of the case pages: the report form (一键上报, and staff taking a report on someone's
behalf), the worklist filters, and the field parsing of each act's form.

The forms only parse and bound the input; every rule lives in ``services`` (which answers
``ValidationFailed`` with the field and the reason, shown next to that field).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.errors import ValidationFailed

from .models import CaseCategory, Channel, Feedback, Priority

STAFF_CHANNELS = [
    (c.value, c.label)
    for c in (
        Channel.PATROL,
        Channel.HOTLINE,
        Channel.VISIT,
        Channel.MESSAGE_BOX,
        Channel.ONLINE_GROUP,
        Channel.TRANSFER,
        Channel.APP,
    )
]
WHERE_CHOICES = [
    ("point", gettext_lazy("地图选点")),
    ("home", gettext_lazy("我家")),
    ("address", gettext_lazy("填写地址")),
]


def category_choices() -> list[tuple[str, Any]]:
    """Active categories grouped under their top-level parent (an ``<optgroup>`` each)."""
    rows = list(CaseCategory.objects.filter(is_active=True).select_related("parent"))
    children: dict[int | None, list[CaseCategory]] = {}
    for c in rows:
        children.setdefault(c.parent_id, []).append(c)
    key = lambda c: (c.order, c.code)  # noqa: E731
    out: list[tuple[str, Any]] = [("", _("请选择问题类别"))]
    for top in sorted(children.get(None, []), key=key):
        subs = sorted(children.get(top.pk, []), key=key)
        if subs:
            group = [(top.code, _("{name}（其他）").format(name=top.name))]
            for s in subs:
                group.append((s.code, s.name))
                group += [(g.code, f"{s.name} › {g.name}") for g in children.get(s.pk, [])]
            out.append((top.name, group))
        else:
            out.append((top.code, top.name))
    return out


def grouped_categories() -> list[tuple[str, list[tuple[str, str]]]]:
    """The same choices as (group label or "", options), for templates."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for value, label in category_choices()[1:]:
        if isinstance(label, list):
            out.append((value, label))
        else:
            out.append(("", [(value, label)]))
    return out


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several image files from one input; the upload service checks each."""

    widget = MultipleImageInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(f, initial) for f in files if f]


class ReportForm(forms.Form):
    """The report form; ``staff`` adds the channel and the reporter's name and phone."""

    category = forms.ChoiceField(label=gettext_lazy("问题类别"))
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": gettext_lazy("请说明发生了什么、在哪里、持续多久了")}
        ),
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("紧急程度"), choices=Priority.choices, initial=Priority.NORMAL
    )
    where = forms.ChoiceField(
        label=gettext_lazy("位置"), choices=WHERE_CHOICES, initial="point", widget=forms.RadioSelect
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label=gettext_lazy("地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：幸福小区3栋2单元门口")}),
    )
    photos = MultipleImageField(
        label=gettext_lazy("照片"),
        widget=MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    # The place a QR code named (``?place=``), offered as a choice of "where" only once the
    # view has checked that the reporter may pick it (the service checks again).
    place_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        staff: bool = False,
        has_home: bool = False,
        picked: Any = None,
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        cast(forms.ChoiceField, self.fields["category"]).choices = category_choices()
        where = cast(forms.ChoiceField, self.fields["where"])
        choices: list[tuple[str, Any]] = list(WHERE_CHOICES)
        if not has_home:
            choices = [c for c in choices if c[0] != "home"]
        self.picked = picked
        if picked is not None:
            choices.insert(0, ("place", _("扫码地点：{name}").format(name=picked.name)))
        where.choices = choices
        self.staff = staff
        if staff:
            self.fields["channel"] = forms.ChoiceField(
                label=_("来源渠道"), choices=STAFF_CHANNELS, initial=Channel.PATROL
            )
            self.fields["reporter_name"] = forms.CharField(
                label=_("反映人姓名"), required=False, max_length=50
            )
            self.fields["reporter_phone"] = forms.CharField(
                label=_("反映人电话"),
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            )
            self.fields["anonymous"] = forms.BooleanField(
                label=_("对外匿名（反映人信息仅工作人员可见）"), required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        where = data.get("where")
        if where == "point" and (data.get("lat") is None or data.get("lng") is None):
            self.add_error("where", _("请在地图上点选问题发生的位置"))
        if where == "address" and not (data.get("address") or "").strip():
            self.add_error("address", _("请填写地址"))
        return data

    def service_kwargs(self, home_id: int | None) -> dict[str, Any]:
        """The arguments of ``services.case_report`` (without actor and photos)."""
        d = self.cleaned_data
        where = d["where"]
        kwargs: dict[str, Any] = {
            "category": d["category"],
            "description": d["description"],
            "priority": d["priority"],
            "channel": d.get("channel") or Channel.APP,
            "lat": d.get("lat") if where == "point" else None,
            "lng": d.get("lng") if where == "point" else None,
            "place_id": home_id
            if where == "home"
            else (self.picked.pk if where == "place" and self.picked is not None else None),
            "address": (d.get("address") or "").strip(),
        }
        if self.staff:
            kwargs.update(
                reporter_name=d.get("reporter_name", ""),
                reporter_phone=d.get("reporter_phone", ""),
                anonymous=bool(d.get("anonymous")),
            )
        return kwargs

    def show_errors(self, exc: ValidationFailed) -> None:
        """Put the service's refusal next to the field it names (else above the form)."""
        aliases = {"lat": "where", "lng": "where", "location": "where", "place_id": "where"}
        placed = False
        for item in exc.fields:
            name = aliases.get(item["field"], item["field"])
            if name in self.fields:
                self.add_error(name, item["reason"] or exc.message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


class FilterForm(forms.Form):
    """The worklist filters (all optional; bad values are ignored, not errors)."""

    state = forms.CharField(required=False)
    category = forms.CharField(required=False)
    priority = forms.CharField(required=False)
    grid = forms.IntegerField(required=False)
    q = forms.CharField(required=False, max_length=50)


FEEDBACK_CHOICES = Feedback.choices


def act_data(act: str, request: HttpRequest) -> dict[str, Any]:
    """The data of one act from its form (the fields ``services.case_act`` reads)."""
    post = request.POST
    text = {k: post.get(k, "") for k in ("note", "reason", "result", "comment")}
    if act == "dispatch":
        target = post.get("target", "")
        kind, _sep, ident = target.partition(":")
        data: dict[str, Any] = {"note": text["note"], "reason": text["reason"]}
        if kind == "person":
            data["person_id"] = ident
        elif kind == "org":
            data["org_id"] = ident
        return data
    if act == "escalate":
        return {
            "org_ids": post.getlist("org_ids"),
            "note": text["note"],
            "minutes": post.get("minutes", ""),
        }
    if act == "report_in":
        return {
            "org_id": post.get("org_id", ""),
            "note": text["note"],
            "result": text["result"],
            "done": post.get("done") == "1",
        }
    if act == "feedback":
        return {"rating": post.get("rating", ""), "comment": text["comment"]}
    if act == "merge":
        return {"into": post.get("into", "").strip(), "note": text["note"]}
    if act == "start":
        return {"note": text["note"], "on_site": post.get("on_site", "1") == "1"}
    if act == "note":
        return {"note": text["note"], "public": post.get("public") == "1"}
    if act == "resolve":
        return {"result": text["result"]}
    return {k: v for k, v in text.items() if v}
