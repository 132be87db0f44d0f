from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WorkbenchConfig(AppConfig):
    """The top layer: the per-role home pages (工作台) that read every app."""

    name = "tongxin.workbench"
    label = "workbench"
    verbose_name = gettext_lazy("工作台")
