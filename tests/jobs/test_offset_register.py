"""A register need not start in cell A1's column: staff leave column A empty, or keep notes in
rows above a rule table. Every cell is still read, checked and written in its own column."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import good_row, make_register

from toolkit.cli import cli
from toolkit.errors import WorkbookError
from toolkit.sheets.reader import from_a1, read_workbook

AS_OF = "2026-11-24T09:00"


def _shifted(path: Path, rows: list[dict[str, object]], *, cols: int = 1,
             above: int = 0) -> Path:
    make_register(path, rows, keys=[*good_row(), "department"])  # type: ignore[arg-type]
    wb = openpyxl.load_workbook(path)
    ws = wb["投诉记录"]
    if cols:
        ws.insert_cols(1, cols)
    if above:
        ws.insert_rows(1, above)
    wb.save(path)
    return path


def test_a_register_that_leaves_column_a_empty_is_read_in_its_own_columns(
        tmp_path: Path) -> None:
    book = _shifted(tmp_path / "b.xlsx", [good_row(), good_row(case_id="2611-0002")])
    data = read_workbook(book).data
    assert data.headers.index["case_id"] == 1  # column B
    assert data.rows[1].get("case_id") == "2611-0002"
    assert data.rows[0].get("received_at") == datetime(2026, 11, 3, 9, 30)
    assert data.last_column == 11  # B..K: ten columns after the empty A


def test_a_check_writes_into_the_columns_the_headers_name(tmp_path: Path) -> None:
    book = _shifted(tmp_path / "b.xlsx", [good_row(case_id=None, customer="甲公司"),
                                          good_row(case_id="2611-0002")])
    result = CliRunner().invoke(cli, ["check", str(book), "--as-of", AS_OF])
    assert result.exit_code in (0, 1), result.output
    ws = openpyxl.load_workbook(book)["投诉记录"]
    header = [c.value for c in ws[1]]
    assert header[0] is None and header[1] == "投诉编号" and header[2] == "受理时间"
    # The filled case number is in 投诉编号 (B2); 受理时间 (C2) still holds the time.
    assert str(ws["B2"].value).startswith("2611-") and ws["B2"].value != "2611-0002"
    assert ws["C2"].value == datetime(2026, 11, 3, 9, 30)
    assert ws["A2"].value is None and ws["A3"].value is None
    # The toolkit's columns follow the last staff column with no gap.
    last_staff = header.index("责任部门")
    assert header[last_staff + 1] == "回复时限"
    assert isinstance(ws.cell(2, last_staff + 2).value, datetime)


def test_headers_below_row_1_are_named_by_their_worksheet_row(tmp_path: Path) -> None:
    book = _shifted(tmp_path / "b.xlsx", [good_row()], cols=2, above=2)
    with pytest.raises(WorkbookError, match="row 3"):
        read_workbook(book)


@pytest.mark.parametrize("start", [(0, 0), (0, 2), (3, 0), (3, 2)])
def test_rows_from_the_first_used_cell_or_from_a1_come_out_the_same(
        start: tuple[int, int]) -> None:
    (r0, c0), end = start, (5, 4)
    grid = [["" for _ in range(end[1] + 1)] for _ in range(end[0] + 1)]
    grid[r0][c0], grid[5][4] = "first", "last"
    from_first_cell = [row[c0:] for row in grid[r0:]]
    for given in (grid, from_first_cell):
        rows = from_a1([list(r) for r in given], start, end)
        assert rows[r0][c0] == "first" and rows[5][4] == "last"
        assert len(rows) == end[0] + 1 and all(len(r) in (0, end[1] + 1) for r in rows)
