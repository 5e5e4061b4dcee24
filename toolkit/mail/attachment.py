"""The .xlsx attachment of a morning list: a brand-new file, built with XlsxWriter.

Workbook text is written with `write_string`, so a customer typed as `=1+1` stays text and
never becomes a formula (docs/mail.md)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

import xlsxwriter

Cell = str | int | float | date | datetime | None


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Cell]]]]) -> bytes:
    """A workbook with one sheet per (name, headers, rows); text stays text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, headers, rows in sheets:
        ws = book.add_worksheet(name[:31])
        widths = [max(8, _width(h)) for h in headers]
        for col, head in enumerate(headers):
            ws.write_string(0, col, head, bold)
        for r, cells in enumerate(rows, start=1):
            for col, value in enumerate(cells):
                if value is None or value == "":
                    continue
                if isinstance(value, datetime):
                    ws.write_datetime(r, col, value, stamp)
                    width = 16
                elif isinstance(value, date):
                    ws.write_datetime(r, col, datetime(value.year, value.month, value.day), day)
                    width = 10
                elif isinstance(value, bool):
                    ws.write_string(r, col, str(value))
                    width = 5
                elif isinstance(value, int | float):
                    ws.write_number(r, col, value)
                    width = len(str(value))
                else:
                    ws.write_string(r, col, str(value))
                    width = _width(str(value))
                if col < len(widths):
                    widths[col] = min(max(widths[col], width), 60)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width + 2)
        ws.freeze_panes(1, 0)
        if rows:
            ws.autofilter(0, 0, len(rows), max(len(headers) - 1, 0))
    book.close()
    return buffer.getvalue()


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
