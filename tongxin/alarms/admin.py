"""Back office for the alarm's configuration: the escalation policies (steps with a wait and
whom to notify, repeat, the cancel window, the arrival deadline, the reminder interval).
Devices and alarms name vulnerable residents: they live in the pages and the API, where
scoping applies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from .models import EscalationPolicy, Target


class EscalationPolicyForm(forms.ModelForm):
    class Meta:
        model = EscalationPolicy
        fields = (
            "code",
            "name",
            "steps",
            "repeat",
            "cancel_window",
            "arrive_within",
            "remind_every",
        )

    def clean_steps(self) -> Any:
        steps = self.cleaned_data["steps"]
        if not isinstance(steps, list) or not steps:
            raise forms.ValidationError(_("至少需要一个升级步骤"))
        for n, step in enumerate(steps, start=1):
            wait = step.get("wait") if isinstance(step, dict) else None
            notify = step.get("notify") if isinstance(step, dict) else None
            if not isinstance(wait, int) or isinstance(wait, bool) or not 0 <= wait <= 86400:
                raise forms.ValidationError(_("第 {n} 步：等待时间应为 0 到 86400 秒").format(n=n))
            if not isinstance(notify, list) or not notify or set(notify) - set(Target.values):
                raise forms.ValidationError(
                    _("第 {n} 步：通知对象应为 {names} 中的一个或多个").format(
                        n=n, names="、".join(Target.values)
                    )
                )
        return steps


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    form = EscalationPolicyForm
    list_display = ("code", "name", "repeat", "cancel_window", "arrive_within", "remind_every")
