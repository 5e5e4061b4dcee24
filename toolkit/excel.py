"""The Excel buttons (xlwings): read the open workbook, run the library, write back through Excel.

Each VBA macro of workbook_templates/ComplaintToolkit.bas runs one function here with RunPython.
Everything but the xlwings calls lives in toolkit/jobs/button.py (docs/excel.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from toolkit.errors import ToolkitError, bilingual
from toolkit.jobs import button
from toolkit.layout import REPORT_SHEET

log = logging.getLogger("toolkit.excel")
TITLE = "投诉管理工具 complaint toolkit"


def validate(book: Any = None) -> None:
    """校验: check the register, write the result columns and 校验报告 through Excel."""
    _run(_validate, book)


def approval_forms(book: Any = None) -> None:
    """生成审批表: the form of the selected case, or of every case needing approval."""
    _run(_forms, book)


def monthly_statistics(book: Any = None) -> None:
    """月度统计: the previous month's statistics."""
    _run(lambda b: button.monthly_statistics(b.fullname, _now()), book)


def _run(action: Callable[[Any], str | None], book: Any) -> None:
    if book is None:
        import xlwings as xw  # only the button path needs it: pip install complaint-toolkit[excel]

        book = xw.Book.caller()
    try:
        text = action(book)
    except ToolkitError as e:
        text = "错误 error: " + e.message
    except Exception as e:  # never silently: a bug still reaches the person who clicked
        log.exception("button failed")
        text = "程序内部出错 internal error: " + bilingual(
            "请把这条信息报告给维护人员", f"{type(e).__name__}: {e}; please report this")
    if text:
        book.app.alert(text, title=TITLE)


def _now() -> datetime:
    return datetime.now().replace(second=0, microsecond=0)


def _read(book: Any) -> tuple[dict[str, list[list[Any]]], list[str]]:
    names = [s.name for s in book.sheets]
    sheets = {}
    for name in button.sheets_to_read(names):
        sheet = book.sheets[name]
        last = sheet.used_range.last_cell  # the used range from A1, read in one call
        sheets[name] = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value
    return sheets, names


def _validate(book: Any) -> str | None:
    sheets, names = _read(book)
    plan = button.check_sheets(book.fullname, sheets, names, _now())
    register = book.sheets[plan.data.register_sheet]
    for col in plan.columns:  # one write per column (and a formula read for a staff column)
        cells = register.range((col.first_row, col.column),
                               (col.first_row + len(col.values) - 1, col.column))
        values = col.with_formulas(cells.formula) if col.before is not None else col.values
        cells.options(transpose=True).value = values
        if col.number_format:
            cells.number_format = col.number_format
    report = book.sheets[REPORT_SHEET] if REPORT_SHEET in names else book.sheets.add(
        REPORT_SHEET, after=book.sheets[len(names) - 1])
    report.clear_contents()
    report.range((1, 1)).value = plan.report
    if plan.problems:
        report.activate()
        return None
    return plan.message


def _forms(book: Any) -> str:
    sheets, names = _read(book)
    selection = book.selection
    return button.approval_forms(book.fullname, sheets, names, _now(),
                                 sheet=selection.sheet.name if selection else None,
                                 row=selection.row if selection else None)
