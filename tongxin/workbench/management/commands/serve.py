"""Run the web server, the task worker, the scheduler and the alarm listener together, as
``make run`` does.

The web server is gunicorn (``config.wsgi``, static files through whitenoise), the server of
deployments; ``--dev`` runs Django's auto-reloading development server instead (``make dev``).
Each child runs in its own process group; Ctrl-C (or SIGTERM) stops them all, and when one
of them exits the others are stopped too.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tongxin.core.commands import TranslatedCommand
from tongxin.core.i18n import lazy_str

# gunicorn's access log as JSON lines with our request id; no query strings (a search for a
# name or a phone number must not end up in a log file).
ACCESS_LOG = (
    '{"ts": "%(t)s", "logger": "access", "remote": "%(h)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s"}'
)

DEMO_USERS = (
    "street",
    "secretary",
    "grid1",
    "grid2",
    "building",
    "member",
    "resident",
    "dept",
    "liaison1",
    "liaison2",
    "sysadmin",
    "secadmin",
    "auditor",
)


class Command(TranslatedCommand):
    help = lazy_str("同时启动 Web 服务、后台任务进程、定时任务调度器和爱心铃监听")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2, help=lazy_str("Web 进程数"))
        parser.add_argument(
            "--dev", action="store_true", help=lazy_str("用 Django 开发服务器（自动重载）")
        )

    def handle(self, *args: Any, addr: str, workers: int, dev: bool, **options: Any) -> None:
        from tongxin.accounts.models import User
        from tongxin.orgs.scopes import primary_post, primary_role_label

        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        if dev:
            web = [*manage, "runserver", addr]
            how = _("Django 开发服务器（DEBUG={debug}）").format(debug=settings.DEBUG)
        else:
            web = [
                *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
                *("--bind", addr, "--workers", str(workers), "--threads", "4"),
                *("--graceful-timeout", "10", "--access-logfile", "-", "--no-control-socket"),
                *("--access-logformat", ACCESS_LOG),
            ]
            how = _("gunicorn，{workers} 个进程（DEBUG={debug}）").format(
                workers=workers, debug=settings.DEBUG
            )
        # The metrics of every child add up in one scrape (prometheus_client's multiprocess
        # mode): a fresh directory for this run, shared by all of them.
        counts = Path(settings.VAR_DIR) / "metrics"
        shutil.rmtree(counts, ignore_errors=True)
        counts.mkdir(parents=True)
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(counts)}
        children = (
            [*manage, "worker", "--queue-name", "*"],
            [*manage, "scheduler"],
            # The eldercare alarm's MQTT listener (it reconnects by itself while the broker
            # is away).
            [*manage, "alarm_listener"],
            web,
        )
        procs = [
            subprocess.Popen(cmd, start_new_session=True, cwd=settings.BASE_DIR, env=env)  # noqa: S603
            for cmd in children
        ]
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
        lines = [
            _("\n  同心 Tongxin 已启动：http://{addr}/").format(addr=addr),
            _("  服务器：{how}\n").format(how=how),
        ]
        if users:
            lines.append(
                _("  演示账号（密码：{password}）：").format(
                    password=settings.TONGXIN_DEMO_PASSWORD
                )
            )
            for name in DEMO_USERS:
                if name in users:
                    post = primary_post(users[name])
                    where = f"（{post.place or post.organisation}）" if post else ""
                    lines.append(f"    {name:<10} {primary_role_label(users[name])}{where}")
        lines.append(_("\n  按 Ctrl-C 停止。\n"))
        time.sleep(1.5)
        self.stdout.write("\n".join(lines))

        def stop(*_: Any) -> None:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)

        def on_term(*_: Any) -> None:
            stop()
            sys.exit(0)

        signal.signal(signal.SIGTERM, on_term)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            self.stderr.write(_("一个子进程已退出，正在停止其余进程。"))
        except KeyboardInterrupt:
            pass
        finally:
            stop()
