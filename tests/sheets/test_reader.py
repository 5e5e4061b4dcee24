from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from helpers import good_row, make_register
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import WorkbookError
from toolkit.sheets.reader import read_workbook


def test_reads_rows_by_header_in_any_order(tmp_path: Path) -> None:
    keys = ["status", "description", "severity", "category", "phone", "customer", "receiver",
            "received_at", "case_id"]
    path = make_register(tmp_path / "r.xlsx", [good_row(), good_row(case_id="2611-0002")],
                         keys=keys)
    data = read_workbook(path).data
    assert data.register_sheet == "投诉记录"
    assert [r.row for r in data.rows] == [2, 3]
    assert data.rows[1].get("case_id") == "2611-0002"
    assert data.rows[0].get("received_at") == datetime(2026, 11, 3, 9, 30)
    assert data.headers.index["status"] == 0


def test_english_headers_and_unknown_columns(tmp_path: Path) -> None:
    headers = ["Case ID", "Received", "Received by", "Customer", "Phone", "Category",
               "Severity", "Description", "Status", "客户经理"]
    path = make_register(tmp_path / "r.xlsx", [good_row()], headers=headers,
                         keys=["case_id", "received_at", "receiver", "customer", "phone",
                               "category", "severity", "description", "status", "x"])
    data = read_workbook(path).data
    assert data.headers.header("case_id") == "Case ID"
    assert data.headers.unknown == [(9, "客户经理")]


def test_register_found_by_headers_on_another_sheet(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row()], sheet="2026年投诉台账")
    assert read_workbook(path).data.register_sheet == "2026年投诉台账"


def test_missing_required_headers_named(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", keys=["case_id", "received_at", "customer"])
    with pytest.raises(WorkbookError, match="受理人.*联系电话") as e:
        read_workbook(path)
    assert e.value.exit_code == 2


def test_header_in_a_later_row_is_explained(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "投诉记录"
    ws.append(["2026年客户投诉台账"])
    ws.append(["投诉编号", "受理时间", "受理人", "客户名称", "联系电话", "投诉类别", "投诉级别",
               "投诉内容", "状态"])
    wb.save(tmp_path / "r.xlsx")
    with pytest.raises(WorkbookError, match="headers are in row 2"):
        read_workbook(tmp_path / "r.xlsx")


def test_blank_rows_and_formatting_to_the_last_row_are_skipped(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row()])
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.cell(row=1048576, column=1).number_format = "@"
    ws.cell(row=10, column=2, value="2026-11-05 10:00")
    wb.save(path)
    data = read_workbook(path).data
    assert [r.row for r in data.rows] == [2, 10]


def test_toolkit_only_rows_are_not_cases(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row(), {"check": "错误 …"}],
                         keys=[*good_row(), "check"])
    data = read_workbook(path).data
    assert [r.row for r in data.rows] == [2]
    assert [r.row for r in data.toolkit_only_rows] == [3]


def test_midnight_dates_are_datetimes_and_empty_strings_none(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row(received_at=datetime(2026, 11, 3),
                                                        phone="")])
    row = read_workbook(path).data.rows[0]
    assert row.get("received_at") == datetime(2026, 11, 3)
    assert isinstance(row.get("received_at"), datetime)
    assert row.get("phone") is None


def test_rule_sheets_are_read(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row()], extra_sheets={
        "分派规则": [["类别", "关键词", "客户类型", "责任部门"], ["*", "安装", None, "技术部"]],
        "设置": [["项目", "值"], ["截止时间", "17:00"]],
    })
    sheets = read_workbook(path).data.rule_sheets
    assert set(sheets) == {"分派规则", "设置"}
    assert sheets["分派规则"].rows == [(2, ["*", "安装", None, "技术部"])]


@pytest.mark.parametrize("content, match", [
    (b"", "empty"),
    (b"not a zip at all", "damaged or not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, r"old-format \.xls"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"), "password"),
])
def test_bad_files_give_one_line_errors(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(WorkbookError, match=match) as e:
        read_workbook(path)
    assert "\n" not in str(e.value) and str(path) in str(e.value)


def test_wrong_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="no such file"):
        read_workbook(tmp_path / "none.xlsx")
    (tmp_path / "r.csv").write_text("a,b")
    with pytest.raises(WorkbookError, match=r"\.xlsx and \.xlsm"):
        read_workbook(tmp_path / "r.csv")


def test_zip_without_workbook_part(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "r.xlsx", "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(WorkbookError, match="no xl/workbook.xml"):
        read_workbook(tmp_path / "r.xlsx")


def test_merged_cells_are_refused(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row(), good_row(case_id="2611-0002")])
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("D2:D3")
    wb.save(path)
    with pytest.raises(WorkbookError, match="D2:D3 .*merged"):
        read_workbook(path)


def test_empty_workbook_has_no_register(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "r.xlsx")
    with pytest.raises(WorkbookError, match="no register sheet"):
        read_workbook(tmp_path / "r.xlsx")


def test_formulas_never_calculated_are_refused(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row(case_id='=TEXT(B2,"YYMM")&"-0001"')])
    wb = openpyxl.load_workbook(path)
    wb.active["A2"].data_type = "f"  # as a script writes it: a formula with no stored value
    wb.save(path)
    with pytest.raises(WorkbookError, match="A2 holds a formula that was never calculated"):
        read_workbook(path)


def test_a_formula_that_calculated_to_empty_text_is_fine(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row()])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(
        b"</row></sheetData>", b'<c r="J2" t="str"><f>IF(A2="","",A2)</f><v></v></c></row>'
        b"</sheetData>", 1)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert len(read_workbook(path).data.rows) == 1


def test_calculated_formulas_read_as_their_values(tmp_path: Path, libreoffice) -> None:  # type: ignore[no-untyped-def]
    path = make_register(tmp_path / "r.xlsx", [good_row(receiver='="王"&"丽"')])
    wb = openpyxl.load_workbook(path)
    wb.active["C2"].data_type = "f"
    wb.save(path)
    # LibreOffice calculates and saves it, as a person opening it in Excel would.
    import subprocess
    out = tmp_path / "saved"
    subprocess.run([libreoffice.soffice, f"-env:UserInstallation={libreoffice.profile.as_uri()}",
                    "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    assert read_workbook(out / "r.xlsx").data.rows[0].get("receiver") == "王丽"


def test_merged_cells_are_refused_on_a_register_found_by_its_headers(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row(), good_row(case_id="2611-0002")],
                         sheet="2026年投诉台账")
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("D2:D3")
    wb.save(path)
    with pytest.raises(WorkbookError, match="2026年投诉台账: .*D2:D3"):
        read_workbook(path)


_CF = (b'<conditionalFormatting sqref="A2:A9"><cfRule type="expression" priority="1">'
       b'<formula>ISNUMBER(SEARCH("x",$A2))</formula></cfRule></conditionalFormatting>')


@pytest.mark.parametrize("chunk", [3, 7, 64, 1 << 22])
@pytest.mark.parametrize(("cells", "after", "expected"), [
    (b'<c r="A1" t="s"><v>0</v></c>', _CF, False),  # the toolkit's highlights hold <formula>
    (b'<c r="A1"><f>1+1</f><v>2</v></c>', b"", True),
    (b'<x:c r="A1"><x:f>1+1</x:f><x:v>2</x:v></x:c>', b"", True),
    (b'<c r="A1" t="s"><v>0</v></c>', b"<extLst><x14:cf><xm:f>A1</xm:f></x14:cf></extLst>", False),
])
def test_the_formula_prescan_reads_the_cells_only(
    tmp_path: Path, chunk: int, cells: bytes, after: bytes, expected: bool
) -> None:
    from toolkit.sheets.reader import _may_hold_formulas

    prefix = b"x:" if cells.startswith(b"<x:") else b""
    xml = (b'<worksheet xmlns="main"><sheetFormatPr defaultRowHeight="15"/><' + prefix
           + b'sheetData><' + prefix + b'row r="1">' + cells + b"</" + prefix + b"row></"
           + prefix + b"sheetData>" + after + b"</worksheet>")
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sheet.xml", xml)
    with zipfile.ZipFile(path) as z:
        assert _may_hold_formulas(z, "sheet.xml", chunk) is expected


_CELLS = st.sampled_from(["", "", None, "x", 0, 1.5, "  ", datetime(2026, 11, 3)])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_rows_sorted_over_the_whole_register_as_one_by_one(data: st.DataObject) -> None:
    # Which rows are kept, which are toolkit leftovers and the last column used: the counting
    # over the whole register (reader._sort_rows) against the plain row-by-row loop.
    from toolkit.register import BY_KEY, HeaderMap
    from toolkit.sheets import reader

    keys = data.draw(st.lists(st.sampled_from([*BY_KEY]), min_size=1, max_size=10,
                              unique=True))
    spare = data.draw(st.integers(0, 3))  # columns no header names
    names = [BY_KEY[k].zh for k in keys] + [f"备注{i}" for i in range(spare)]
    headers = HeaderMap.from_row(names)
    width = len(names) + data.draw(st.integers(0, 2))
    grid = [names + [""] * (width - len(names))]
    for _ in range(data.draw(st.integers(0, 12))):
        row = [data.draw(_CELLS) for _ in range(width)]
        if data.draw(st.booleans()):  # mostly blank, maybe a toolkit value
            row = [v if data.draw(st.integers(0, 4)) == 0 else "" for v in row]
        grid.append(row)
    fast = reader._sort_rows(grid, headers)
    slow = reader._sort_rows_one_by_one(grid, headers)
    assert fast[0] == slow[0] and fast[1] == slow[1] and fast[3] == slow[3]
    assert [(r.row, r.values) for r in fast[2]] == [(r.row, r.values) for r in slow[2]]
