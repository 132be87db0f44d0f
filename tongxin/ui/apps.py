from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class UiConfig(AppConfig):
    """The bottom layer of the pages: base templates, components (breadcrumb, pagination,
    duty lines), static files, the page decorators and paging. It imports nothing of ours."""

    name = "tongxin.ui"
    label = "ui"
    verbose_name = gettext_lazy("界面组件")
