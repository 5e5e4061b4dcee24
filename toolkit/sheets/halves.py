"""A large worksheet parsed on both cores: its rows cut in two, each half parsed by
python-calamine on a thread of its own (docs/performance.md, "The fifth round").

python-calamine parses a sheet on one core and lets go of the GIL while it does: at 100,000
rows the register's 95 MB of XML take 2.5-3 s, and the second core has nothing to do. Cut at
a row boundary, the sheet becomes two well-formed worksheets; each goes into a small package
of its own beside the workbook's styles and shared strings (what calamine needs to read cell
values, dates and text as it would in the workbook itself), and the two are parsed side by
side. The rows come out as the whole sheet's would: from A1, "" for an empty cell inside the
used area, the right number of empty rows between the halves.

Only a sheet written the way Excel and the other producers of the corpus write it is cut:
every row numbered with r= first (a half's rows are numbered by their r=, never by counting),
no comment or CDATA section among the rows. Anything else, a small sheet, or a package calamine
will not open this way, is parsed whole by the caller.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine as calamine

# Sheet XML (bytes) below which the whole parse is quick enough (under 0.3 s) that cutting
# it gains nothing worth the copies.
CUT_FROM = 8 << 20
# Parts copied into each half's package besides the sheet: every part this small (the
# workbook, its relationships, content types, theme, properties), and the styles and shared
# strings whatever their size. Other sheets, pictures and the like stay out: calamine reads
# a sheet only when asked for it.
_SMALL = 1 << 20

_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData(?:\s[^>]*)?(/?)>")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)[\s/>]")


@dataclass
class Halves:
    rows: list[list[Any]]  # from A1, as reader._raw_rows gives a whole sheet
    merged: list[tuple[tuple[int, int], tuple[int, int]]]  # calamine's merged_cell_ranges


def parse_in_halves(path: Path, part: str, sheet: str, *,
                    look: Callable[[bytes], None] = lambda xml: None,
                    cut_from: int | None = None) -> Halves | None:
    """The rows of worksheet `sheet` (zip part `part`) of the workbook at `path`, parsed in
    two halves on two threads; None when the sheet is not one to cut (see the module).
    `look(xml)` is called with each half's worksheet XML while the halves parse (the reader
    looks for formulas without a value); what it raises is raised here.

    The first half is parsed while the second is still being inflated, and each half is
    turned into Python rows on its own thread as soon as it is parsed, so the first half's
    rows are made while the second half is still parsing."""
    try:
        return _parse_in_halves(path, part, sheet, look,
                                CUT_FROM if cut_from is None else cut_from)
    except OSError:  # no room in the temporary folder, say: the whole sheet is parsed
        return None


def _parse_in_halves(path: Path, part: str, sheet: str, look: Callable[[bytes], None],
                     cut_from: int) -> Halves | None:
    # From files: python-calamine holds the GIL while it parses a workbook read from a
    # Python file object, and lets go of it for one it opens by path. The halves' packages
    # (the register's cells) live in a private temporary folder only while they are parsed.
    with tempfile.TemporaryDirectory(prefix="complaints-", ignore_cleanup_errors=True) as tmp, \
            ThreadPoolExecutor(max_workers=2) as pool, zipfile.ZipFile(path) as z:
        size = z.getinfo(part).file_size
        if size < max(cut_from, 1):
            return None
        kept = [(i, z.read(i)) for i in z.infolist()
                if i.filename != part and not i.is_dir() and (
                    i.file_size <= _SMALL or i.filename.lower().endswith(
                        ("styles.xml", "sharedstrings.xml")))]
        with z.open(part) as f:
            first = f.read(size // 2)
            opened = _SHEET_DATA.search(first)
            root = _ROOT.search(first, 0, opened.start()) if opened else None
            if opened is None or opened.group(2) or root is None:
                return None  # no rows, or sheetData starts past the middle
            p, rows_at = opened.group(1), opened.end()
            cut = first.rfind(b"<" + p + b'row r="')
            # Rows without r= show in the first few: checked before any work is started, and
            # all of them are checked while the halves parse.
            if cut <= rows_at or not _plain_rows(first, rows_at, min(cut, rows_at + 4096), p):
                return None
            top = first[:cut] + b"</" + p + b"sheetData></" + root.group(1) + b">"
            upper = pool.submit(_parse, _package(kept, part, top, Path(tmp, "1.xlsx")), sheet)
            bottom = first[:rows_at] + first[cut:] + f.read()
        del first
        lower = pool.submit(_parse, _package(kept, part, bottom, Path(tmp, "2.xlsx")), sheet)
        end = bottom.find(b"</" + p + b"sheetData>", rows_at)
        if (not _plain_rows(top, rows_at, cut, p) or end < 0
                or not _plain_rows(bottom, rows_at, end, p)):
            return None  # (after the halves' parses end: the pool waits for them)
        look(top)
        look(bottom)
        del top, bottom
        try:
            upper_rows, lower_rows = upper.result(), lower.result()
        except Exception:  # the packages as built did not open: the whole sheet is parsed,
            return None  # and calamine says there what it finds wrong with the workbook
    rows = _joined(upper_rows, lower_rows)
    if rows is None:
        return None
    return Halves(rows, list(lower_rows[0].merged_cell_ranges or []))


def _plain_rows(xml: bytes, start: int, end: int, p: bytes) -> bool:
    """Every row between start and end numbered with r= first, and nothing but elements."""
    row = b"<" + p + b"row"
    return (xml.count(row, start, end) == xml.count(row + b' r="', start, end)
            and xml.find(b"<!", start, end) < 0)


def _package(kept: list[tuple[zipfile.ZipInfo, bytes]], part: str, xml: bytes, path: Path
             ) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for info, data in kept:
            z.writestr(info.filename, data)
        z.writestr(part, xml)
    return path


_Parsed = tuple[calamine.CalamineSheet, list[list[Any]]]


def _parse(package: Path, sheet: str) -> _Parsed:
    """The sheet, and its rows from its first used cell."""
    book = calamine.CalamineWorkbook.from_path(str(package))
    try:
        found = book.get_sheet_by_name(sheet)
    finally:
        book.close()
    return found, found.to_python()


def _joined(*halves: _Parsed) -> list[list[Any]] | None:
    """The two halves' cells as one grid from A1, as python-calamine 0.9 gives a whole sheet
    asked not to skip the empty area: every row as wide as the widest used column, "" for
    each empty cell, and empty rows ("" all along) between the halves. None if a half does
    not come out the size calamine says it is."""
    ends = [s.end for s, _ in halves if s.end is not None]
    if not ends:
        return []
    width = max(c for _, c in ends) + 1
    rows: list[list[Any]] = []
    for s, got in halves:
        if s.start is None or s.end is None:
            continue
        (top, left), (bottom, right) = s.start, s.end
        pad_left, pad_right = [""] * left, [""] * (width - right - 1)
        rows += [[""] * width for _ in range(top - len(rows))]
        if left or pad_right:
            got = [[*pad_left, *r, *pad_right] for r in got]
        rows += got
        if len(rows) != bottom + 1 or (got and len(got[0]) != width):
            return None
    return rows
