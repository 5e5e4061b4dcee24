"""The fast reader: the register and rule sheets of a workbook, read once with python-calamine."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

import python_calamine as calamine

from toolkit.errors import WorkbookError, bilingual
from toolkit.layout import REGISTER_SHEET, REPORT_SHEET, RULE_SHEETS
from toolkit.register import (
    BY_KEY,
    REQUIRED_HEADERS,
    CellValue,
    HeaderMap,
    RawRow,
    RegisterData,
    RegisterRows,
    RuleSheet,
    column_for_header,
    column_letter,
    normalise_cell,
)
from toolkit.sheets.bookview import BookInfo, apply_corrections, corrections, open_book
from toolkit.sheets.damage import damaged_error
from toolkit.sheets.halves import parse_in_halves
from toolkit.sheets.limits import check_unpacked
from toolkit.sheets.lock import Fingerprint, fingerprint

log = logging.getLogger("toolkit.sheets")

SUFFIXES = (".xlsx", ".xlsm")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


@dataclass
class Workbook:
    """A workbook as read: the register data, the fingerprint of the bytes read, and the rows
    of the toolkit's own report sheet (so a re-run can tell whether anything changed)."""

    path: Path
    data: RegisterData
    fingerprint: Fingerprint
    report_rows: list[list[CellValue]] | None


def read_workbook(path: Path | str, *, report: bool = True) -> Workbook:
    """Read the register and rule sheets. Raises WorkbookError (exit 2) with a one-line message
    for anything that is not a readable register; reading works while Excel has the file open.
    `report=False` skips the toolkit's own report sheet (a dry run never compares with it)."""
    path = Path(path)
    _check_file(path)
    fp = fingerprint(path)
    try:
        book, info = open_book(path)
    except calamine.PasswordError:
        raise WorkbookError(bilingual(
            "工作簿有密码保护：请在 Excel 中取消密码（文件 > 信息 > 保护工作簿）后再运行",
            "the workbook is password-protected; remove the password in Excel "
            "(File > Info > Protect Workbook) and run again"), path=path) from None
    except Exception as e:  # calamine raises several unrelated types for damaged files
        raise WorkbookError(bilingual(
            "无法读取工作簿，文件可能已损坏：请在 Excel 中打开并重新保存后再运行",
            f"cannot read the workbook, it looks damaged ({_reason(e)}); "
            "open it in Excel and save it again"), path=path) from None
    scan: Future[None] | None = None
    own: Future[list[list[CellValue]]] | None = None
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        names = list(book.sheet_names)
        halves = None
        if REGISTER_SHEET in names:
            # python-calamine lets go of the GIL while it parses a sheet: the report sheet
            # is parsed meanwhile through its own handle on the other core.
            if report and REPORT_SHEET in names:
                own = pool.submit(_report_rows, path)
            part = info.sheet_parts.get(REGISTER_SHEET)
            if part is not None and not info.unreadable:
                # A large register is parsed in two halves, one on each core, and its
                # formulas are looked at in the halves' XML meanwhile (sheets/halves.py).
                halves = parse_in_halves(
                    path, part, REGISTER_SHEET,
                    look=lambda xml: _refuse_formulas_in(xml, path, REGISTER_SHEET))
            if halves is None:
                # The formula scan (zlib lets go of the GIL while it inflates) runs on the
                # other core while the whole sheet is parsed.
                scan = pool.submit(_refuse_uncalculated_formulas, path, REGISTER_SHEET, info)
        if halves is not None:
            _refuse_merged(halves.merged, path, REGISTER_SHEET)
            sheet_name, rows = REGISTER_SHEET, halves.rows
        else:
            sheet_name, rows = _find_register(book, names, path)
        apply_corrections(rows, corrections(path, info, sheet_name))
        if scan is not None:
            scan.result()
        elif halves is None:
            _refuse_uncalculated_formulas(path, sheet_name, info)
        data = _register_data(path, sheet_name, rows, names)
        data.date1904 = info.date1904
        data.rule_sheets = {n: _rule_sheet(book, n, path, info) for n in RULE_SHEETS
                            if n in names}
        found = (own.result() if own is not None else
                 _sheet_rows(book, REPORT_SHEET, path, info) if report and REPORT_SHEET in names
                 else None)
    except (WorkbookError, MemoryError):
        raise
    except Exception as e:  # calamine's XmlError, zipfile's BadZipFile, zlib.error: damage
        raise damaged_error(path, e) from None
    finally:
        pool.shutdown(wait=True)  # a scan still running (an error came first) ends with it
        book.close()
    return Workbook(path, data, fp, found)


def _report_rows(path: Path) -> list[list[CellValue]]:
    """The toolkit's report sheet, read through a handle of its own (a calamine workbook
    parses one sheet at a time)."""
    book, info = open_book(path)
    try:
        return _sheet_rows(book, REPORT_SHEET, path, info)
    finally:
        book.close()


def _check_file(path: Path) -> None:
    if not path.exists():
        raise WorkbookError(bilingual("找不到这个文件：请检查路径和文件名", "no such file"),
                            path=path)
    if path.is_dir():
        raise WorkbookError(bilingual("这是文件夹，不是工作簿：请指定 .xlsx 或 .xlsm 文件",
                                      "is a folder, not a workbook"), path=path)
    with path.open("rb") as f:
        head = f.read(8)
        if head == _OLE_MAGIC:
            f.seek(0)
            if _ENCRYPTION_INFO in f.read(1 << 20):
                raise WorkbookError(bilingual(
                    "工作簿有密码保护：请在 Excel 中取消密码后再运行",
                    "the workbook is password-protected; remove the password in "
                    "Excel and run again"), path=path)
            raise WorkbookError(bilingual(
                "这是旧格式的 .xls 工作簿：请在 Excel 中打开，另存为「Excel 工作簿 (.xlsx)」"
                "或「Excel 启用宏的工作簿 (.xlsm)」后再运行",
                "this is an old-format .xls workbook; open it in Excel and save it "
                "as an Excel Workbook (.xlsx) or macro-enabled workbook (.xlsm)"), path=path)
    if path.suffix.lower() == ".xls":
        raise WorkbookError(bilingual(
            "这是旧格式的 .xls 工作簿：请在 Excel 中另存为 .xlsx 后再运行",
            "this is an old-format .xls workbook; save it as .xlsx in Excel"), path=path)
    if path.suffix.lower() not in SUFFIXES:
        raise WorkbookError(bilingual(
            "不是 Excel 工作簿：本工具只读取 .xlsx 和 .xlsm 文件",
            "not an Excel workbook: the toolkit reads .xlsx and .xlsm files"), path=path)
    if path.stat().st_size == 0:
        raise WorkbookError(bilingual(
            "文件是空的（0 字节）：请确认选对了文件，或从 .bak 文件夹的备份恢复",
            "the file is empty (0 bytes)"), path=path)
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            has_workbook = any(n.lower() == "xl/workbook.xml" for n in z.namelist())
    except zipfile.BadZipFile:
        raise WorkbookError(bilingual(
            "文件已损坏或不是 Excel 工作簿：请确认选对了文件；若能在 Excel 中打开，"
            "请另存为 .xlsx 后再运行",
            "the file is damaged or not an Excel workbook (not a valid .xlsx package)"),
            path=path) from None
    if not has_workbook:
        raise WorkbookError(bilingual(
            "不是 Excel 工作簿（文件里没有 xl/workbook.xml）：请确认选对了文件",
            "not an Excel workbook (the package has no xl/workbook.xml)"), path=path)
    check_unpacked(infos, path)


_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s/>]")
_CELL_START = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*>")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>|<(?:[\w.-]+:)?c[\s>]")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>[^<]")
_EMPTY_VALUE = re.compile(rb"<(?:[\w.-]+:)?v\s*(?:/>|></(?:[\w.-]+:)?v>)")
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData[\s>]")


def _refuse_uncalculated_formulas(path: Path, sheet: str, info: BookInfo) -> None:
    """A formula Excel never calculated (a file written by a script) has no stored value:
    every reader sees a blank, and `check` would fill it over the formula. Say so instead."""
    part = info.sheet_parts.get(sheet)
    if part is None:
        return
    with zipfile.ZipFile(path) as z:
        if not _may_hold_formulas(z, part):
            return
        xml = z.read(part)
    _refuse_formulas_in(xml, path, sheet)


def _refuse_formulas_in(xml: bytes, path: Path, sheet: str) -> None:
    """The cells of a worksheet's XML (or of a half of it) for a formula without a value."""
    end = _sheet_data_end(xml)
    if xml.find(b"<f", 0, end) < 0 and xml.find(b":f", 0, end) < 0:
        return
    # Only cells count: formulas also live in drop-downs and conditional formats after it.
    data = _SHEET_DATA.search(xml)
    data_end = xml.rfind(b"sheetData>")
    if data is None or data_end < data.end():
        return
    for m in _FORMULA.finditer(xml, data.end(), data_end):
        cell_end = _CELL_END.search(xml, m.end())
        stop = cell_end.start() if cell_end else data_end
        if _VALUE.search(xml, m.end(), stop):
            continue
        tag_at = xml.rfind(b"<", 0, m.start())
        while tag_at > 0 and not _CELL_START.match(xml, tag_at):
            tag_at = xml.rfind(b"<", 0, tag_at)
        tag = _CELL_START.match(xml, tag_at) if tag_at >= 0 else None
        # Excel stores a formula that returned "" as a text cell with an empty value.
        if tag and b't="str"' in tag.group(0) and _EMPTY_VALUE.search(xml, m.end(), stop):
            continue
        ref = re.search(rb'r="([A-Z]+\d+)"', tag.group(0)) if tag else None
        where = f"cell {ref.group(1).decode()}" if ref else "a cell"
        zh_where = f"单元格 {ref.group(1).decode()} " if ref else "某个单元格"
        raise WorkbookError(bilingual(
            f"{zh_where}的公式从未计算过，没有值：请用 Excel（或 LibreOffice）打开工作簿，"
            "保存后再运行",
            f"{where} holds a formula that was never calculated, so its value is unknown; "
            "open the workbook in Excel (or LibreOffice), save it, and run again"),
            path=path, sheet=sheet)


def _may_hold_formulas(z: zipfile.ZipFile, part: str, chunk_size: int = 1 << 22) -> bool:
    """A plain byte scan of the cells, streamed a few MB at a time: most registers hold no
    formula, and then the sheet's XML (60-100 MB at 100,000 rows) is never held whole. The scan
    stops where sheetData ends: the toolkit's own conditional formats after it hold <formula>."""
    tail = b""
    with z.open(part) as f:
        while chunk := f.read(chunk_size):
            window = tail + chunk
            end = _sheet_data_end(window)
            if b"<f" in window[:end] or b":f" in window[:end]:
                return True
            if end < len(window):
                return False
            tail = window[-32:]
    return False


def _sheet_data_end(xml: bytes) -> int:
    """Where the closing sheetData tag (any prefix) starts in xml, else len(xml)."""
    i = xml.find(b"sheetData>")
    while i >= 0:
        j = xml.rfind(b"<", 0, i)
        if j >= 0 and xml[j + 1:j + 2] == b"/":
            return j
        i = xml.find(b"sheetData>", i + 1)
    return len(xml)


def _reason(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:160]


def _find_register(
    book: calamine.CalamineWorkbook, names: list[str], path: Path
) -> tuple[str, list[list[CellValue]]]:
    """The sheet named 投诉记录, or else the first sheet whose row 1 holds the required headers."""
    if REGISTER_SHEET in names:
        return REGISTER_SHEET, _register_rows(book.get_sheet_by_name(REGISTER_SHEET), path)
    for name in names:
        if name in RULE_SHEETS or name == REPORT_SHEET:
            continue
        sheet = book.get_sheet_by_name(name)  # parses the sheet: once per sheet
        rows = _raw_rows(sheet)
        if rows and not HeaderMap.from_row(rows[0]).missing_required():
            _refuse_merged(sheet.merged_cell_ranges or [], path, name)
            return name, rows
    required = "、".join(c.zh for c in REQUIRED_HEADERS)
    raise WorkbookError(bilingual(
        f"找不到投诉登记表：请把登记表所在的工作表命名为「{REGISTER_SHEET}」，"
        "并在第 1 行填写表头",
        f"no register sheet: no sheet is named {REGISTER_SHEET} and no sheet has "
        f"the headers {required} in row 1"), path=path)


def _register_rows(sheet: calamine.CalamineSheet, path: Path) -> list[list[Any]]:
    """The register's rows as calamine gives them ("" for an empty cell: normalising all
    3 million cells of a large register costs more than the read)."""
    _refuse_merged(sheet.merged_cell_ranges or [], path, sheet.name)
    return _raw_rows(sheet)


def _refuse_merged(merged: list[tuple[tuple[int, int], tuple[int, int]]], path: Path,
                   sheet: str) -> None:
    """A merged block hides which complaint its value belongs to: refuse it."""
    if merged:
        (r1, c1), (r2, c2) = merged[0]
        ref = f"{column_letter(c1 + 1)}{r1 + 1}:{column_letter(c2 + 1)}{r2 + 1}"
        more = f" (and {len(merged) - 1} more)" if len(merged) > 1 else ""
        zh_more = f"（另有 {len(merged) - 1} 处）" if len(merged) > 1 else ""
        raise WorkbookError(bilingual(
            f"单元格 {ref}{zh_more} 是合并单元格：登记表每行一条投诉、每格一个值，"
            "请在 Excel 中取消合并（开始 > 合并后居中）后再运行",
            f"cells {ref}{more} are merged; the register needs one complaint per row and one "
            "value per cell: unmerge them in Excel (Home > Merge & Center) and run again"),
            path=path, sheet=sheet)


def _sheet_rows(book: calamine.CalamineWorkbook, name: str, path: Path, info: BookInfo
                ) -> list[list[CellValue]]:
    """A small sheet's rows, every cell normalised."""
    raw = _raw_rows(book.get_sheet_by_name(name))
    apply_corrections(raw, corrections(path, info, name))
    return [[normalise_cell(v) for v in r] for r in raw]


def _raw_rows(sheet: calamine.CalamineSheet) -> list[list[Any]]:
    """The sheet's rows from A1: rows[i][j] is the cell in worksheet row i + 1, column j + 1,
    whatever cell the sheet's used area starts at (a register may leave column A empty)."""
    rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
    return from_a1(rows, sheet.start, sheet.end)


def from_a1(rows: list[list[Any]], start: tuple[int, int] | None,
            end: tuple[int, int] | None) -> list[list[Any]]:
    """Rows as python-calamine gave them, anchored at A1. Asked not to skip the empty area,
    python-calamine 0.9 gives the rows and columns from A1 already; should it give them from
    the first used cell instead (as it does for a range that skips it), the rows and columns
    above and left of that cell are put back, so a cell's place never depends on which. (A
    guess either way once wrote a case number one column to the right of 投诉编号.)"""
    if start is None or end is None or not rows:
        return rows
    start_row, start_col = start
    if start_col and len(rows[0]) == end[1] - start_col + 1:
        rows = [[None] * start_col + list(r) for r in rows]
    if start_row and len(rows) == end[0] - start_row + 1:
        rows = [[] for _ in range(start_row)] + rows
    return rows


def _register_data(
    path: Path, sheet: str, raw: list[list[Any]], names: list[str]
) -> RegisterData:
    rows = [[normalise_cell(v) for v in r] for r in raw[:10]]  # the header, or where it went
    if not rows or not any(v is not None for v in rows[0]):
        found = _header_row_below(rows)
        if found:
            raise _headers_below(found, path, sheet)
        raise WorkbookError(bilingual(
            "登记表没有表头：请在第 1 行填写各列的标题",
            "the register sheet has no header row: row 1 must hold the column "
            f"headers ({'、'.join(c.zh for c in REQUIRED_HEADERS)} …)"), path=path, sheet=sheet)
    headers = HeaderMap.from_row(rows[0])
    missing = headers.missing_required()
    if missing:
        found = _header_row_below(rows)
        if found:
            raise _headers_below(found, path, sheet)
        raise WorkbookError(bilingual(
            f"第 1 行缺少必填列 {'、'.join(c.zh for c in missing)}：请在表头加上这些列",
            "missing required column(s) in row 1: "
            + "、".join(f"{c.zh} ({c.en})" for c in missing)), path=path, sheet=sheet)
    numbers, kept, leftovers, last_col = _sort_rows(raw, headers)
    raw_rows = RegisterRows(numbers, kept, headers.index)
    return RegisterData(
        path=str(path), register_sheet=sheet, header_row=1, headers=headers, rows=raw_rows,
        rule_sheets={}, last_column=last_col, sheet_names=names, toolkit_only_rows=leftovers,
    )


def _sort_rows(raw: list[list[Any]], headers: HeaderMap
               ) -> tuple[list[int], list[list[Any]], list[RawRow], int]:
    """The register's rows below the header: the row numbers and cells of the rows holding
    something, the rows holding nothing but toolkit columns (left over when staff cleared a
    row), and the last column with anything in it."""
    keyed = list(headers.index.items())
    width = max((idx for _, idx in keyed), default=-1) + 1  # every known column is inside
    toolkit_positions = [idx for key, idx in keyed if BY_KEY[key].toolkit]
    last_col = headers.width
    body = raw[1:]
    if not body or min(map(len, body)) < width or set(map(type, body)) != {list}:
        return _sort_rows_one_by_one(raw, headers)
    # Which rows to count. A row with a staff value in a required column (nearly every row)
    # is kept whole, and when no row reaches past the header's last column it cannot move
    # last_col either: only the other rows need counting.
    probe = next((headers.index[c.key] for c in REQUIRED_HEADERS if c.key in headers.index),
                 None)
    look: list[int] | range = range(len(body))
    if probe is not None and max(map(len, body)) <= last_col:
        look = [i for i, v in enumerate(map(itemgetter(probe), body)) if v == "" or v is None]
    rows = body if isinstance(look, range) else [body[i] for i in look]
    # Counted in C, one list call per row (the cells stay as read, see RegisterRows): how
    # many cells each row fills.
    sizes = list(map(len, rows))
    filled = [n - e - z for n, e, z in zip(sizes, map(list.count, rows, repeat("")),
                                          map(list.count, rows, repeat(None)), strict=True)]
    if rows and len({idx for _, idx in keyed}) < max(sizes):  # columns no header names
        known = _picker([idx for _, idx in keyed]) or (lambda cells: ())
        mine = list(map(known, rows))
        in_known = [len(m) - m.count("") - m.count(None) for m in mine]
        for j in [j for j, (f, k) in enumerate(zip(filled, in_known, strict=True)) if k < f]:
            cells = rows[j]
            last_col = max(last_col, max(c for c, v in enumerate(cells) if v != "" and
                                         v is not None) + 1)
    else:
        in_known = filled
    # A row filling no more cells than there are toolkit columns may hold nothing else.
    toolkit = _picker(toolkit_positions)
    few = len(toolkit_positions)
    leftovers: list[RawRow] = []
    drop = {look[j] for j, f in enumerate(filled) if not f} if 0 in filled else set()
    if toolkit is not None:
        for j in [j for j, f in enumerate(filled) if 0 < f <= few]:
            if in_known[j] < filled[j]:
                continue  # it holds something outside the known columns: it stays
            ours = toolkit(rows[j])
            if len(ours) - ours.count("") - ours.count(None) == filled[j]:
                i = look[j]
                leftovers.append(RegisterRows([i + 2], [body[i]], headers.index)[0])
                drop.add(i)
    if not drop:  # every row holds something of its own, as nearly always
        return list(range(2, len(body) + 2)), body, leftovers, last_col
    keep = [i for i in range(len(body)) if i not in drop]
    return [i + 2 for i in keep], [body[i] for i in keep], leftovers, last_col


def _sort_rows_one_by_one(raw: list[list[Any]], headers: HeaderMap
                          ) -> tuple[list[int], list[list[Any]], list[RawRow], int]:
    """_sort_rows for rows of any shape (shorter than the known columns, or not lists)."""
    keyed = list(headers.index.items())
    known = _picker([idx for _, idx in keyed]) or (lambda cells: ())
    toolkit = _picker([idx for key, idx in keyed if BY_KEY[key].toolkit])
    width = max((idx for _, idx in keyed), default=-1) + 1  # every known column is inside
    numbers: list[int] = []
    kept: list[list[Any]] = []
    leftovers: list[RawRow] = []
    last_col = headers.width
    for i in range(1, len(raw)):
        cells = raw[i]
        n = len(cells)
        filled = n - cells.count("") - cells.count(None)
        if not filled:
            continue  # blank rows, and whole-sheet formatting down to row 1,048,576
        if n < width:  # calamine's rows are as wide as the sheet; one from elsewhere may not be
            cells = [*cells, *([""] * (width - n))]
        mine = known(cells)
        in_known = len(mine) - mine.count("") - mine.count(None)
        if in_known < filled:  # something outside the known columns: find the last one
            last_col = max(last_col, max(j for j, v in enumerate(cells) if v != "" and
                                         v is not None) + 1)
        elif toolkit is not None:
            ours = toolkit(cells)
            if len(ours) - ours.count("") - ours.count(None) == filled:
                leftovers.append(RegisterRows([i + 1], [cells], headers.index)[0])
                continue
        numbers.append(i + 1)
        kept.append(cells)
    return numbers, kept, leftovers, last_col


def _picker(positions: list[int]) -> Callable[[list[Any]], tuple[Any, ...]] | None:
    """The cells at `positions` of a row, always as a tuple (itemgetter of one is not)."""
    if not positions:
        return None
    if len(positions) == 1:
        only = positions[0]
        return lambda cells: (cells[only],)
    return itemgetter(*positions)


def _headers_below(found: int, path: Path, sheet: str) -> WorkbookError:
    return WorkbookError(bilingual(
        f"表头在第 {found} 行，但必须在第 1 行：请删除表头上方的行",
        f"the headers are in row {found}, but they must be in row 1; delete the rows above them"),
        path=path, sheet=sheet)


def _header_row_below(rows: list[list[CellValue]]) -> int | None:
    """The worksheet row (2–10) holding the required headers, when row 1 does not."""
    for i, row in enumerate(rows[1:10], start=2):
        keys = {c.key for c in (column_for_header(v) for v in row if v is not None) if c}
        if all(c.key in keys for c in REQUIRED_HEADERS):
            return i
    return None


def _rule_sheet(book: calamine.CalamineWorkbook, name: str, path: Path, info: BookInfo
                ) -> RuleSheet:
    rows = _sheet_rows(book, name, path, info)
    headers = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else [])]
    data = [(i + 1, r) for i, r in enumerate(rows[1:], start=1) if any(v is not None for v in r)]
    return RuleSheet(name, headers, data)


def register_from_rows(path: Path | str, sheet: str, rows: list[list[Any]],
                       names: list[str]) -> RegisterData:
    """The register from rows another reader gave, row 1 first (the Excel buttons read the
    open workbook through Excel): the same checks and the same RegisterData as a file read."""
    return _register_data(Path(path), sheet, rows, names)


def rule_sheet_from_rows(name: str, rows: list[list[Any]]) -> RuleSheet:
    """A rule sheet from rows another reader gave, row 1 first."""
    cells = [[normalise_cell(v) for v in r] for r in rows]
    headers = [str(v).strip() if v is not None else "" for v in (cells[0] if cells else [])]
    data = [(i + 1, r) for i, r in enumerate(cells[1:], start=1) if any(v is not None for v in r)]
    return RuleSheet(name, headers, data)
