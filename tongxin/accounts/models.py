"""Accounts, API tokens and explicit access grants."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import clock, tokens


class AdminDuty(models.TextChoices):
    """The separated administrative duties (三权分立); an account holds at most one."""

    NONE = "", gettext_lazy("无")
    SYSTEM = "system", gettext_lazy("系统管理员")
    SECURITY = "security", gettext_lazy("安全管理员")
    AUDIT = "audit", gettext_lazy("审计管理员")


class User(AbstractUser):
    """A login. What it may see follows the posts its person holds, plus explicit grants."""

    person = models.OneToOneField(
        "people.Person",
        verbose_name=gettext_lazy("对应人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    admin_duty = models.CharField(
        gettext_lazy("管理职责"), max_length=16, choices=AdminDuty.choices, blank=True, default=""
    )
    display_name = models.CharField(gettext_lazy("显示名"), max_length=50, blank=True)

    class Meta:
        verbose_name = gettext_lazy("账号")
        verbose_name_plural = gettext_lazy("账号")
        constraints = [
            # 三权分立: an admin account is nobody's personal account and holds no post, so it
            # can never also see residents (one duty per account is the single field itself).
            models.CheckConstraint(
                condition=models.Q(admin_duty="") | models.Q(person__isnull=True),
                name="admin_account_has_no_person",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class AccessGrantQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> AccessGrantQuerySet:
        """Grants in force on ``on`` (today by default)."""
        on = on or clock.today()
        return self.filter(valid_from__lte=on).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on)
        )


class AccessGrant(models.Model):
    """An explicit grant to see the residents of a place subtree, for departments and admins
    whose work is not tied to a post. Dated and with a reason."""

    user = models.ForeignKey(
        User, verbose_name=gettext_lazy("账号"), on_delete=models.CASCADE, related_name="grants"
    )
    place = models.ForeignKey(
        "places.Place", verbose_name=gettext_lazy("地点"), on_delete=models.CASCADE
    )
    include_care = models.BooleanField(gettext_lazy("可见关爱标签"), default=False)
    reason = models.CharField(gettext_lazy("授权事由"), max_length=200)
    granted_by = models.ForeignKey(
        User,
        verbose_name=gettext_lazy("授权人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_from = models.DateField(gettext_lazy("生效日期"), default=clock.today)
    valid_until = models.DateField(gettext_lazy("失效日期"), null=True, blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("数据授权")
        verbose_name_plural = gettext_lazy("数据授权")

    def __str__(self) -> str:
        return f"{self.user} → {self.place}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=gettext_lazy("账号"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(gettext_lazy("用途"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(gettext_lazy("过期时间"))
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("API令牌")
        verbose_name_plural = gettext_lazy("API令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.name}"

    @classmethod
    def issue(cls, user: User, *, name: str = "") -> tuple[ApiToken, str]:
        raw = tokens.mint(43)
        ttl = getattr(settings, "TONGXIN_API_TOKEN_TTL", datetime.timedelta(hours=12))
        token = cls.objects.create(
            user=user, key_hash=_hash_token(raw), name=name, expires_at=clock.now() + ttl
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        token = (
            # The person with the account: most endpoints name or route by it.
            cls.objects.select_related("user", "user__person")
            .filter(key_hash=_hash_token(raw), expires_at__gt=clock.now())
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        now = clock.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user


# ---------------------------------------------------------------------- login security


class LoginAttempt(models.Model):
    """One password (or second-factor) attempt, kept so that lockouts hold across processes.

    ``outcome`` is ``ok`` (password right), ``failed`` (password or code wrong) or ``locked``
    (refused without checking, because the account or the address was locked). Only ``failed``
    rows count towards a lockout; the audit log keeps the lasting record.
    """

    class Outcome(models.TextChoices):
        OK = "ok", gettext_lazy("成功")
        FAILED = "failed", gettext_lazy("失败")
        LOCKED = "locked", gettext_lazy("已锁定")

    username = models.CharField(gettext_lazy("用户名"), max_length=150)
    ip = models.CharField("IP", max_length=64, blank=True)
    at = models.DateTimeField(gettext_lazy("时间"), default=clock.now)
    success = models.BooleanField(gettext_lazy("成功"), default=False)
    outcome = models.CharField(
        gettext_lazy("结果"), max_length=8, choices=Outcome.choices, default=Outcome.FAILED
    )

    class Meta:
        verbose_name = gettext_lazy("登录尝试")
        verbose_name_plural = gettext_lazy("登录尝试")
        indexes = [
            models.Index(fields=["username", "at"], name="accounts_login_user_at"),
            models.Index(fields=["ip", "at"], name="accounts_login_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.ip} {self.outcome}"


class UserSession(models.Model):
    """Which server-side session belongs to which account, so that disabling an account (or
    resetting its second factor) can end every session it has."""

    user = models.ForeignKey(
        User, verbose_name=gettext_lazy("账号"), on_delete=models.CASCADE, related_name="sessions"
    )
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = gettext_lazy("登录会话")
        verbose_name_plural = gettext_lazy("登录会话")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238). The shared secret is encrypted by the vault
    (context ``user.totp_secret``). ``confirmed_at`` is set once the user has typed one code;
    ``last_step`` is the time step of the last accepted code, so no code is accepted twice."""

    user = models.OneToOneField(
        User,
        verbose_name=gettext_lazy("账号"),
        on_delete=models.CASCADE,
        related_name="totp_device",
    )
    secret_encrypted = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=clock.now)
    confirmed_at = models.DateTimeField(gettext_lazy("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("动态口令设备")
        verbose_name_plural = gettext_lazy("动态口令设备")

    def __str__(self) -> str:
        return f"{self.user} TOTP"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A one-time recovery code for when the phone is lost. Only a hash is stored."""

    user = models.ForeignKey(
        User,
        verbose_name=gettext_lazy("账号"),
        on_delete=models.CASCADE,
        related_name="recovery_codes",
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("恢复码")
        verbose_name_plural = gettext_lazy("恢复码")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="accounts_recovery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {_('已使用') if self.used_at else _('未使用')}"


class SiteFlag(models.Model):
    """A fact about this installation stored in its database, e.g. ``demo``: the database was
    made by ``manage.py demo_seed`` and holds only generated data."""

    key = models.CharField(max_length=50, unique=True)
    value = models.CharField(max_length=200, blank=True)
    set_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = gettext_lazy("站点标记")
        verbose_name_plural = gettext_lazy("站点标记")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
