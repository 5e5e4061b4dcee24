"""A new workbook holding only report sheets (`stats --out`), built by the same writer that
adds them to a register, so both files carry the same sheet (docs/statistics.md)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from toolkit.sheets.atomic import write_atomic
from toolkit.sheets.lock import ensure_writable
from toolkit.sheets.xlsx.apply import write_package
from toolkit.sheets.xlsx.edit import WorkbookEdit
from toolkit.sheets.xlsx.readback import Written, verify_written
from toolkit.sheets.xlsx.reportspec import ReportSheet

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# The default font of a Chinese-locale Excel; readers without it substitute a CJK font.
_FONT = '<font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>'

_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
        "<sheets></sheets></workbook>"),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/styles" '
        'Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="1">{_FONT}</fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
        'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
        '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" '
        'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" '
        'fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1">'
        '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}


def empty_package() -> bytes:
    """A workbook package with a style sheet and no sheets yet."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in _PARTS.items():
            z.writestr(name, _HEAD + xml)
    return out.getvalue()


def write_report_workbook(path: Path | str, reports: list[ReportSheet]) -> Path:
    """Write a new workbook of `reports` to `path` atomically (refused while Excel has it open)."""
    path = Path(path)
    ensure_writable(path, None)
    with tempfile.TemporaryDirectory(prefix="toolkit-") as folder:
        tmp = Path(folder) / ("report" + (path.suffix or ".xlsx"))
        written = write_package(empty_package(), WorkbookEdit("", report_sheets=reports), tmp,
                                path, lambda _phase: None)
        verify_written(tmp, Written(None, [], set(), written.sheets, written.owned_rows),
                       path)
        data = tmp.read_bytes()
    return write_atomic(path, data)
