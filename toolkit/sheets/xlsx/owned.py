"""Sheets the toolkit owns: each written whole as a new worksheet part on every run."""

from __future__ import annotations

import re

from toolkit.register import column_letter
from toolkit.sheets.xlsx.cells import TEMPORAL, inline, number, temporal
from toolkit.sheets.xlsx.edit import OwnedSheet
from toolkit.sheets.xlsx.package import NS_MAIN, NS_REL
from toolkit.sheets.xlsx.styles import Styles
from toolkit.sheets.xlsx.worksheet import excel_width
from toolkit.sheets.xlsx.xmlscan import esc_attr


def owned_sheet_xml(owned: OwnedSheet, styles: Styles, date1904: bool, *,
                    selected: bool) -> bytes:
    """A whole worksheet: header row bold and frozen, widths, date formats, cell links."""
    header = styles.xf(0, font=styles.font("bold"))
    link = styles.xf(0, font=styles.font("link")) if owned.links else 0
    rows_xml: list[bytes] = []
    last_col = 0
    for r, row in enumerate(owned.rows, start=1):
        cells = []
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            last_col = max(last_col, c)
            base = header if r == 1 else link if (r, c) in owned.links else 0
            ref = f"{column_letter(c)}{r}".encode()
            s = b' s="%d"' % base if base else b""
            if isinstance(value, TEMPORAL):
                serial, default = temporal(value, date1904)
                code = owned.number_formats.get(c) or default
                style = styles.xf(base, num_fmt=styles.num_fmt_id(code))
                cells.append(b'<c r="%s" s="%d"><v>%s</v></c>' % (ref, style, serial))
            elif isinstance(value, bool):
                cells.append(b'<c r="%s"%s t="b"><v>%d</v></c>' % (ref, s, value))
            elif isinstance(value, (int, float)):
                cells.append(b'<c r="%s"%s><v>%s</v></c>' % (ref, s, number(value)))
            else:
                cells.append(inline(b"", ref, base, value))
        if cells:
            rows_xml.append(b'<row r="%d">%s</row>' % (r, b"".join(cells)))
    last_row = len(owned.rows)
    dim = f"A1:{column_letter(max(last_col, 1))}{max(last_row, 1)}"
    cols = "".join(f'<col min="{c}" max="{c}" width="{excel_width(w)!r}" customWidth="1"/>'
                   for c, w in sorted(owned.widths.items()))
    links = "".join(
        f'<hyperlink ref="{column_letter(c)}{r}" location="{esc_attr(target.lstrip("#"))}"/>'
        for (r, c), target in sorted(owned.links.items()))
    tab = ' tabSelected="1"' if selected else ""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        f'<dimension ref="{dim}"/><sheetViews><sheetView{tab} workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>")
    tail = ("</sheetData>" + (f"<hyperlinks>{links}</hyperlinks>" if links else "")
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>')
    return head.encode() + b"".join(rows_xml) + tail.encode()


def is_tab_selected(xml: bytes) -> bool:
    """Whether the sheet being replaced is the one Excel shows, so its replacement stays so."""
    head = xml[: xml.find(b"sheetData")] if b"sheetData" in xml else xml
    return re.search(rb'tabSelected="(1|true)"', head) is not None
