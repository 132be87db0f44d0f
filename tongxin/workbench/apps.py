from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The top layer: the per-role home pages (工作台) that read every app."""

    name = "tongxin.workbench"
    label = "workbench"
    verbose_name = "工作台"
