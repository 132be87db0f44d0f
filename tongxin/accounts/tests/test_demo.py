"""The demo database says so on every page."""

from __future__ import annotations

import pytest

from tongxin.accounts.demo import (
    DEMO_BANNER,
    clear_demo_flag,
    is_demo_database,
    mark_demo_database,
)
from tongxin.accounts.models import SiteFlag

BANNER = "演示环境：数据均为随机生成，请勿录入真实个人信息"


def test_the_generated_demo_database_carries_the_flag(demo):
    # The suite's database is made by DemoGenerator, as `manage.py demo_seed` makes it.
    assert is_demo_database()
    assert DEMO_BANNER == BANNER


@pytest.mark.parametrize("url", ["/login/", "/", "/people/", "/places/", "/orgs/"])
def test_every_page_shows_the_demo_banner(demo, url):
    client = demo.client("secretary") if url != "/login/" else demo.client("resident")
    if url == "/login/":
        client.post("/logout/")
    page = client.get(url)
    assert page.status_code == 200
    assert f'<div class="demo-banner" role="note">{BANNER}</div>' in page.content.decode()


def test_no_banner_on_a_real_database(demo):
    clear_demo_flag()
    for client, url in ((demo.client("secretary"), "/people/"), (demo.client("resident"), "/")):
        page = client.get(url, follow=True)  # the secretary is sent to enrol first
        assert page.status_code == 200
        assert BANNER not in page.content.decode()
    assert BANNER not in demo.client("resident").get("/login/").content.decode()


def test_marking_twice_keeps_one_flag(demo):
    mark_demo_database()
    mark_demo_database()
    assert SiteFlag.objects.filter(key="demo").count() == 1
