"""An in-memory stand-in for the few xlwings objects toolkit/excel.py uses (Excel itself cannot
run here): a Book with sheets, ranges read and written as xlwings does, and app.alert."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import python_calamine as calamine

Cell = tuple[int, int]


class Range:
    def __init__(self, sheet: Sheet, first: Cell, last: Cell, **options: Any) -> None:
        self.sheet, self.first, self.last, self.opts = sheet, first, last, options

    @property
    def row(self) -> int:
        return self.first[0]

    @property
    def column(self) -> int:
        return self.first[1]

    @property
    def last_cell(self) -> Range:
        return Range(self.sheet, self.last, self.last)

    def options(self, **options: Any) -> Range:
        return Range(self.sheet, self.first, self.last, **{**self.opts, **options})

    @property
    def value(self) -> Any:
        self.sheet.book.calls.append(("read", self.sheet.name))
        (r1, c1), (r2, c2) = self.first, self.last
        return [[self.sheet.cells.get((r, c)) for c in range(c1, c2 + 1)]
                for r in range(r1, r2 + 1)]

    @value.setter
    def value(self, data: Any) -> None:
        self.sheet.book.calls.append(("write", self.sheet.name))
        r1, c1 = self.first
        if self.opts.get("transpose"):  # a list written down one column
            rows = [[v] for v in data]
        elif data and isinstance(data[0], list):
            rows = data
        else:
            rows = [data]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.put((r1 + i, c1 + j), v)

    @property
    def formula(self) -> Any:
        """As Excel gives Range.Formula: the formula where there is one, else the value as text."""
        self.sheet.book.calls.append(("formula", self.sheet.name))
        (r1, c1), (r2, c2) = self.first, self.last
        out = []
        for r in range(r1, r2 + 1):
            row = []
            for c in range(c1, c2 + 1):
                v = self.sheet.formulas.get((r, c), self.sheet.cells.get((r, c)))
                row.append("" if v is None else v if isinstance(v, str) else str(v))
            out.append(tuple(row))
        return tuple(out)

    @property
    def number_format(self) -> str:
        return self.sheet.formats.get(self.first, "General")

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        (r1, c1), (r2, c2) = self.first, self.last
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.sheet.formats[(r, c)] = fmt


@dataclass
class Sheet:
    book: Book
    name: str
    cells: dict[Cell, Any] = field(default_factory=dict)
    formats: dict[Cell, str] = field(default_factory=dict)
    formulas: dict[Cell, str] = field(default_factory=dict)

    def put(self, cell: Cell, v: Any) -> None:
        self.cells.pop(cell, None)
        self.formulas.pop(cell, None)
        if isinstance(v, str) and v.startswith("="):
            self.formulas[cell] = v  # Excel takes it for a formula
            self.cells[cell] = f"<value of {v}>"
        elif isinstance(v, str) and v.startswith("'"):
            self.cells[cell] = v[1:]  # the apostrophe marks text
        elif v is not None and v != "":
            self.cells[cell] = v

    @property
    def used_range(self) -> Range:
        rows = [r for r, _ in self.cells] or [1]
        cols = [c for _, c in self.cells] or [1]
        return Range(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def range(self, first: Any, last: Any = None) -> Range:
        start = (1, 1) if first == "A1" else first
        return Range(self, start, last or start)

    def clear_contents(self) -> None:
        self.cells.clear()
        self.formulas.clear()

    def activate(self) -> None:
        self.book.active = self.name

    def column(self, c: int, first: int = 1) -> list[Any]:
        last = max((r for r, cc in self.cells if cc == c), default=0)
        return [self.cells.get((r, c)) for r in range(first, last + 1)]


class Sheets:
    def __init__(self, book: Book) -> None:
        self.book, self.items = book, []  # type: ignore[var-annotated]

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, name: str) -> bool:
        return any(s.name == name for s in self.items)

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self.items[key]  # type: ignore[no-any-return]
        return next(s for s in self.items if s.name == key)

    def add(self, name: str, after: Sheet | None = None) -> Sheet:
        sheet = Sheet(self.book, name)
        at = self.items.index(after) + 1 if after is not None else 0
        self.items.insert(at, sheet)
        return sheet


@dataclass
class Selection:
    sheet: Sheet
    row: int


class App:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str]] = []

    def alert(self, prompt: str, title: str = "") -> None:
        self.alerts.append((prompt, title))


class Book:
    def __init__(self, fullname: str) -> None:
        self.fullname = fullname
        self.sheets = Sheets(self)
        self.app = App()
        self.calls: list[tuple[str, str]] = []
        self.active: str | None = None
        self.selection: Selection | None = None

    @classmethod
    def from_file(cls, path: Any) -> Book:
        """The workbook as Excel would show it: numbers as floats, empty cells as None."""
        book = cls(str(path))
        wb = calamine.CalamineWorkbook.from_path(str(path))
        try:
            for name in wb.sheet_names:
                sheet = book.sheets.add(name, after=book.sheets[-1] if len(book.sheets) else None)
                for r, row in enumerate(wb.get_sheet_by_name(name).to_python(), start=1):
                    for c, v in enumerate(row, start=1):
                        if isinstance(v, date) and not isinstance(v, datetime):
                            v = datetime(v.year, v.month, v.day)
                        if isinstance(v, int) and not isinstance(v, bool):
                            v = float(v)
                        if v != "":
                            sheet.cells[(r, c)] = v  # constants, as typed
        finally:
            wb.close()
        book.calls.clear()
        return book
