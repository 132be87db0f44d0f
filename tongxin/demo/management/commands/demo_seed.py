"""Generate the demo area: ``manage.py demo_seed [--scale community|street|district]``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongxin.demo.generator import SCALES, DemoGenerator
from tongxin.places.models import Place


class Command(BaseCommand):
    help = "生成演示社区数据（按随机种子确定）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", choices=sorted(SCALES), default="community")
        parser.add_argument(
            "--if-empty", action="store_true", help="只在数据库中还没有任何地点时生成"
        )
        parser.add_argument("--no-users", action="store_true", help="不创建演示账号")

    def handle(
        self, *args: Any, seed: int, scale: str, if_empty: bool, no_users: bool, **options: Any
    ) -> None:
        if Place.objects.exists():
            if if_empty:
                self.stdout.write("数据库中已有数据，跳过演示数据生成。")
                return
            raise CommandError("数据库中已有地点数据：演示数据只能生成到空数据库中。")
        started = time.monotonic()
        gen = DemoGenerator(seed=seed, scale=scale, progress=lambda m: self.stdout.write(m))
        summary = gen.run(with_users=not no_users)
        users = summary.pop("users")
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已生成（{time.monotonic() - started:.1f} 秒）："
                + "，".join(f"{k}={v}" for k, v in summary.items())
            )
        )
        for username, label in users.items():
            self.stdout.write(f"  {username:<10} {label}")
