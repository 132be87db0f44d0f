"""Back office for visits' configuration: the cadence rules (per care tag and risk tier, per
role: interval, grace, the contacts that count, triggers and their hours, dates in force).
Tasks, records and pairs name vulnerable residents: they live in the pages and the API, where
scoping applies (administrators do not see personal data)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import CadenceRule, Method, Trigger


class CadenceRuleForm(forms.ModelForm):
    methods = forms.MultipleChoiceField(
        choices=Method.choices,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("计入的联系方式"),
    )
    triggers = forms.MultipleChoiceField(
        choices=Trigger.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=gettext_lazy("触发事件"),
    )

    class Meta:
        model = CadenceRule
        fields = (
            "code",
            "name",
            "care_kind",
            "risk_tier",
            "role",
            "duty",
            "interval",
            "grace_days",
            "methods",
            "triggers",
            "trigger_hours",
            "any_visitor",
            "start_date",
            "end_date",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("失效日期不能早于生效日期"))
        if data.get("interval") == "on_trigger" and not data.get("triggers"):
            self.add_error("triggers", _("触发时走访的规则至少要有一个触发事件"))
        if (
            not data.get("care_kind")
            and not data.get("risk_tier")
            and data.get("interval") != "on_trigger"
        ):
            self.add_error("care_kind", _("定期走访的规则须指定关爱类别或风险等级"))
        return data


@admin.register(CadenceRule)
class CadenceRuleAdmin(admin.ModelAdmin):
    form = CadenceRuleForm
    list_display = (
        "code",
        "name",
        "care_kind",
        "risk_tier",
        "role",
        "interval",
        "grace_days",
        "start_date",
        "end_date",
    )
    list_filter = ("interval", "care_kind", "risk_tier", "role")
    search_fields = ("code", "name")
