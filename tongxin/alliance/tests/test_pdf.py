"""The printed 共建承诺协议书: a PDF (WeasyPrint) rendered to PNG with pdftoppm so a person can
look at it (TONGXIN_PRINT_OUT keeps the pages), and the page behind the browser's print."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tongxin.alliance import printing
from tongxin.alliance.models import Agreement
from tongxin.notices.tests.test_printing import out_dir

pytestmark = pytest.mark.django_db


def demo_agreement() -> Agreement:
    return (
        Agreement.objects.filter(signed_on__isnull=False)
        .select_related("membership__unit", "membership__alliance")
        .order_by("id")
        .first()
    )


def test_the_agreement_prints_to_one_page(demo, tmp_path):
    agreement = demo_agreement()
    assert agreement is not None, "the demo signs agreements"
    pdf = printing.agreement_pdf(agreement)
    assert pdf.startswith(b"%PDF")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF was not rendered")
    out = out_dir(tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    (out / "agreement.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 — poppler on the PDF we just wrote
        [pdftoppm, "-png", "-r", "60", str(out / "agreement.pdf"), str(out / "agreement")],
        check=True,
    )
    pages = sorted(out.glob("agreement-*.png"))
    assert len(pages) == 1
    assert pages[0].stat().st_size > 5000


def test_the_agreement_is_for_the_alliance_and_its_unit(demo):
    agreement = demo_agreement()
    page = demo.client("secretary").get(f"/alliance/agreements/{agreement.pk}/")
    assert page.status_code == 200
    assert "共建承诺协议书" in page.content.decode()
    assert agreement.membership.unit.name in page.content.decode()
    pdf = demo.client("liaison").get(f"/alliance/agreements/{agreement.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert demo.client("grid1").get(f"/alliance/agreements/{agreement.pk}/").status_code == 404
