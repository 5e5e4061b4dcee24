"""Reading back what was written, with an independent reader, before it replaces anything."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as TimeOfDay
from pathlib import Path

from toolkit.register import CellValue, column_letter
from toolkit.sheets.bookview import corrections, open_book
from toolkit.sheets.xlsx.cells import BAD_XML_CHARS, fits
from toolkit.sheets.xlsx.edit import ColumnWrite
from toolkit.sheets.xlsx.verify import VerifyError, verify_package

_VERIFY_SAMPLE = 200  # written cells read back from the temporary file


@dataclass
class Written:
    """What the verification reads back."""

    register: str | None
    cells: list[tuple[int, int, CellValue]]  # a sample: (row, col, value)
    columns: set[int]
    sheets: list[str]  # every sheet name the new file must have
    owned_rows: dict[str, int]
    last_row: int = 0  # the last register row holding a value the edit does not touch
    original: bytes | None = None  # the package as read, to tell new flaws from its own
    parts_changed: set[str] = field(default_factory=set)  # changed or added zip parts
    parts_removed: set[str] = field(default_factory=set)


def sample(columns: list[ColumnWrite]) -> list[tuple[int, int, CellValue]]:
    cells = [(r, c.column, v) for c in columns for r, v in c.values.items()]
    if len(cells) <= _VERIFY_SAMPLE:
        return cells
    step = len(cells) / _VERIFY_SAMPLE
    return [cells[int(i * step)] for i in range(_VERIFY_SAMPLE)] + [cells[-1]]


def verify_written(tmp: Path, written: Written, path: Path) -> None:
    """Prove the package at `tmp` opens (verify.py), and read the written values back.

    The two proofs are independent and run side by side: python-calamine lets go of the GIL
    while it parses the register sheet, and the namespace-aware parse of the changed parts
    holds it. When both fail, the package's own flaw is the one reported."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        back = pool.submit(read_back, tmp, written, path)
        verify_package(tmp, written.original, written.parts_changed, written.parts_removed,
                       path)  # on failure, the pool still waits for the read-back to end
        back.result()


def read_back(tmp: Path, written: Written, path: Path) -> None:
    part = "(zip)"

    def fail(why: str) -> VerifyError:
        return VerifyError(part, f"does not read back as written: {why}", path)

    try:
        book, info = open_book(tmp)
    except Exception as e:  # calamine raises several unrelated types
        raise fail(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    try:
        names = list(book.sheet_names)
        missing = [n for n in written.sheets if n not in names and n not in info.unreadable]
        if missing:
            part = info.book_part
            raise fail("sheet(s) missing: " + ", ".join(missing))
        if written.register:
            part = info.sheet_parts.get(written.register, written.register)
            sheet = book.get_sheet_by_name(written.register)
            (start_row, start_col), (end_row, end_col) = sheet.start or (0, 0), sheet.end or (0, 0)
            wanted = {r for r, _, _ in written.cells}
            # Whether python-calamine starts the rows at row 1 or at the first used row, and
            # the columns at A or at the first used column, is told by their count (0.9 starts
            # the rows at 1 and the columns at the first used one): kept under both readings.
            seen: dict[int, list[object]] = {}
            count = width = 0
            for i, row in enumerate(sheet.iter_rows()):
                count = i + 1
                if count in wanted or start_row + count in wanted:
                    seen[i] = list(row)
                if i == 0:
                    width = len(row)
            first_row = 0 if count == end_row + 1 else start_row
            start_col = start_col if start_col and width == end_col - start_col + 1 else 0
            height = first_row + count
            got = {first_row + i + 1: row for i, row in seen.items()
                   if first_row + i + 1 in wanted}
            for (r, c), fixed in corrections(tmp, info, written.register).items():
                if r in got:
                    row_values = got[r]
                    j = c - 1 - start_col
                    if 0 <= j < len(row_values):
                        row_values[j] = fixed
            if height < written.last_row:
                raise fail(f"the register ends at row {height}, it had rows up to "
                           f"{written.last_row}")
            for r, c, value in written.cells:
                row_values = got.get(r, [])
                j = c - 1 - start_col
                back = row_values[j] if 0 <= j < len(row_values) else None
                if not _same_value(back, value):
                    raise fail(f"{column_letter(c)}{r} reads {back!r}, expected {value!r}")
        for name, count in written.owned_rows.items():
            part = info.sheet_parts.get(name, name)
            sheet = book.get_sheet_by_name(name)
            if count and (sheet.start or (0, 0))[0] + sheet.height < count:
                raise fail(f"sheet {name} has {sheet.height} rows, expected {count}")
    except VerifyError:
        raise
    except Exception as e:
        raise fail(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    finally:
        book.close()


def _same_value(back: object, value: CellValue) -> bool:
    if value is None:
        return back in ("", None)
    if isinstance(value, str):
        if not fits(value) or BAD_XML_CHARS.search(value) or "_x" in value:
            return isinstance(back, str)
        return back == value
    if isinstance(value, bool):
        return back is value or back == value
    if isinstance(value, (TimeOfDay, timedelta)):
        return back not in ("", None)  # calamine's reading of times varies with the format
    if isinstance(value, (datetime, date)):
        if not isinstance(back, (datetime, date)):
            return False
        a = back if isinstance(back, datetime) else datetime(back.year, back.month, back.day)
        b = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        return abs((a - b.replace(tzinfo=None)).total_seconds()) < 1
    if isinstance(back, (int, float)) and not isinstance(back, bool):
        return math.isclose(float(back), float(value), rel_tol=1e-12, abs_tol=1e-12)
    return False
