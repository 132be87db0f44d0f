from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class Open311Config(AppConfig):
    name = "tongxin.open311"
    label = "open311"
    verbose_name = gettext_lazy("Open311 接口")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.core import vault

        from .models import EMAIL_CONTEXT

        vault.register_sealed("open311.Open311Request", "email_cipher", context=EMAIL_CONTEXT)
        from tongxin.core import input_guard

        from .wire import refusal

        input_guard.register_answer("/open311/", refusal)  # the spec's error shape
