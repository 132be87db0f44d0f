"""The printed contact card: a building's poster and its households' cards as one PDF,
rendered to PNG (pdftoppm) so that a person can look at it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tongxin.notices import printing
from tongxin.orgs.models import Post
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


# Where the pages are left for a person to look at: TONGXIN_PRINT_OUT if set, else the
# test's temporary folder.
def out_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("TONGXIN_PRINT_OUT") or tmp_path)


def head_building(demo):
    head = demo.user("building")
    return Post.objects.active().get(person=head.person, role="building_head").place


def test_the_building_prints_as_a_poster_and_household_cards(demo, tmp_path):
    building = head_building(demo)
    pdf = printing.card_pdf(building, report_url="http://testserver/cases/new/")
    assert pdf.startswith(b"%PDF")
    dwellings = Place.objects.filter(path__startswith=building.path, kind="dwelling").count()
    assert dwellings > 0
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF was not rendered")
    out = out_dir(tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    (out / "card.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 — poppler on the PDF we just wrote
        [pdftoppm, "-png", "-r", "60", str(out / "card.pdf"), str(out / "page")], check=True
    )
    pages = sorted(out.glob("page-*.png"))
    # The poster on one page, then the cards four to a page.
    assert len(pages) == 1 + -(-dwellings // 4)
    assert all(p.stat().st_size > 5000 for p in pages)


def test_the_pdf_is_for_who_may_browse_the_building(demo):
    building = head_building(demo)
    url = f"/contact-card/{building.pk}.pdf"
    response = demo.client("grid1").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert demo.client("grid2").get(url).status_code == 404
    assert demo.client("resident").get(url).status_code == 404


def test_printing_leaves_the_upload_checks_as_they_were(demo):
    """WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process;
    printing a card must not leave it on for the uploads that follow."""
    from PIL import ImageFile

    printing.card_pdf(demo.user("resident").person.place, report_url="http://testserver/")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
