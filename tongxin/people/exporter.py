"""Export residents the user may see, masked, as an Excel workbook. Every export is audited."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from tongxin.core import audit, clock, trees
from tongxin.core.actors import Actor
from tongxin.core.csvsafe import safe_cell
from tongxin.core.errors import Forbidden
from tongxin.places.models import Place

from . import policies
from .models import Person

HEADER = (
    gettext_lazy("姓名"),
    gettext_lazy("性别"),
    gettext_lazy("出生年月"),
    gettext_lazy("身份证号"),
    gettext_lazy("手机号"),
    gettext_lazy("住址"),
    gettext_lazy("与户主关系"),
    gettext_lazy("政治面貌"),
    gettext_lazy("户籍类型"),
    gettext_lazy("所属网格"),
)
MAX_ROWS = 200_000


def _addresses(persons: list[Person]) -> dict[str, str]:
    """A readable address for each anchor path, from one query for all ancestors."""
    paths = trees.ancestors_of_all(
        (p.place_path for p in persons), Place.steplen, include_self=True
    )
    names = dict(
        Place.objects.filter(path__in=paths)
        .exclude(kind__in=["district", "street"])
        .values_list("path", "name")
    )
    out: dict[str, str] = {}
    for p in persons:
        path = p.place_path
        if path not in out:
            prefixes = trees.ancestor_paths(path, Place.steplen, include_self=True)
            out[path] = "".join(names.get(a, "") for a in prefixes)
    return out


def export_persons(*, actor: Actor, queryset: Any) -> bytes:
    """``queryset`` must already be restricted with ``visible_to(actor)``; it is re-restricted
    here so that no caller can export past the choke point by mistake."""
    if not policies.can_export(actor):
        raise Forbidden(_("只有社区和网格工作人员可以导出居民信息"))
    qs = queryset.filter(pk__in=Person.objects.visible_to(actor).values("pk"))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("居民"))
    header_cells = []
    for title in HEADER:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=str(title))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    ws.append(header_cells)
    count = 0
    chunk: list[Person] = []

    def flush() -> None:
        addresses = _addresses(chunk)
        for p in chunk:
            # Text that Excel would run as a formula (a name like "=HYPERLINK(...)") is quoted.
            row = [
                p.name,
                p.get_gender_display(),
                p.birth_date.strftime("%Y-%m") if p.birth_date else "",
                p.id_number_masked,
                p.phone_masked,
                addresses.get(p.place_path, ""),
                p.get_relation_display(),
                p.get_political_status_display(),
                p.get_residence_status_display(),
                p.grid.name if p.grid else "",
            ]
            ws.append([safe_cell(v) for v in row])

    for person in (
        qs.select_related("grid").order_by("place_path", "id")[:MAX_ROWS].iterator(chunk_size=2000)
    ):
        chunk.append(person)
        count += 1
        if len(chunk) >= 2000:
            flush()
            chunk = []
    if chunk:
        flush()
    buf = io.BytesIO()
    wb.save(buf)
    audit.record(
        actor=actor,
        action="people_export",
        detail={"rows": count, "at": clock.now().isoformat()},
    )
    return buf.getvalue()
