from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tongxin.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # ``lookups`` registers the indexed ``prefix`` lookup, ``uploads`` the upload-root check.
        from . import lookups, uploads  # noqa: F401
