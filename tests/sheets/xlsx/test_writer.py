"""The lossless writer, part by part, against a register carrying every feature staff use."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import python_calamine as calamine
from helpers import sheet_rows

from toolkit.errors import WorkbookChangedError, WorkbookError, WorkbookLockedError
from toolkit.register import CellValue
from toolkit.sheets.lock import fingerprint
from toolkit.sheets.xlsx import writer
from toolkit.sheets.xlsx.cells import column_number
from toolkit.sheets.xlsx.worksheet import WS_ORDER, Worksheet
from toolkit.sheets.xlsx.writer import (
    ColumnWrite,
    Highlight,
    OwnedSheet,
    WorkbookEdit,
    save_edit,
)

MakeRegister = Callable[..., Path]
REGISTER = "投诉记录"
SHEET = "xl/worksheets/sheet1.xml"
AG = 33  # first column after the fixture's staff columns A..AF: where toolkit columns go
HEADERS = ["回复时限", "结案时限", "逾期标记", "重复投诉", "有效级别", "校验结果"]
RISKY = {3: "=SUM(A1:A9)", 4: "+86 138 0013 8000", 8: "-1 天", 9: "@所有人 请处理"}
DUE = datetime(2026, 11, 2, 16, 30)


def check_edit(rows: int = 12) -> WorkbookEdit:
    """What `check` writes: six toolkit columns appended, blanks filled, highlights, report."""
    data = range(2, rows + 2)
    cols = [
        ColumnWrite(AG, {1: HEADERS[0], **{r: DUE + timedelta(days=r) for r in data}},
                    number_format="yyyy-mm-dd hh:mm", width=17),
        ColumnWrite(AG + 1, {1: HEADERS[1], **{r: date(2026, 11, r) for r in data}},
                    number_format="yyyy-mm-dd", width=17),
        ColumnWrite(AG + 2, {1: HEADERS[2], 2: "逾期", 5: "即将到期"}, width=16),
        ColumnWrite(AG + 3, {1: HEADERS[3], 7: "重复投诉 2611-0001"}, width=14),
        ColumnWrite(AG + 4, {1: HEADERS[4], **{r: "一般" for r in data}}, width=9),
        ColumnWrite(AG + 5, {1: HEADERS[5], **RISKY, 10: "错误[联系电话] 号码无效"}, width=40),
        ColumnWrite(1, {6: "2611-0005", 11: "2611-0010"}),  # blank 投诉编号 filled
        ColumnWrite(22, {5: "客服部", 9: "客服部", 13: "客服部"}),  # blank 责任部门 filled
    ]
    highlights = [
        Highlight("AI2:AI1048576", 'ISNUMBER(SEARCH("逾期",$AI2))', "FFC7CE", "9C0006"),
        Highlight("AI2:AI1048576", 'ISNUMBER(SEARCH("即将到期",$AI2))', "FFEB9C", "9C5700"),
        Highlight("G2:G1048576", 'ISNUMBER(SEARCH("[联系电话]",$AL2))', "FFC7CE", "9C0006"),
    ]
    report = OwnedSheet(
        "校验报告",
        [["行号", "投诉编号", "列", "级别", "代码", "说明"],
         [10, "2611-0009", "联系电话", "错误", "bad-phone", "号码无效"],
         [4, "2611-0003", "投诉内容", "警告", "formula-text", "=产品开裂 3"],
         [None, None, None, "提示", "generated", datetime(2026, 11, 25, 8, 0)]],
        widths={1: 7, 6: 60}, links={(2, 1): "'投诉记录'!G10", (3, 1): "'投诉记录'!N4"},
        number_formats={6: "yyyy-mm-dd hh:mm"})
    return WorkbookEdit(REGISTER, cols, highlights, [report])


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def split_sheet(xml: str) -> tuple[str, str, str]:
    """(before <sheetData>, sheetData, after it)."""
    start = xml.index("<sheetData")
    end = xml.index("</sheetData>") + len("</sheetData>")
    return xml[:start], xml[start:end], xml[end:]


CELL = re.compile(r'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)


def cells(sheet_data: str) -> dict[tuple[str, int], str]:
    return {(m.group(1), int(m.group(2))): m.group(0) for m in CELL.finditer(sheet_data)}


def must(pattern: str, text: str) -> re.Match[str]:
    m = re.search(pattern, text, re.S)
    assert m, pattern
    return m


def cell_formats(styles: str) -> list[str]:
    """The <xf> start tags of cellXfs, by style index."""
    return re.findall(r"<xf [^>]*?/?>", must(r"<cellXfs.*?</cellXfs>", styles).group(0))


def letter(col: int) -> str:
    return writer.column_letter(col)


rows_of = sheet_rows


def written_cells(edit: WorkbookEdit) -> set[tuple[str, int]]:
    return {(letter(c.column), r) for c in edit.columns for r in c.values}


@pytest.fixture
def book(featured_register: MakeRegister) -> Path:
    return featured_register("投诉台账.xlsm")


# ---------------------------------------------------------------------------
# Nothing lost


def test_every_part_not_meant_to_change_comes_back_byte_for_byte(book: Path) -> None:
    before = parts(book)
    result = save_edit(book, check_edit(), expected=fingerprint(book))
    after = parts(book)
    assert result.changed and result.path == book
    changed = {n for n in before if before[n] != after.get(n)}
    # The register sheet and the style sheet change; the workbook, its relationships and
    # content types only gain the new 校验报告 sheet.
    assert changed == {SHEET, "xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                       "[Content_Types].xml"}
    assert set(after) - set(before) == {"xl/worksheets/sheet4.xml"}
    for name in ("xl/vbaProject.bin", "xl/sharedStrings.xml", "xl/theme/theme1.xml",
                 "xl/calcChain.xml", "xl/ctrlProps/ctrlProp1.xml", "xl/charts/style1.xml",
                 "xl/charts/colors1.xml", "xl/drawings/vmlDrawing1.vml", "xl/media/image1.png",
                 "xl/comments1.xml", "xl/tables/table1.xml", "_rels/.rels",
                 "xl/worksheets/_rels/sheet1.xml.rels", "docProps/app.xml"):
        assert after[name] == before[name], name


def test_register_sheet_keeps_everything_but_the_written_cells(book: Path) -> None:
    old = parts(book)[SHEET].decode()
    edit = check_edit()
    save_edit(book, edit, expected=None)
    new = parts(book)[SHEET].decode()
    old_head, old_data, old_tail = split_sheet(old)
    new_head, new_data, new_tail = split_sheet(new)

    # Before sheetData only the used range and the column widths may change.
    def no_cols(head: str) -> str:
        return re.sub(r"<cols>.*</cols>|<dimension [^>]*/>", "", head)
    assert no_cols(new_head) == no_cols(old_head)
    assert '<dimension ref="A1:AL13"/>' in new_head
    old_cols = must(r"<cols>.*</cols>", old_head).group(0)
    new_cols = must(r"<cols>.*</cols>", new_head).group(0)
    assert new_cols.startswith(old_cols[: -len("</cols>")])
    assert '<col min="33" max="33" width="17.7109375" customWidth="1"/>' in new_cols

    # After sheetData: the toolkit's own highlights are added, nothing else differs — the
    # x14 drop-down, data bar, button <controls>, drawing, comments, filter, links all stay.
    toolkit_cf = re.findall(r'<conditionalFormatting sqref="(?:AI|G)2:\w+1048576">.*?'
                            r"</conditionalFormatting>", new_tail)
    assert len(toolkit_cf) == 2
    stripped = new_tail
    for block in toolkit_cf:
        stripped = stripped.replace(block, "")
    assert stripped == old_tail
    for feature in ('<autoFilter ref="A1:AF13"/>', "<x14:dataValidation ", "<xm:f>部门!$A$2:$A$5",
                    '<cfRule type="dataBar"', "<x14:dataBar ", "<controls>",
                    'macro="[0]!Validate"', "<legacyDrawing ", "<drawing ", "<hyperlink ",
                    '<dataValidation type="list"'):
        assert feature in new_tail, feature
    assert 'state="frozen"' in new_head and 'codeName="Sheet1"' in new_head

    # Every cell not written is byte-identical, staff formulas included.
    old_cells, new_cells = cells(old_data), cells(new_data)
    targets = written_cells(edit)
    for ref, xml in old_cells.items():
        if ref not in targets:
            assert new_cells[ref] == xml, ref
    assert "<f>R2*10</f>" in new_cells[("Z", 2)]
    assert set(new_cells) - set(old_cells) <= targets
    # Row attributes (heights, x14ac:dyDescent) stay; only spans widen to the new columns.
    old_rows = re.findall(r"<row [^>]*>", old_data)
    new_rows = re.findall(r"<row [^>]*>", new_data)
    assert [re.sub(r' spans="[^"]*"', "", r) for r in new_rows] == \
        [re.sub(r' spans="[^"]*"', "", r) for r in old_rows]
    assert 'spans="1:37"' in new_rows[1] and 'spans="1:38"' in new_rows[2]


def test_style_sheet_is_only_appended_to(book: Path) -> None:
    old = parts(book)["xl/styles.xml"].decode()
    save_edit(book, check_edit(), expected=None)
    new = parts(book)["xl/styles.xml"].decode()
    restored = new
    for container in ("numFmts", "fonts", "cellXfs", "dxfs"):
        pattern = rf"<{container} count=\"(\d+)\">(.*?)</{container}>"
        o, n = re.search(pattern, old, re.S), re.search(pattern, new, re.S)
        assert o and n, container
        assert n.group(2).startswith(o.group(2)), container  # existing indexes stay valid
        restored = restored.replace(n.group(0), o.group(0))
    assert restored == old


def test_workbook_part_only_gains_the_new_sheet(book: Path) -> None:
    old = parts(book)["xl/workbook.xml"].decode()
    save_edit(book, check_edit(), expected=None)
    new = parts(book)["xl/workbook.xml"].decode()
    entry = re.search(r'<sheet name="校验报告" sheetId="4" r:id="rId\d+"/>', new)
    assert entry
    assert new.replace(entry.group(0), "") == old  # defined names, code names, views kept
    assert 'codeName="ThisWorkbook"' in new and '<definedName name="部门列表">' in new


def test_xlsm_stays_macro_enabled_with_its_vba_project(book: Path) -> None:
    before = parts(book)
    save_edit(book, check_edit(), expected=None)
    after = parts(book)
    assert book.suffix == ".xlsm"
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in after["[Content_Types].xml"]
    assert b"vbaProject" in after["xl/_rels/workbook.xml.rels"]
    assert [p.name for p in book.parent.iterdir() if p.name.startswith(".")] == [".bak"]


def test_written_values_read_back_and_staff_values_do_not_change(book: Path) -> None:
    old = rows_of(book, REGISTER)
    save_edit(book, check_edit(), expected=None)
    new = rows_of(book, REGISTER)
    assert len(new) == len(old)
    assert new[0][AG - 1:] == HEADERS
    assert new[2][AG - 1] == DUE + timedelta(days=3)
    assert new[2][AG] == date(2026, 11, 3)
    assert new[5][0] == "2611-0005" and new[10][0] == "2611-0010"
    assert new[4][21] == new[8][21] == new[12][21] == "客服部"
    for r, text in RISKY.items():
        assert new[r - 1][AG + 4] == text
    written = written_cells(check_edit())
    for r, (o, n) in enumerate(zip(old, new, strict=True), start=1):
        for c, value in enumerate(o, start=1):
            if (letter(c), r) not in written:
                assert n[c - 1] == value, (letter(c), r)


def test_text_starting_with_formula_characters_stays_text(book: Path) -> None:
    save_edit(book, check_edit(), expected=None)
    data = cells(split_sheet(parts(book)[SHEET].decode())[1])
    for r, text in RISKY.items():
        xml = data[(letter(AG + 5), r)]
        assert "<f>" not in xml and 't="inlineStr"' in xml, xml
        assert f"<t>{text}</t>" in xml or f'<t xml:space="preserve">{text}</t>' in xml
    report = parts(book)["xl/worksheets/sheet4.xml"].decode()
    assert "<f>" not in report and "=产品开裂 3" in report


def test_dates_are_real_date_cells_with_the_asked_format(book: Path) -> None:
    save_edit(book, check_edit(), expected=None)
    data = cells(split_sheet(parts(book)[SHEET].decode())[1])
    styles = parts(book)["xl/styles.xml"].decode()
    xfs = cell_formats(styles)
    formats = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/>', styles))
    for col, code in ((AG, "yyyy-mm-dd hh:mm"), (AG + 1, "yyyy-mm-dd")):
        m = re.fullmatch(r'<c r="\w+" s="(\d+)"><v>([\d.]+)</v></c>', data[(letter(col), 3)])
        assert m, data[(letter(col), 3)]
        fmt_id = must(r'numFmtId="(\d+)"', xfs[int(m.group(1))]).group(1)
        assert formats[fmt_id] == code
    serial = float(must(r"<v>([\d.]+)</v>", data[(letter(AG), 3)]).group(1))
    assert datetime(1899, 12, 30) + timedelta(days=serial) == DUE + timedelta(days=3)


def test_a_rerun_rewrites_identically_and_adds_no_styles(book: Path) -> None:
    save_edit(book, check_edit(), expected=None)
    first = parts(book)
    save_edit(book, check_edit(), expected=None)
    second = parts(book)
    assert second == first  # same cells, same highlights (replaced), same report, same styles
    tail = split_sheet(second[SHEET].decode())[2]
    assert tail.count('sqref="AI2:AI1048576"') == 1
    assert tail.count('<conditionalFormatting sqref="AE2:AE13">') == 1  # staff rule kept


def test_highlights_replace_only_the_toolkits_own_rules(book: Path) -> None:
    save_edit(book, check_edit(), expected=None)
    edit = WorkbookEdit(REGISTER, highlights=[
        Highlight("AI2:AI1048576", '$AI2<>""', "FCE4D6")])
    save_edit(book, edit, expected=None)
    tail = split_sheet(parts(book)[SHEET].decode())[2]
    rules = re.findall(r'<conditionalFormatting sqref="AI2:AI1048576">(.*?)'
                       r"</conditionalFormatting>", tail)
    assert len(rules) == 1 and rules[0].count("<cfRule") == 1 and "&lt;&gt;" in rules[0]
    assert 'sqref="G2:G1048576"' in tail  # a different range is not the same rule
    assert '<cfRule type="dataBar" priority="2">' in tail


def test_owned_sheet_is_replaced_whole(featured_register: MakeRegister) -> None:
    book = featured_register("台账.xlsx", report_sheet=True)
    before = parts(book)
    save_edit(book, check_edit(), expected=None)
    after = parts(book)
    assert after["xl/workbook.xml"] == before["xl/workbook.xml"]  # same sheet, same part
    assert set(after) == set(before)
    rows = rows_of(book, "校验报告")
    assert rows[0] == ["行号", "投诉编号", "列", "级别", "代码", "说明"]
    assert rows[1][:2] == [10, "2611-0009"] and rows[2][5] == "=产品开裂 3"
    assert rows[3][5] == datetime(2026, 11, 25, 8, 0) and len(rows) == 4  # old 29 rows gone
    report = after["xl/worksheets/sheet4.xml"].decode()
    assert 'state="frozen"' in report
    assert '<hyperlink ref="A2" location="\'投诉记录\'!G10"/>' in report
    header_style = int(must(r'<c r="A1" s="(\d+)"', report).group(1))
    styles = after["xl/styles.xml"].decode()
    font = int(must(r'fontId="(\d+)"', cell_formats(styles)[header_style]).group(1))
    assert "<b/>" in re.findall(r"<font>.*?</font>", styles)[font]


def test_register_formatted_as_a_table_keeps_its_table(featured_register: MakeRegister) -> None:
    book = featured_register("台账.xlsx", table=True)
    before = parts(book)
    save_edit(book, check_edit(), expected=None)
    after = parts(book)
    tables = [n for n in before if n.startswith("xl/tables/")]
    assert len(tables) == 2 and all(after[t] == before[t] for t in tables)
    assert "<tableParts count=\"1\">" in after[SHEET].decode()
    assert rows_of(book, REGISTER)[5][0] == "2611-0005"  # a blank filled inside the table


def test_writing_a_table_header_cell_is_refused(featured_register: MakeRegister) -> None:
    book = featured_register("台账.xlsx", table=True)
    original = book.read_bytes()
    with pytest.raises(WorkbookError, match="belongs to the table"):
        save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(3, {1: "渠道"})]), expected=None)
    assert book.read_bytes() == original


def test_empty_edit_touches_nothing(book: Path) -> None:
    st = book.stat()
    result = save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, {})]), expected=None)
    assert not result.changed and result.backup is None
    assert book.stat().st_mtime_ns == st.st_mtime_ns and not (book.parent / ".bak").exists()


def test_clearing_a_cell_keeps_its_format(book: Path) -> None:
    save_edit(book, check_edit(), expected=None)
    save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, {3: None}),
                                            ColumnWrite(AG + 2, {2: None})]), expected=None)
    data = cells(split_sheet(parts(book)[SHEET].decode())[1])
    assert re.fullmatch(r'<c r="AG3" s="\d+"/>', data[("AG", 3)])  # the date format stays
    assert ("AI", 2) not in data  # a cell with no format goes
    assert rows_of(book, REGISTER)[2][AG - 1] == ""


def test_text_is_escaped_for_xml_and_excel(book: Path) -> None:
    texts: dict[int, CellValue] = {
        2: "<b>&amp; 客户说\"不行\"</b>", 3: "  前后空格  ", 4: "第一行\n第二行",
        5: "_x0041_ 不是 A", 6: "响铃\x07字符"}
    save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, texts)]), expected=None)
    back = rows_of(book, REGISTER)
    for r in (2, 3, 4):
        assert back[r - 1][AG - 1] == texts[r]
    data = cells(split_sheet(parts(book)[SHEET].decode())[1])
    assert "_x005F_x0041_" in data[("AG", 5)] and "_x0007_" in data[("AG", 6)]


def test_text_longer_than_a_cell_is_cut_in_utf16_units_with_a_visible_mark(book: Path) -> None:
    from toolkit.sheets.xlsx.cells import MAX_TEXT, excel_length

    texts: dict[int, CellValue] = {2: "😀" * 16_386, 3: "字" * MAX_TEXT, 4: "a" + "😀" * 16_383}
    save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, texts)]), expected=None)
    back = rows_of(book, REGISTER)
    emoji = back[1][AG - 1]
    assert excel_length(emoji) <= MAX_TEXT and emoji == "😀" * 16_383 + "…"
    assert back[2][AG - 1] == texts[3]  # exactly the limit: kept whole
    assert back[3][AG - 1] == texts[4]  # 32,767 units with an emoji at the very end


def test_times_and_durations_are_numbers_with_time_formats(book: Path) -> None:
    save_edit(book, WorkbookEdit(REGISTER, [
        ColumnWrite(AG, {2: time(16, 30), 3: timedelta(hours=30, minutes=15)}),
        ColumnWrite(AG + 1, {2: time(9, 0)}, number_format="h:mm AM/PM")]), expected=None)
    sheet = parts(book)[SHEET].decode()
    styles = parts(book)["xl/styles.xml"].decode()
    formats = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/>', styles))
    data = cells(split_sheet(sheet)[1])
    for ref, serial, code in ((("AG", 2), "0.6875", "hh:mm"), (("AG", 3), "1.2604166666666667",
                                                              "[h]:mm"),
                              (("AH", 2), "0.375", "h:mm AM/PM")):
        m = must(r's="(\d+)"><v>([\d.]+)</v>', data[ref])
        assert m.group(2) == serial
        fmt = must(r'numFmtId="(\d+)"', cell_formats(styles)[int(m.group(1))]).group(1)
        assert formats[fmt] == code


def test_rows_missing_from_the_sheet_are_inserted_in_order(book: Path) -> None:
    save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(2, {20: datetime(2026, 12, 1, 8, 0)}),
                                            ColumnWrite(AG, {15: "十五", 40: "四十"})]),
              expected=None)
    rows = re.findall(r'<row r="(\d+)"', parts(book)[SHEET].decode())
    assert [int(r) for r in rows] == sorted(int(r) for r in rows)
    back = rows_of(book, REGISTER)
    assert back[14][AG - 1] == "十五" and back[39][AG - 1] == "四十"
    assert back[19][1] == datetime(2026, 12, 1, 8, 0)


def test_unsupported_values_are_refused_before_anything_is_written(book: Path) -> None:
    original = book.read_bytes()
    for value in (float("nan"), object(), datetime(1850, 1, 1)):
        with pytest.raises(WorkbookError, match="cannot write AG2"):
            save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: value})]),  # type: ignore[dict-item]
                      expected=None)
    with pytest.raises(WorkbookError, match="no worksheet named 台账"):
        save_edit(book, WorkbookEdit("台账", [ColumnWrite(AG, {2: "x"})]), expected=None)
    assert book.read_bytes() == original and not (book.parent / ".bak").exists()


# ---------------------------------------------------------------------------
# Formulas the writer must not break


def _with_shared_formula(book: Path) -> None:
    """Put a shared formula in AG2:AG4 (master AG2), as Excel stores a filled-down formula."""
    data = parts(book)
    xml = data[SHEET].decode()
    for r, f in ((2, '<f t="shared" ref="AG2:AG4" si="0">R2*2</f>'), (3, '<f t="shared" si="0"/>'),
                 (4, '<f t="shared" si="0"/>')):
        after_af = must(rf'<c r="AF{r}"[^>]*>.*?</c>', xml).end()
        xml = xml[:after_af] + f'<c r="AG{r}">{f}<v>{2 * (r - 1)}</v></c>' + xml[after_af:]
    data[SHEET] = xml.encode()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in data.items():
            z.writestr(name, content)


def _with_array_formula(book: Path) -> None:
    """An array formula over AG2:AG3: AG3 holds only a value, the formula sits in AG2."""
    data = parts(book)
    xml = data[SHEET].decode()
    for r, body in ((2, '<f t="array" ref="AG2:AG3">R2:R3*2</f><v>2</v>'), (3, "<v>4</v>")):
        after_af = must(rf'<c r="AF{r}"[^>]*>.*?</c>', xml).end()
        xml = xml[:after_af] + f'<c r="AG{r}">{body}</c>' + xml[after_af:]
    data[SHEET] = xml.encode()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in data.items():
            z.writestr(name, content)


@pytest.mark.parametrize(("make", "write", "ref"), [
    (_with_shared_formula, {2: "x"}, "AG2:AG4"),  # the master: AG3 and AG4 would lose it
    (_with_array_formula, {3: "x"}, "AG2:AG3"),  # a cell inside an array formula's range
])
def test_overwriting_part_of_a_multi_cell_formula_is_refused(
        book: Path, make: Callable[[Path], None], write: dict[int, CellValue], ref: str) -> None:
    make(book)
    original = book.read_bytes()
    with pytest.raises(WorkbookError, match=f"one formula spans {ref} there"):
        save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, write)]), expected=None)
    assert book.read_bytes() == original


def test_overwriting_a_whole_formula_drops_the_calculation_chain(book: Path) -> None:
    _with_shared_formula(book)
    save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: "a", 3: "b", 4: "c"})]),
              expected=None)
    after = parts(book)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert [r[AG - 1] for r in rows_of(book, REGISTER)[1:4]] == ["a", "b", "c"]


# ---------------------------------------------------------------------------
# Atomic save, backups


def test_a_failure_half_way_leaves_the_original_intact(book: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    original = book.read_bytes()
    real = zipfile.ZipFile.writestr
    written: list[str] = []

    def failing(self: zipfile.ZipFile, info: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        written.append(getattr(info, "filename", info))
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        real(self, info, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(WorkbookError, match="the disk is full; it was left unchanged"):
        save_edit(book, check_edit(), expected=fingerprint(book))
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]  # no temp, no backup


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX meaning of PermissionError")
def test_a_refused_replace_is_a_permissions_problem_and_leaves_no_trace(
        book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = book.read_bytes()

    def refuse(src: Any, dst: Any) -> bool:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(writer, "install", refuse)
    with pytest.raises(WorkbookError, match="permission denied replacing the workbook") as caught:
        save_edit(book, check_edit(), expected=None)
    assert not isinstance(caught.value, WorkbookLockedError)
    assert "Excel" not in str(caught.value)
    assert book.read_bytes() == original
    assert not [p for p in book.parent.rglob("*") if writer._TEMP_MARK in p.name]
    assert not list((book.parent / ".bak").iterdir())  # nothing written: no backup


def test_only_a_sharing_violation_says_in_use(book: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    class SharingViolation(PermissionError):
        winerror = 32  # what Windows says when Excel holds the file open

    def refuse(src: Any, dst: Any) -> bool:
        raise SharingViolation(13, "The process cannot access the file")

    original = book.read_bytes()
    monkeypatch.setattr(writer, "install", refuse)
    with pytest.raises(WorkbookLockedError, match=r"in use by another program \(Excel\?\); "
                                                  "close it and run again"):
        save_edit(book, check_edit(), expected=None)
    assert book.read_bytes() == original


def test_a_failed_check_of_the_written_file_leaves_the_original_intact(book: Path) -> None:
    original = book.read_bytes()
    seen: list[Path] = []

    def verify(tmp: Path) -> None:
        seen.append(tmp)
        assert tmp.parent == book.parent and tmp.suffix == ".xlsm" and tmp.name.startswith(".")
        assert rows_of(tmp, REGISTER)[0][AG - 1] == HEADERS[0]
        raise ValueError("report sheet missing")

    with pytest.raises(WorkbookError, match="failed a check \\(report sheet missing\\)"):
        save_edit(book, check_edit(), expected=None, verify=verify)
    assert seen and not seen[0].exists()
    assert book.read_bytes() == original


KILLER = """
import sys, time, zipfile
from pathlib import Path
sys.path[:0] = [{tests!r}, str(Path({tests!r}).parents[1])]
from test_writer import check_edit
from toolkit.sheets.xlsx.writer import save_edit
real = zipfile.ZipFile.writestr
count = [0]
def slow(self, *args, **kwargs):
    count[0] += 1
    if count[0] == 4:
        print("writing", flush=True)
        time.sleep(60)
    return real(self, *args, **kwargs)
zipfile.ZipFile.writestr = slow
save_edit(Path({book!r}), check_edit(), expected=None)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
def test_a_process_killed_while_writing_leaves_the_original_intact(book: Path) -> None:
    original = book.read_bytes()
    script = KILLER.format(tests=str(Path(__file__).parent), book=str(book))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parents[3])
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "writing"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
    assert book.read_bytes() == original
    assert rows_of(book, REGISTER)[0][0] == "投诉编号"
    leftovers = [p for p in book.parent.iterdir() if writer._TEMP_MARK in p.name]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".")
    # The next save clears the temporary file of the dead run at once, whatever its age.
    save_edit(book, check_edit(), expected=None)
    assert not leftovers[0].exists()


def test_backups_keep_the_newest_copies_of_this_workbook_only(
        book: Path, featured_register: MakeRegister) -> None:
    other = featured_register("另一本台账.xlsm")
    save_edit(other, check_edit(), expected=None, backups=2)
    versions = []
    for i in range(5):
        versions.append(book.read_bytes())
        edit = WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: f"第{i}次"})])
        result = save_edit(book, edit, expected=fingerprint(book), backups=3)
        assert result.backup is not None, i
        assert result.backup.exists(), (i, sorted(p.name for p in result.backup.parent.iterdir()))
        assert result.backup.read_bytes() == versions[-1]
        assert re.fullmatch(r"投诉台账\.\d{8}-\d{6}(-\d+)?\.xlsm", result.backup.name)
    folder = book.parent / ".bak"
    mine = sorted(p for p in folder.iterdir() if p.name.startswith("投诉台账."))
    assert sorted(p.read_bytes() for p in mine) == sorted(versions[-3:])
    assert len([p for p in folder.iterdir() if p.name.startswith("另一本台账.")]) == 1
    assert save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: "x"})]),
                     expected=None, backups=0).backup is None


# ---------------------------------------------------------------------------
# Refusals


def test_refuses_while_excel_has_the_workbook_open(book: Path) -> None:
    owner = book.parent / ("~$" + book.name)
    owner.write_bytes(b"\x04EXCL" + b" " * 160)
    original = book.read_bytes()
    with pytest.raises(WorkbookLockedError) as caught:
        save_edit(book, check_edit(), expected=fingerprint(book))
    assert caught.value.exit_code == 2
    assert str(book) in str(caught.value) and "close it in Excel and run again" in str(caught.value)
    assert book.read_bytes() == original
    assert rows_of(book, REGISTER)[0][0] == "投诉编号"  # reading still works


def test_refuses_when_someone_saved_since_it_was_read(book: Path) -> None:
    seen = fingerprint(book)
    save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: "同事保存的"})]), expected=None)
    theirs = book.read_bytes()
    with pytest.raises(WorkbookChangedError, match="someone saved the workbook since it was "
                                                   "read; run again") as caught:
        save_edit(book, check_edit(), expected=seen)
    assert caught.value.exit_code == 2 and str(book) in str(caught.value)
    assert book.read_bytes() == theirs


def test_refuses_when_someone_saves_while_it_is_being_written(book: Path) -> None:
    theirs: list[bytes] = []

    def colleague_saves(tmp: Path) -> None:
        save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: "同事"})]), expected=None)
        theirs.append(book.read_bytes())

    with pytest.raises(WorkbookChangedError):
        save_edit(book, check_edit(), expected=fingerprint(book), verify=colleague_saves)
    assert book.read_bytes() == theirs[0]


def test_refuses_when_excel_opens_it_while_it_is_being_written(book: Path) -> None:
    original = book.read_bytes()

    def excel_opens(tmp: Path) -> None:
        (book.parent / ("~$" + book.name)).write_bytes(b"\x02WF")

    with pytest.raises(WorkbookLockedError):
        save_edit(book, check_edit(), expected=fingerprint(book), verify=excel_opens)
    assert book.read_bytes() == original


def test_an_internal_error_is_a_clear_error_and_changes_nothing(
        book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = book.read_bytes()

    def broken(self: Any, highlights: Any) -> None:
        raise IndexError("list index out of range")

    monkeypatch.setattr(Worksheet, "set_highlights", broken)
    with pytest.raises(WorkbookError, match="internal error: IndexError.*left unchanged"):
        save_edit(book, check_edit(), expected=None)
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_a_symlinked_workbook_is_written_through_the_link(book: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.xlsm"
    link.symlink_to(book)
    save_edit(link, check_edit(), expected=fingerprint(link))
    assert link.is_symlink()
    assert rows_of(book, REGISTER)[0][AG - 1] == HEADERS[0]


def test_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(WorkbookError, match="damaged or not an Excel workbook"):
        save_edit(bad, WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: "x"})]), expected=None)
    assert bad.read_bytes() == b"PK\x03\x04 not really a zip"


# ---------------------------------------------------------------------------
# An independent reader


@pytest.mark.libreoffice
def test_libreoffice_opens_the_written_workbook(book: Path, libreoffice: Any,
                                                tmp_path: Path) -> None:
    save_edit(book, check_edit(), expected=None)
    sheets = libreoffice.sheets_as_csv(book, tmp_path / "csv")
    register = sheets[REGISTER]
    assert register[0][AG - 1:] == HEADERS
    assert register[2][AG - 1] == "2026-11-05 16:30"  # shown with the written date format
    assert register[2][AG] == "2026-11-03"
    assert register[5][0] == "2611-0005" and register[4][21] == "客服部"
    for r, text in RISKY.items():
        assert register[r - 1][AG + 4] == text  # text, not a formula result
    assert register[1][25] == "10.00"  # the staff formula still calculates
    assert sheets["校验报告"][2][5] == "=产品开裂 3"
    assert set(sheets) == {REGISTER, "部门", "设置", "校验报告"}


# ---------------------------------------------------------------------------
# Workbooks from other programs, and the schema's element order


def top_level(xml: str) -> list[str]:
    """Local names of the root's children, AlternateContent named by what it wraps."""
    body = xml[xml.index(">", xml.index("<worksheet")) + 1: xml.rindex("</worksheet>")]
    body = re.sub(r"<sheetData>.*</sheetData>|<sheetData/>", "<sheetData/>", body, flags=re.S)
    names, depth = [], 0
    for m in re.finditer(r"<(/?)([\w:]+)[^>]*?(/?)>", body):
        closing, name, empty = m.groups()
        if closing:
            depth -= 1
        elif depth == 0:
            local = name.split(":")[-1]
            if local == "AlternateContent":
                local = must(r"<(?:\w+:)?(controls|oleObjects)\b", body[m.end():]).group(1)
            names.append(local)
            depth += 0 if empty else 1
        elif not empty:
            depth += 1
    return names


def assert_schema_order(xml: str) -> None:
    names = top_level(xml)
    ranks = [WS_ORDER.index(n.encode()) for n in names]
    assert ranks == sorted(ranks), names


def test_written_sheet_keeps_the_schemas_element_order(book: Path) -> None:
    save_edit(book, check_edit(), expected=None)
    for part in (SHEET, "xl/worksheets/sheet4.xml"):
        assert_schema_order(parts(book)[part].decode())


def test_a_bare_sheet_gets_its_columns_and_highlights_in_schema_order(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "bare.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(REGISTER)
    ws.write_row(0, 0, ["投诉编号", "状态"])
    ws.write_row(1, 0, ["2611-0001", "新建"])
    ws.set_header("&C投诉台账")  # a headerFooter after where the highlights go
    wb.close()
    save_edit(path, WorkbookEdit(REGISTER, [ColumnWrite(3, {1: "校验结果", 2: "=1"}, width=40)],
                                 [Highlight("C2:C1048576", 'C2<>""', "FFC7CE")]), expected=None)
    xml = parts(path)[SHEET].decode()
    assert_schema_order(xml)
    assert "<cols>" in xml and "<conditionalFormatting" in xml
    assert rows_of(path, REGISTER)[1] == ["2611-0001", "新建", "=1"]


@pytest.mark.parametrize("producer", [
    "openpyxl", pytest.param("libreoffice", marks=pytest.mark.libreoffice)])
def test_workbooks_saved_by_other_programs(featured_register: MakeRegister, producer: str,
                                           request: pytest.FixtureRequest,
                                           tmp_path: Path) -> None:
    source = featured_register("台账.xlsx")
    if producer == "openpyxl":
        import warnings

        import openpyxl

        with warnings.catch_warnings():  # it warns that it drops the x14 parts: expected here
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(source)
        wb.save(source)
        book = source
    else:
        lo = request.getfixturevalue("libreoffice")
        out = tmp_path / "lo"
        subprocess.run([lo.soffice, f"-env:UserInstallation={lo.profile.as_uri()}", "--headless",
                        "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                       capture_output=True, timeout=180, check=True)
        book = out / source.name
    old = rows_of(book, REGISTER)
    save_edit(book, check_edit(), expected=fingerprint(book))
    new = rows_of(book, REGISTER)
    sheet = next(n for n in parts(book) if n.startswith("xl/worksheets/sheet1"))
    assert_schema_order(parts(book)[sheet].decode())
    assert new[0][AG - 1:] == HEADERS and new[5][0] == "2611-0005"
    assert new[2][AG - 1] == DUE + timedelta(days=3)
    assert [r[:AG - 1] for r in new[1:4]] == [
        [v if (letter(c), r) not in written_cells(check_edit()) else v2
         for c, (v, v2) in enumerate(zip(o, n[:AG - 1], strict=False), start=1)]
        for r, (o, n) in enumerate(zip(old[1:4], new[1:4], strict=True), start=2)]


def test_a_new_sheet_goes_after_chart_and_hidden_sheets(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "charts.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet(REGISTER).write_row(0, 0, ["投诉编号", "数量"])
    wb.add_worksheet("隐藏").hide()
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": f"='{REGISTER}'!$B$1:$B$1"})
    wb.add_chartsheet("图表").set_chart(chart)
    wb.close()
    before = parts(path)
    stats = OwnedSheet("月度统计", [["月份"], ["2026-11"]])
    save_edit(path, WorkbookEdit(REGISTER, owned_sheets=[stats]), expected=None)
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        assert book.sheet_names == [REGISTER, "隐藏", "图表", "月度统计"]
    finally:
        book.close()
    after = parts(path)
    assert all(after[n] == before[n] for n in before
               if n not in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                            "xl/styles.xml"))
    with pytest.raises(WorkbookError, match="not an ordinary worksheet"):
        save_edit(path, WorkbookEdit(REGISTER, owned_sheets=[OwnedSheet("图表", [["x"]])]),
                  expected=None)


def test_cells_inserted_inside_a_row_keep_column_order(book: Path) -> None:
    # 责任部门 (column V) is blank in the fixture: the filled value goes between cells.
    save_edit(book, check_edit(), expected=None)
    sheet_data = split_sheet(parts(book)[SHEET].decode())[1]
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet_data):
        refs = re.findall(r'<c r="([A-Z]+)\d+"', row)
        numbers = [column_number(ref) for ref in refs]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), refs


NS_WB_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _respell_workbook(xml: str, spelling: str) -> str:
    """workbook.xml as other programs spell it: openpyxl (with lxml) and Open XML SDK programs
    declare r: on each <sheet>; tealeg/xlsx calls it ns:, also per <sheet>; ClosedXML and
    others prefix SpreadsheetML with x:."""
    xml = xml.replace(f' xmlns:r="{NS_WB_REL}"', "", 1)
    prefix = "ns" if spelling == "tealeg" else "r"
    xml = re.sub(r"<sheet (.*?) r:id=", lambda m: f'<sheet xmlns:{prefix}="{NS_WB_REL}" '
                 f"{m.group(1)} {prefix}:id=", xml)
    assert "r:" not in xml.replace("xmlns:r=", "").replace(" r:id=", "")
    if spelling == "prefixed":
        xml = re.sub(r"<(/?)(?=[A-Za-z])", r"<\1x:", xml).replace('xmlns="', 'xmlns:x="', 1)
    return xml


@pytest.mark.parametrize("spelling", ["openpyxl", "tealeg", "prefixed"])
def test_a_new_sheet_follows_the_files_namespace_spelling(featured_register: MakeRegister,
                                                          spelling: str) -> None:
    import openpyxl
    from defusedxml import ElementTree
    from helpers import write_parts

    book = featured_register("台账.xlsx")
    files = parts(book)
    files["xl/workbook.xml"] = _respell_workbook(files["xl/workbook.xml"].decode(),
                                                 spelling).encode()
    ElementTree.fromstring(files["xl/workbook.xml"])  # the respelled original is sound
    write_parts(book, files)
    save_edit(book, check_edit(), expected=fingerprint(book))
    after = parts(book)
    root = ElementTree.fromstring(after["xl/workbook.xml"])  # namespace-aware: no unbound r:
    ids = [s.get(f"{{{NS_WB_REL}}}id") for s in root.iter(
        "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet")]
    assert len(ids) == 4 and all(ids)
    rels = after["xl/_rels/workbook.xml.rels"].decode()
    assert all(f'Id="{i}"' in rels for i in ids)
    wb = openpyxl.load_workbook(book, read_only=True)  # strict about namespaces
    try:
        assert wb.sheetnames[-1] == "校验报告"
        assert next(wb["校验报告"].iter_rows(values_only=True))[0] == "行号"
    finally:
        wb.close()


def test_a_workbook_saved_by_openpyxl_with_lxml_gets_a_sound_new_sheet(tmp_path: Path) -> None:
    """openpyxl declares r: on each <sheet> when lxml is installed (python-docx brings it)."""
    pytest.importorskip("lxml", reason="openpyxl writes the per-sheet spelling only with lxml")
    import openpyxl
    from defusedxml import ElementTree

    path = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = REGISTER
    ws.append(["投诉编号", "受理时间"])
    ws.append(["2611-0001", datetime(2026, 11, 3, 9, 30)])
    wb.save(path)
    assert b'<sheet xmlns:r="' in parts(path)["xl/workbook.xml"]
    save_edit(path, WorkbookEdit(REGISTER, [ColumnWrite(3, {1: "回复时限", 2: DUE})],
                                 owned_sheets=[OwnedSheet("校验报告", [["行号"], [2]])]),
              expected=fingerprint(path))
    ElementTree.fromstring(parts(path)["xl/workbook.xml"])
    again = openpyxl.load_workbook(path)
    assert again.sheetnames == [REGISTER, "校验报告"]
    assert again[REGISTER]["C2"].value == DUE


def test_rows_and_cells_follow_the_spelling_inside_sheet_data(tmp_path: Path) -> None:
    """A sheet whose root is x:-prefixed while sheetData declares the namespace as default:
    written cells go into the existing rows, spelled as their neighbours."""
    import xlsxwriter
    from defusedxml import ElementTree
    from helpers import write_parts

    path = tmp_path / "mixed.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(REGISTER)
    ws.write_row(0, 0, ["投诉编号", "状态"])
    ws.write_row(1, 0, ["2611-0001", "新建"])
    wb.close()
    files = parts(path)
    xml = files[SHEET].decode()
    head, rest = xml.split("<sheetData>", 1)
    data, tail = rest.split("</sheetData>", 1)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def prefixed(text: str) -> str:
        return re.sub(r"<(/?)(?=[A-Za-z])", r"<\1x:", text)

    files[SHEET] = (prefixed(head).replace(f'xmlns="{main}"', f'xmlns:x="{main}"', 1)
                    + f'<x:sheetData xmlns="{main}">' + data + "</x:sheetData>"
                    + prefixed(tail)).encode()
    ElementTree.fromstring(files[SHEET])
    write_parts(path, files)
    save_edit(path, WorkbookEdit(REGISTER, [ColumnWrite(3, {1: "校验结果", 2: "通过"}),
                                            ColumnWrite(1, {4: "2611-0003"})]), expected=None)
    written = parts(path)[SHEET].decode()
    ElementTree.fromstring(written)
    assert written.count('<row r="2"') == 1 and "<x:row" not in written
    assert '<c r="C2" t="inlineStr"><is><t>通过</t></is></c>' in written
    assert rows_of(path, REGISTER) == [["投诉编号", "状态", "校验结果"],
                                       ["2611-0001", "新建", "通过"], ["", "", ""],
                                       ["2611-0003", "", ""]]
