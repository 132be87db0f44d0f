"""The leak scanner that watches every response of the suite must itself catch leaks."""

from django.http import HttpResponse
from django.test import RequestFactory

from tongxin.core import testing
from tongxin.core.testing import PiiLeakScanner, find_pii

ID = "11010519491231002X"
MOBILE = "13912345678"


def scan(body: str, *, path: str = "/x/", revealed: bool = False, query: str = "") -> list[str]:
    request = RequestFactory().get(path + (f"?q={query}" if query else ""))
    if revealed:
        request.tongxin_pii_revealed = True
    testing.LEAKS.clear()
    PiiLeakScanner(lambda r: HttpResponse(body, content_type="text/html"))(request)
    found = list(testing.LEAKS)
    testing.LEAKS.clear()
    return found


def test_finds_valid_ids_and_mobiles_only():
    assert find_pii(f"<td>{ID}</td><td>{MOBILE}</td>") == [ID, MOBILE]
    assert find_pii("110105194912310021 139****5678 **************002X 0712-2881234") == []


def test_scanner_records_leaks_but_not_reveals_or_echoes(db):
    assert len(scan(f"<p>{ID}</p>")) == 1
    assert scan(f"<p>{ID}</p>", revealed=True) == []
    assert scan(f'<input value="{MOBILE}">', query=MOBILE) == []


def test_the_suite_scans_real_pages(demo):
    before = testing.SCANNED[0]
    demo.client("grid1").get("/people/")
    assert testing.SCANNED[0] == before + 1


def test_a_number_published_on_purpose_is_not_a_leak(demo):
    """A post's public phone (电话公开: the grid workers' work mobiles) is published, so it is
    no leak; the same number is one again once the post no longer publishes it."""
    from tongxin.orgs.models import Post

    post = Post.objects.filter(role="grid_worker", public_contact=True).exclude(public_phone="")[0]
    published = post.public_phone
    assert len(published) == 11 and find_pii(published) == [published]
    assert scan(f"<p>{published}</p>") == []
    assert len(scan(f"<p>{MOBILE}</p>")) == 1
    Post.objects.filter(pk=post.pk).update(public_contact=False)
    assert len(scan(f"<p>{published}</p>")) == 1
