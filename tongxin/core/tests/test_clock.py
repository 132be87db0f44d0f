"""The one clock: dates roll over at local midnight, and nothing else may read the system clock
(the lint rule is tried on code that breaks it)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tongxin.accounts.models import AccessGrant
from tongxin.core import clock
from tongxin.core.scoping import forget_scope, scope_for
from tongxin.orgs.models import Post
from tongxin.orgs.roles import Role
from tongxin.people.models import CareTag, Person

pytestmark = pytest.mark.dates

ROOT = Path(__file__).resolve().parents[3]


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_today_is_the_local_day_not_the_servers_utc_day():
    # 2027-01-01 00:30 in Beijing is still 2026-12-31 in UTC.
    with time_machine.travel(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC), tick=False):
        assert clock.now().date() == dt.date(2026, 12, 31)
        assert clock.today() == dt.date(2027, 1, 1)
        assert clock.local().hour == 0 and clock.this_month() == "2027-01"
        assert clock.local_date(clock.now()) == dt.date(2027, 1, 1)
        assert clock.start_of_day(dt.date(2027, 1, 1)) == clock.now() - dt.timedelta(minutes=30)


@pytest.mark.django_db
def test_posts_grants_and_care_tags_end_at_local_midnight(demo):
    """A grid post, an access grant and a care tag that end on New Year's Eve hold at 23:30
    local time and are over at 00:30, though the UTC date is still 31 December then."""
    user = demo.user("grid1")
    post = Post.objects.get(person=user.person, role=Role.GRID_WORKER, place=demo.grid(1))
    eve = dt.date(clock.today().year, 12, 31)
    post.end_date = eve
    post.save(update_fields=["end_date"])
    other = demo.user("grid2")
    grant = AccessGrant.objects.create(
        user=other, place=demo.grid(3), reason="跨网格协查", valid_from=eve, valid_until=eve
    )
    resident = Person.objects.filter(place_path__startswith=demo.grid(1).path).first()
    tag = CareTag.objects.create(person=resident, kind="living_alone", end_date=eve)

    with time_machine.travel(_local(eve, 23, 30), tick=False):
        forget_scope(user), forget_scope(other)
        assert Post.objects.active().filter(pk=post.pk).exists()
        assert demo.grid(1).path in scope_for(user).person_paths
        assert AccessGrant.objects.active().filter(pk=grant.pk).exists()
        assert demo.grid(3).path in scope_for(other).person_paths
        assert tag.is_current
    new_year = eve + dt.timedelta(days=1)
    with time_machine.travel(_local(new_year, 0, 30), tick=False):
        assert clock.now().astimezone(dt.UTC).date() == eve  # the server's UTC day
        forget_scope(user), forget_scope(other)
        assert not Post.objects.active().filter(pk=post.pk).exists()
        assert demo.grid(1).path not in scope_for(user).person_paths
        assert not AccessGrant.objects.active().filter(pk=grant.pk).exists()
        assert demo.grid(3).path not in scope_for(other).person_paths
        assert not tag.is_current


BREAKERS = {
    "date.today()": "import datetime as dt\nx = dt.date.today()\n",
    "datetime.now()": "import datetime as dt\nx = dt.datetime.now()\n",
    "datetime.utcnow()": "import datetime as dt\nx = dt.datetime.utcnow()\n",
    "timezone.now()": "from django.utils import timezone\nx = timezone.now()\n",
    "timezone.localdate()": "from django.utils import timezone\nx = timezone.localdate()\n",
    "time.time()": "import time\nx = time.time()\n",
    "secrets.token_hex()": "import secrets\nx = secrets.token_hex(8)\n",
    "uuid.uuid4()": "import uuid\nx = uuid.uuid4()\n",
}


@pytest.mark.parametrize("name", list(BREAKERS))
def test_the_lint_rule_refuses_reading_the_system_clock_or_minting_elsewhere(name):
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip("ruff is not installed in this environment")
    found = subprocess.run(  # noqa: S603 (our own linter on our own snippet)
        [str(ruff), "check", "--no-cache", "--stdin-filename", "tongxin/places/x.py", "-"],
        input=BREAKERS[name],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert found.returncode == 1 and ("DTZ" in found.stdout or "TID251" in found.stdout), (
        found.stdout
    )


def test_the_clock_module_itself_passes_the_rule():
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip("ruff is not installed in this environment")
    found = subprocess.run(  # noqa: S603
        [str(ruff), "check", "--no-cache", "tongxin/core/clock.py", "tongxin/core/tokens.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert found.returncode == 0, found.stdout
