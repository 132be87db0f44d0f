"""Create an administrator with one of the separated duties and print a one-time password.

There is no default admin password: ``manage.py create_admin secadmin --duty security``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.accounts.models import AdminDuty, User
from tongxin.core import audit
from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str


def one_time_password(user: User) -> str:
    """A random password that the staff password policy accepts."""
    while True:
        password = secrets.token_urlsafe(12)  # noqa: TID251 (a password shown on the console, never in a response)
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


class Command(TranslatedCommand):
    help = lazy_str("创建管理员账号（系统/安全/审计三权分立），并打印一次性密码")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--duty", required=True, choices=[d.value for d in AdminDuty if d.value]
        )

    @transaction.atomic
    def handle(self, *args: Any, username: str, duty: str, **options: Any) -> None:
        if User.objects.filter(username=username).exists():
            raise CommandError(_("账号 {username} 已存在").format(username=username))
        user = User(
            username=username,
            admin_duty=duty,
            is_staff=True,
            is_superuser=(duty == AdminDuty.SYSTEM),
            display_name=str(AdminDuty(duty).label),
        )
        password = one_time_password(user)
        user.set_password(password)
        user.save()
        audit.record(
            actor=None, action="admin_create", obj=user, detail={"username": username, "duty": duty}
        )
        self.stdout.write(
            _("已创建{label} {username}").format(label=AdminDuty(duty).label, username=username)
        )
        self.stdout.write(
            _("一次性密码：{password}  （请登录后立即修改）").format(password=password)
        )
        self.stdout.write(_("首次登录时须在手机验证器上启用双因素认证。"))
