"""The recipients of an announcement as an Excel sheet, for the coordinator who sent it:
who got it, who has not yet pressed «Ознакомлен». The list itself is the service's
(`broadcasts.recipients`); this turns it into a file in the reader's language."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from bot.reports import safe_cells
from bot.services.broadcasts import RecipientLine


def recipients_workbook(
    lines: Sequence[RecipientLine], zone: ZoneInfo, t: Callable[..., str]
) -> bytes:
    """The recipients list as an Excel sheet in the coordinator's language (headers, roles
    and delivery outcomes from the locales): frozen header, filters, widths that fit.
    Names are people's own text: `safe_cells` keeps them from becoming formulas."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(t("broadcast-sheet-recipients"))
    for column, width in zip("ABCDEF", (32, 24, 20, 40, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:F{len(lines) + 1}"
    header = tuple(
        t(f"broadcast-col-{name}")
        for name in ("name", "role", "municipality", "school", "delivery", "acknowledged")
    )
    sheet.append(safe_cells.xlsx_row(sheet, header))
    for line in lines:
        acknowledged = (
            line.acknowledged_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
            if line.acknowledged_at
            else ""
        )
        person = line.participant
        values = (
            person.full_name or "",
            t(f"role-{person.role}") if person.role else "",
            line.municipality,
            line.schools,
            t(f"delivery-{line.delivery}"),
            acknowledged,
        )
        sheet.append(safe_cells.xlsx_row(sheet, values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
