"""Printing to PDF (WeasyPrint), the one way in: every printed layout (the contact card, the
简报, the 日志本, the alliance's agreement) renders through ``render``.

WeasyPrint's import sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES``, which
would let truncated images through the upload checks (``core.uploads``) of every later
request in the process. Its modules are imported here only, with the setting put back as it
was; our PDFs hold no raster images of their own."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


def weasyprint() -> Any:
    """The ``weasyprint`` module, imported without its side effect on Pillow."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint as module
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return module


def render(html: str, *, stylesheets: Iterable[Path] = (), base_url: str | None = None) -> bytes:
    """``html`` printed with the print stylesheets (static files: no inline style, by the
    security headers' rule)."""
    wp = weasyprint()
    sheets = [wp.CSS(filename=str(path)) for path in stylesheets]
    return bytes(wp.HTML(string=html, base_url=base_url).write_pdf(stylesheets=sheets))
