"""Accounts, API tokens and explicit access grants."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class AdminDuty(models.TextChoices):
    """The separated administrative duties (三权分立); an account holds at most one."""

    NONE = "", "无"
    SYSTEM = "system", "系统管理员"
    SECURITY = "security", "安全管理员"
    AUDIT = "audit", "审计管理员"


class User(AbstractUser):
    """A login. What it may see follows the posts its person holds, plus explicit grants."""

    person = models.OneToOneField(
        "people.Person",
        verbose_name="对应人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    admin_duty = models.CharField(
        "管理职责", max_length=16, choices=AdminDuty.choices, blank=True, default=""
    )
    display_name = models.CharField("显示名", max_length=50, blank=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return self.display_name or self.username


class AccessGrantQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> AccessGrantQuerySet:
        """Grants in force on ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on)
        )


class AccessGrant(models.Model):
    """An explicit grant to see the residents of a place subtree, for departments and admins
    whose work is not tied to a post. Dated and with a reason."""

    user = models.ForeignKey(
        User, verbose_name="账号", on_delete=models.CASCADE, related_name="grants"
    )
    place = models.ForeignKey("places.Place", verbose_name="地点", on_delete=models.CASCADE)
    include_care = models.BooleanField("可见关爱标签", default=False)
    reason = models.CharField("授权事由", max_length=200)
    granted_by = models.ForeignKey(
        User,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_from = models.DateField("生效日期", default=timezone.localdate)
    valid_until = models.DateField("失效日期", null=True, blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        verbose_name = "数据授权"
        verbose_name_plural = "数据授权"

    def __str__(self) -> str:
        return f"{self.user} → {self.place}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw token is shown once."""

    user = models.ForeignKey(
        User, verbose_name="账号", on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField("用途", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"

    def __str__(self) -> str:
        return f"{self.user} {self.name}"

    @classmethod
    def issue(cls, user: User, *, name: str = "") -> tuple[ApiToken, str]:
        raw = secrets.token_urlsafe(32)
        ttl = getattr(settings, "TONGXIN_API_TOKEN_TTL", datetime.timedelta(hours=12))
        token = cls.objects.create(
            user=user, key_hash=_hash_token(raw), name=name, expires_at=timezone.now() + ttl
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        token = (
            cls.objects.select_related("user")
            .filter(key_hash=_hash_token(raw), expires_at__gt=timezone.now())
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
