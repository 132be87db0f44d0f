from django.apps import AppConfig


class UiConfig(AppConfig):
    """The bottom layer of the pages: base templates, components (breadcrumb, pagination,
    duty lines), static files, the page decorators and paging. It imports nothing of ours."""

    name = "tongxin.ui"
    label = "ui"
    verbose_name = "界面组件"
