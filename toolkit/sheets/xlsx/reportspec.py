"""What a caller asks for when the writer lays out a report sheet: styled cells, merges, page
setup for printing, and native charts over the sheet's own cells (docs/statistics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from toolkit.register import CellValue


@dataclass(frozen=True)
class CellStyle:
    """How one cell looks; each distinct style becomes one appended cell format."""

    bold: bool = False
    italic: bool = False
    size: float | None = None  # points; None: the workbook's default size
    color: str | None = None  # font colour, hex RRGGBB
    fill: str | None = None  # background, hex RRGGBB
    border: bool = False  # a thin grey border all round
    num_fmt: str | None = None  # "0", "0.0", "0.0%", "yyyy-mm-dd"
    align: Literal["left", "center", "right"] | None = None
    wrap: bool = False


@dataclass
class Series:
    """One chart series: ranges on the report sheet itself ("B5:B13"), with the values they
    hold now so a reader shows the chart before it recalculates anything."""

    name: str
    name_cell: str  # "B4"
    categories: str  # "A5:A13"
    values: str  # "B5:B13"
    category_values: list[str]
    numbers: list[float | int | None]
    color: str = "4472C4"


@dataclass
class Chart:
    kind: Literal["bar", "column", "line"]
    title: str
    series: list[Series]
    # Where it sits: top-left cell and the cell just past its bottom-right corner, 1-based
    # (column, row) pairs.
    top_left: tuple[int, int]
    bottom_right: tuple[int, int]
    legend: bool = False


@dataclass
class ReportSheet:
    """A sheet the toolkit owns, laid out for reading and printing, replaced whole (with its
    drawing and charts) on each run."""

    name: str
    cells: dict[tuple[int, int], tuple[CellValue, CellStyle | None]] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width
    heights: dict[int, float] = field(default_factory=dict)  # 1-based row -> points
    merges: list[str] = field(default_factory=list)  # "A1:L1"
    charts: list[Chart] = field(default_factory=list)
    landscape: bool = True
    paper_size: int = 9  # A4
    print_area: str | None = None  # "A1:L80"
    print_title_rows: tuple[int, int] | None = None  # repeated at the top of every page
    row_breaks: list[int] = field(default_factory=list)  # a page starts after each of these
    footer: str | None = None  # Excel header/footer codes, e.g. "&C第 &P 页，共 &N 页"
    show_grid: bool = False

    def put(self, row: int, col: int, value: CellValue, style: CellStyle | None = None) -> None:
        self.cells[(row, col)] = (value, style)

    @property
    def last_row(self) -> int:
        return max((r for r, _ in self.cells), default=1)

    @property
    def last_col(self) -> int:
        return max((c for _, c in self.cells), default=1)

    @property
    def last_value_row(self) -> int:
        return max((r for (r, _), (v, _) in self.cells.items() if v is not None), default=0)
