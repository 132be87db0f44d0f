from django.apps import AppConfig


class EmapConfig(AppConfig):
    name = "tongxin.emap"
    label = "emap"
    verbose_name = "一张图"
