"""The Excel buttons against an in-memory stand-in for xlwings: the same results as `check`,
one read per sheet and one write per column, errors always shown."""

from __future__ import annotations

import shutil
import sys
import types
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from excel_standin import Book, Selection
from helpers import good_row, make_register, sheet_rows

import toolkit.excel as excel
from toolkit.jobs.button import previous_month, safe
from toolkit.jobs.check import check_workbook
from toolkit.register import BY_KEY, TOOLKIT_COLUMNS

AS_OF = datetime(2026, 11, 24, 9, 0)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(excel, "_now", lambda: AS_OF)


def register(tmp_path: Path) -> Path:
    return make_register(tmp_path / "台账.xlsx", [
        good_row(),
        good_row(case_id=None, customer="宁波海达", phone="138123456"),  # bad phone, new id
        good_row(case_id="2611-0003", received_at=datetime(2026, 10, 1, 9, 0)),  # overdue
        good_row(case_id="2611-0004", description="=1+1 写成了公式的样子"),
    ])


def test_validate_writes_what_check_writes(tmp_path: Path) -> None:
    path = register(tmp_path)
    headless = shutil.copy(path, tmp_path / "headless.xlsx")
    book = Book.from_file(path)
    excel.validate(book)

    check_workbook(headless, AS_OF)
    expected = sheet_rows(Path(headless), "投诉记录")
    sheet = book.sheets["投诉记录"]
    header = expected[0]
    for key in ["case_id", *(c.key for c in TOOLKIT_COLUMNS)]:
        col = next(i for i, h in enumerate(header, start=1) if h == BY_KEY[key].zh)
        want = [row[col - 1] if row[col - 1] != "" else None for row in expected]
        got = sheet.column(col)
        got += [None] * (len(want) - len(got))
        assert got == want, key
    report = book.sheets["校验报告"]
    assert report.cells[(1, 1)] == "行号"
    assert any(v == "bad-phone" for v in report.cells.values())
    # Each problem's row number links to its cell, as the headless report does.
    assert any(f.startswith('=HYPERLINK("#\'投诉记录\'!') for f in report.formulas.values())
    assert book.active == "校验报告"  # problems found: the report is shown
    assert book.app.alerts == []


def test_one_read_per_sheet_and_one_write_per_column(tmp_path: Path) -> None:
    book = Book.from_file(register(tmp_path))
    excel.validate(book)
    reads = [name for kind, name in book.calls if kind == "read"]
    assert reads.count("投诉记录") == 1
    writes = [name for kind, name in book.calls if kind == "write"]
    # Six toolkit columns and 投诉编号 (a blank filled): seven columns, seven writes; the
    # staff column's formulas are read once first.
    assert writes.count("投诉记录") == 7
    assert [kind for kind, _ in book.calls].count("formula") == 1
    assert writes.count("校验报告") == 1


def test_a_clean_register_gets_a_message_with_the_counts(tmp_path: Path) -> None:
    book = Book.from_file(make_register(tmp_path / "台账.xlsx", [good_row()]))
    excel.validate(book)
    [(text, title)] = book.app.alerts
    assert "1 行" in text and "0 个错误" in text
    assert title == excel.TITLE
    assert book.active is None


def test_errors_go_to_a_message_box_and_nothing_is_written(tmp_path: Path) -> None:
    book = Book.from_file(make_register(tmp_path / "x.xlsx", [{"备注": "x"}], keys=["remark"],
                                        headers=["备注"], sheet="Sheet1"))
    excel.validate(book)
    [(text, _)] = book.app.alerts
    assert text.startswith("错误 error:") and "投诉记录" in text
    assert [c for c in book.calls if c[0] == "write"] == []


def test_a_bug_is_shown_not_swallowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = Book.from_file(register(tmp_path))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(excel.button, "check_sheets", broken)
    excel.validate(book)
    [(text, _)] = book.app.alerts
    assert "internal error" in text and "boom" in text


def test_text_stays_text() -> None:
    # Excel parses a string given to Range.Value as if typed: "=1+1" would become a formula,
    # "2611-0001" a date. The apostrophe keeps each one text.
    assert [safe(v) for v in ["=1+1", "+86", "2611-0001", "ok", "", 3, None]] == \
        ["'=1+1", "'+86", "'2611-0001", "'ok", "", 3, None]


def test_a_formula_in_a_staff_column_is_kept(tmp_path: Path) -> None:
    book = Book.from_file(register(tmp_path))
    sheet = book.sheets["投诉记录"]
    sheet.formulas[(2, 1)] = '="2611-00"&"01"'  # a team that builds its case numbers by formula
    excel.validate(book)
    assert sheet.formulas[(2, 1)] == '="2611-00"&"01"'
    assert sheet.cells[(3, 1)] == "2611-0005"  # the blank case number filled, as text
    assert (3, 1) not in sheet.formulas
    # The staff text that looks like a formula is still text.
    assert sheet.cells[(5, 8)] == "=1+1 写成了公式的样子"
    assert (5, 8) not in sheet.formulas


def test_forms_for_the_selected_case_or_all(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def forms_from_result(result: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        form = types.SimpleNamespace(path=kwargs["out_dir"] / "2611-0001_客户.docx",
                                     status="written")
        return types.SimpleNamespace(forms=[form], out_dir=kwargs["out_dir"])

    # The surface of toolkit.jobs.forms the button uses.
    monkeypatch.setitem(sys.modules, "toolkit.jobs.forms", types.SimpleNamespace(
        forms_from_result=forms_from_result, FORMS_FOLDER="审批表",
        find_template=lambda book: None))
    book = Book.from_file(register(tmp_path))
    book.selection = Selection(book.sheets["投诉记录"], 3)
    excel.approval_forms(book)
    book.selection = Selection(book.sheets["设置"] if "设置" in book.sheets
                               else book.sheets["投诉记录"], 1)
    excel.approval_forms(book)
    assert [c["rows"] for c in calls] == [[3], None]
    assert calls[0]["out_dir"] == tmp_path / "审批表"
    assert all("1 份审批表" in text for text, _ in book.app.alerts)


def test_monthly_statistics_for_the_previous_month(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def run_stats(path: Any, **kwargs: Any) -> None:
        calls.append((path, kwargs))

    monkeypatch.setitem(sys.modules, "toolkit.jobs.stats",
                        types.SimpleNamespace(run_stats=run_stats))
    book = Book(str(tmp_path / "台账.xlsm"))
    excel.monthly_statistics(book)
    [(path, kwargs)] = calls
    assert Path(path) == tmp_path / "台账.xlsm"
    assert kwargs["month"] == "2026-10" and kwargs["as_of"] == AS_OF
    assert kwargs["out"] == tmp_path / "台账-月度统计-2026-10.xlsx"
    assert str(kwargs["out"]) in book.app.alerts[0][0]


@pytest.mark.parametrize("now, month", [(datetime(2026, 1, 3), "2025-12"),
                                        (datetime(2026, 11, 30), "2026-10"),
                                        (datetime(2026, 3, 1), "2026-02")])
def test_previous_month(now: datetime, month: str) -> None:
    assert previous_month(now) == month
