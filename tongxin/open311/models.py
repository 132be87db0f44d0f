"""Open311 GeoReport v2: jurisdictions, partners and their keys, and what each request
filed through the standard brought with it.

A partner (a civic app, a kiosk, another system) gets one API key per partner, for the
jurisdictions it may file into; only a keyed hash of the key is stored. A request filed
through Open311 becomes an ordinary case (``tongxin.cases``); ``Open311Request`` keeps the
partner, the token and the reporter's extra fields beside it.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from tongxin.core import clock, tokens
from tongxin.core.scoping import Scope, ScopedManager
from tongxin.places.models import Place

EMAIL_CONTEXT = "open311.email"


def hash_key(raw: str) -> str:
    """A keyed hash of an API key (the server's secret key is the HMAC key)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"open311:{raw}".encode(), hashlib.sha256
    ).hexdigest()


class Jurisdiction(models.Model):
    """An area partners may file into, named by its ``jurisdiction_id`` (e.g. demo.tongxin)."""

    jurisdiction_id = models.CharField("jurisdiction_id", max_length=64, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("覆盖地点"), on_delete=models.PROTECT, related_name="+"
    )
    contact = models.CharField(gettext_lazy("联系方式"), max_length=200, blank=True)
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)

    class Meta:
        verbose_name = gettext_lazy("Open311 辖区")
        verbose_name_plural = gettext_lazy("Open311 辖区")

    def __str__(self) -> str:
        return self.jurisdiction_id


class Partner(models.Model):
    """A client system that files requests with its API key."""

    name = models.CharField(gettext_lazy("合作方"), max_length=100)
    contact = models.CharField(gettext_lazy("联系人/邮箱"), max_length=200, blank=True)
    key_prefix = models.CharField(gettext_lazy("密钥前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    jurisdictions = models.ManyToManyField(Jurisdiction, verbose_name=gettext_lazy("可上报辖区"))
    is_active = models.BooleanField(gettext_lazy("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(gettext_lazy("创建时间"), default=clock.now)
    last_used_at = models.DateTimeField(gettext_lazy("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Open311 合作方")
        verbose_name_plural = gettext_lazy("Open311 合作方")

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"

    def set_key(self, raw: str | None = None) -> str:
        """Give the partner a new key (random unless given); answers the raw key, which is
        shown once and never stored."""
        raw = raw or tokens.mint(32)
        self.key_prefix = raw[:8]
        self.key_hash = hash_key(raw)
        return raw

    @classmethod
    def by_key(cls, raw: str) -> Partner | None:
        if not raw:
            return None
        return cls.objects.filter(key_hash=hash_key(raw), is_active=True).first()


class Open311Request(models.Model):
    """The Open311 side of a case: who filed it, its token, and the reporter's extra fields."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="open311")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="requests")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT)
    token = models.CharField(max_length=40, unique=True)
    email_cipher = models.TextField(blank=True, editable=False)
    email_masked = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = gettext_lazy("Open311 请求")
        verbose_name_plural = gettext_lazy("Open311 请求")

    def __str__(self) -> str:
        return self.token

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The Open311 side of the cases the user may see (partners reach theirs by key)."""
        from tongxin.cases.models import Case

        return Q(case_id__in=Case.objects.filter(Case.scope_q(scope)).values("pk"))
