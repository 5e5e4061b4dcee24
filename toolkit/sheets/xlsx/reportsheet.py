"""The worksheet part of a report sheet: styled cells, merges, widths and the page set up to
print on A4 (docs/statistics.md). Text is always written as text, never as a formula."""

from __future__ import annotations

from dataclasses import replace

from toolkit.register import column_letter
from toolkit.sheets.xlsx.cells import TEMPORAL, inline, number, temporal
from toolkit.sheets.xlsx.charts import NS_R
from toolkit.sheets.xlsx.package import NS_MAIN
from toolkit.sheets.xlsx.reportspec import CellStyle, ReportSheet
from toolkit.sheets.xlsx.reportstyles import ReportStyles
from toolkit.sheets.xlsx.worksheet import excel_width
from toolkit.sheets.xlsx.xmlscan import esc

DATE_FORMAT = "yyyy-mm-dd"


def report_sheet_xml(report: ReportSheet, styles: ReportStyles, date1904: bool, *,
                     selected: bool, drawing_rid: str | None) -> bytes:
    rows: dict[int, list[tuple[int, bytes]]] = {}
    for (r, c), (value, style) in sorted(report.cells.items()):
        if value is None and style is None:
            continue
        ref = f"{column_letter(c)}{r}".encode()
        rows.setdefault(r, []).append((c, _cell(ref, value, style, styles, date1904)))
    body = []
    for r in sorted(set(rows) | set(report.heights)):
        height = report.heights.get(r)
        ht = f' ht="{height}" customHeight="1"'.encode() if height else b""
        cells = b"".join(x for _, x in sorted(rows.get(r, [])))
        body.append(b'<row r="%d"%s>%s</row>' % (r, ht, cells))
    dim = f"A1:{column_letter(report.last_col)}{report.last_row}"
    cols = "".join(f'<col min="{c}" max="{c}" width="{excel_width(w)!r}" customWidth="1"/>'
                   for c, w in sorted(report.widths.items()))
    merges = "".join(f'<mergeCell ref="{m}"/>' for m in report.merges)
    grid = "" if report.show_grid else ' showGridLines="0"'
    tab = ' tabSelected="1"' if selected else ""
    fit = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    orientation = "landscape" if report.landscape else "portrait"
    breaks = "".join(f'<brk id="{r}" max="16383" man="1"/>' for r in report.row_breaks)
    footer = (f"<headerFooter><oddFooter>{esc(report.footer)}</oddFooter></headerFooter>"
              if report.footer else "")
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">{fit}<dimension ref="{dim}"/>'
        f'<sheetViews><sheetView{grid}{tab} workbookViewId="0">'
        '<selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>")
    tail = (
        "</sheetData>" + (f'<mergeCells count="{len(report.merges)}">{merges}</mergeCells>'
                          if merges else "")
        + '<printOptions horizontalCentered="1"/>'
        '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.3" footer="0.3"/>'
        f'<pageSetup paperSize="{report.paper_size}" orientation="{orientation}" '
        'fitToWidth="1" fitToHeight="0"/>' + footer
        + (f'<rowBreaks count="{len(report.row_breaks)}" manualBreakCount='
           f'"{len(report.row_breaks)}">{breaks}</rowBreaks>' if breaks else "")
        + (f'<drawing r:id="{drawing_rid}"/>' if drawing_rid else "") + "</worksheet>")
    return head.encode() + b"".join(body) + tail.encode()


def _cell(ref: bytes, value: object, style: CellStyle | None, styles: ReportStyles,
          date1904: bool) -> bytes:
    if isinstance(value, TEMPORAL):
        serial, _ = temporal(value, date1904)
        fmt = style.num_fmt if style and style.num_fmt else DATE_FORMAT
        s = styles.xf(replace(style or CellStyle(), num_fmt=fmt))
        return b'<c r="%s" s="%d"><v>%s</v></c>' % (ref, s, serial)
    s = styles.xf(style)
    attr = b' s="%d"' % s if s else b""
    if value is None:
        return b'<c r="%s"%s/>' % (ref, attr)
    if isinstance(value, bool):
        return b'<c r="%s"%s t="b"><v>%d</v></c>' % (ref, attr, value)
    if isinstance(value, (int, float)):
        return b'<c r="%s"%s><v>%s</v></c>' % (ref, attr, number(value))
    # An inline string is text to every reader: "=SUM(…)" from a complaint stays those
    # characters and is never evaluated.
    return inline(b"", ref, s, str(value))
