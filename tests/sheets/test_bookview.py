"""Workbooks python-calamine needs help with: Hancell's wrapped cell formats, Excel 4.0 macro
sheets, an empty style sheet, and the 1904 date system."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import python_calamine as calamine
import xlsxwriter
from click.testing import CliRunner
from helpers import read_parts, write_parts

from toolkit.cli import cli
from toolkit.errors import WorkbookError
from toolkit.rules.engine import run_check
from toolkit.sheets.lock import fingerprint
from toolkit.sheets.reader import read_workbook
from toolkit.sheets.xlsx.writer import ColumnWrite, OwnedSheet, WorkbookEdit, save_edit

REGISTER = "投诉记录"
HEADERS = ["投诉编号", "受理时间", "受理人", "客户名称", "联系电话", "投诉类别", "投诉级别",
           "投诉内容", "状态", "数量"]
RECEIVED = datetime(2026, 11, 3, 9, 30)
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _register(path: Path, *, date_1904: bool = False, received: object = RECEIVED,
              formula: bool = False) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
    ws = wb.add_worksheet(REGISTER)
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_row(0, 0, HEADERS)
    ws.write_row(1, 0, ["2611-0001"])
    if formula:  # a formula cell: its value follows its <f>
        serial = (RECEIVED - datetime(1899, 12, 30)).total_seconds() / 86400
        ws.write_formula(1, 1, "=DATE(2026,11,3)+TIME(9,30,0)", when, serial)
    elif isinstance(received, datetime):
        ws.write_datetime(1, 1, received, when)
    else:
        ws.write(1, 1, received)
    ws.write_row(1, 2, ["王丽", "某公司", "13800138000", "服务过程", "一般", "态度差", "处理中"])
    ws.write_number(1, 9, 3)
    wb.close()
    return path


def _wrap_first_cell_format(path: Path) -> None:
    """Wrap the default cell format in mc:AlternateContent as Hancom Hancell does, so that
    python-calamine, counting the Choice and the Fallback both, shifts every later format."""
    files = read_parts(path)
    styles = files["xl/styles.xml"].decode()
    cell_xfs = re.search(r"<cellXfs count=\"\d+\">(<xf [^>]*?(?:/>|>.*?</xf>))", styles)
    assert cell_xfs is not None
    xf = cell_xfs.group(1)
    wrapped = (f'<mc:AlternateContent xmlns:mc="{NS_MC}"><mc:Choice xmlns:hs="urn:hs" '
               f'Requires="hs">{xf}</mc:Choice><mc:Fallback>{xf}</mc:Fallback>'
               "</mc:AlternateContent>")
    files["xl/styles.xml"] = (styles[:cell_xfs.start(1)] + wrapped
                              + styles[cell_xfs.end(1):]).encode()
    write_parts(path, files)


@pytest.mark.parametrize("formula", [False, True])
def test_wrapped_cell_formats_are_read_as_excel_reads_them(tmp_path: Path,
                                                          formula: bool) -> None:
    path = _register(tmp_path / "hancell.xlsx", formula=formula)
    _wrap_first_cell_format(path)
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:  # the misreading this works around
        assert isinstance(book.get_sheet_by_name(REGISTER).to_python()[1][1], float)
    finally:
        book.close()
    values = read_workbook(path).data.rows[0].values
    assert values["received_at"] == RECEIVED
    assert values["quantity"] == 3


def test_dates_written_into_wrapped_cell_formats_read_back(tmp_path: Path) -> None:
    path = _register(tmp_path / "hancell.xlsx")
    _wrap_first_cell_format(path)
    due = datetime(2026, 11, 5, 16, 30)
    save_edit(path, WorkbookEdit(REGISTER, [ColumnWrite(11, {1: "回复时限", 2: due},
                                                        number_format="yyyy-mm-dd hh:mm")]),
              expected=fingerprint(path))
    styles = read_parts(path)["xl/styles.xml"].decode()
    assert styles.count("<mc:AlternateContent") == 1  # nothing new is wrapped, nothing lost
    assert read_workbook(path).data.rows[0].values["received_at"] == RECEIVED


def _add_macro_sheet(path: Path) -> None:
    """An Excel 4.0 macro sheet before the register, as old .xlsm files carry them."""
    files = read_parts(path)
    files["xl/macrosheets/sheet1.xml"] = (
        b'<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1">'
        b'<c r="A1" t="str"><f>HALT()</f><v></v></c></row></sheetData></xm:macrosheet>')
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId90" Type="http://schemas.microsoft.com/'
        b'office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/>'
        b"</Relationships>")
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/macrosheets/sheet1.xml" '
        b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>')
    files["xl/workbook.xml"] = files["xl/workbook.xml"].replace(
        b"<sheets>", b'<sheets><sheet name="Macro1" sheetId="9" r:id="rId90"/>')
    write_parts(path, files)


def test_an_excel4_macro_sheet_is_read_past_and_kept(tmp_path: Path) -> None:
    path = _register(tmp_path / "xlm.xlsx")
    _add_macro_sheet(path)
    with pytest.raises(Exception, match="macrosheets"):  # what calamine does on its own
        calamine.CalamineWorkbook.from_path(str(path))
    book = read_workbook(path)
    assert book.data.register_sheet == REGISTER
    assert book.data.rows[0].values["received_at"] == RECEIVED
    before = read_parts(path)
    save_edit(path, WorkbookEdit(REGISTER, [ColumnWrite(11, {1: "校验结果", 2: "通过"})],
                                 owned_sheets=[OwnedSheet("校验报告", [["行号"]])]),
              expected=fingerprint(path))
    after = read_parts(path)
    assert after["xl/macrosheets/sheet1.xml"] == before["xl/macrosheets/sheet1.xml"]
    assert b'<sheet name="Macro1" sheetId="9" r:id="rId90"/>' in after["xl/workbook.xml"]
    assert read_workbook(path).data.rows[0].values["check"] == "通过"


def test_an_empty_style_sheet_is_named_as_such(tmp_path: Path) -> None:
    path = _register(tmp_path / "bare.xlsx")
    files = read_parts(path)
    files["xl/styles.xml"] = (b'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://'
                              b'schemas.openxmlformats.org/spreadsheetml/2006/main"></styleSheet>')
    write_parts(path, files)
    original = path.read_bytes()
    with pytest.raises(WorkbookError, match=r"style sheet xl/styles\.xml is empty"):
        save_edit(path, WorkbookEdit(REGISTER, [ColumnWrite(11, {2: RECEIVED})]),
                  expected=None)
    assert path.read_bytes() == original


def test_a_serial_in_a_1904_workbook_counts_from_1904(tmp_path: Path) -> None:
    # 受理时间 typed as a bare number: 44,877.396 days after 1904-01-01 is 2026-11-03 09:30.
    serial = (RECEIVED - datetime(1904, 1, 1)).total_seconds() / 86400
    path = _register(tmp_path / "mac.xlsx", date_1904=True, received=serial)
    data = read_workbook(path).data
    assert data.date1904 and isinstance(data.rows[0].values["received_at"], float)
    result = run_check(data, datetime(2026, 11, 24, 9, 0))
    assert result.cases[0].case.received_at == RECEIVED
    formatted = _register(tmp_path / "mac2.xlsx", date_1904=True)  # a date cell: calamine's
    assert read_workbook(formatted).data.rows[0].values["received_at"] == RECEIVED


def test_check_writes_dates_a_1904_workbook_shows_right(tmp_path: Path) -> None:
    path = _register(tmp_path / "mac.xlsx", date_1904=True)
    result = CliRunner().invoke(cli, ["check", str(path), "--as-of", "2026-11-24T09:00"])
    assert result.exit_code in (0, 1), result.output
    data = read_workbook(path).data
    due = data.rows[0].values["due_response"]
    assert isinstance(due, datetime) and RECEIVED < due < datetime(2026, 11, 10)
