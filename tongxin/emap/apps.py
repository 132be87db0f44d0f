from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class EmapConfig(AppConfig):
    name = "tongxin.emap"
    label = "emap"
    verbose_name = gettext_lazy("一张图")
