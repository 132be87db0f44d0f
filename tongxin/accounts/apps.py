from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "tongxin.accounts"
    label = "accounts"
    verbose_name = gettext_lazy("账号")

    def ready(self) -> None:
        from tongxin.core import sensitivity as personal_fields

        from . import sensitivity

        personal_fields.register(sensitivity.CLASSIFICATION)
        from tongxin.core import vault

        from . import signals  # noqa: F401 — connects the login, logout and disabling receivers

        # Key rotation re-encrypts the TOTP secrets along with the other sealed fields.
        register = getattr(vault, "register_sealed", None)
        if register is not None:
            register("accounts.TotpDevice", "secret_encrypted", context="user.totp_secret")

        from tongxin.core import schedule

        from .lockout import prune

        schedule.register(
            "login_attempts_prune",
            prune,
            label=gettext_lazy("清理过期登录尝试"),
            hour=3,
            minute=40,
        )
