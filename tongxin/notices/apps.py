from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class NoticesConfig(AppConfig):
    name = "tongxin.notices"
    label = "notices"
    verbose_name = gettext_lazy("通知公告与民情日志")
