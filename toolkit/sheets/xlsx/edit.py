"""What a caller asks the lossless writer to change: column cells, highlights, owned sheets."""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.register import CellValue
from toolkit.sheets.xlsx.reportspec import ReportSheet


@dataclass
class ColumnWrite:
    """Cells of one register column. Only changed cells are given (the caller diffs)."""

    column: int  # 1-based column number in the register sheet
    values: dict[int, CellValue]  # worksheet row -> value; None clears the cell
    number_format: str | None = None  # for the written cells holding dates and times
    width: float | None = None  # column width as Excel shows it (used for appended columns)
    # row -> another column: a cell created in that row takes the style of that column's cell
    # (an appended header looks like the header beside it).
    like: dict[int, int] = field(default_factory=dict)


@dataclass
class Highlight:
    """One conditional-formatting rule the toolkit owns."""

    sqref: str  # e.g. "AG2:AG1048576": fixed full-column ranges, so re-runs replace exactly
    formula: str  # e.g. 'ISNUMBER(SEARCH("逾期",$AG2))'
    fill: str  # "FFC7CE"
    font_color: str | None = None


@dataclass
class OwnedSheet:
    """A sheet the toolkit owns, replaced whole on each run (created after the existing sheets)."""

    name: str
    rows: list[list[CellValue]]  # row 1 is a header row (bold, frozen)
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "'S'!H12"
    number_formats: dict[int, str] = field(default_factory=dict)  # 1-based column -> format


@dataclass
class WorkbookEdit:
    sheet: str  # the register sheet the column writes and highlights go to
    columns: list[ColumnWrite] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    owned_sheets: list[OwnedSheet] = field(default_factory=list)
    # Laid-out sheets with charts (the 月度统计 sheet), replaced whole with their drawing.
    report_sheets: list[ReportSheet] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.owned_sheets or self.highlights or self.report_sheets
                    or any(c.values or c.width is not None for c in self.columns))
