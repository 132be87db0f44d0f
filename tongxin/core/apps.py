from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CoreConfig(AppConfig):
    name = "tongxin.core"
    label = "core"
    verbose_name = gettext_lazy("核心")

    def ready(self) -> None:
        # ``lookups`` registers the indexed ``prefix`` lookup, ``uploads`` the upload-root check.
        from . import lookups, uploads  # noqa: F401
