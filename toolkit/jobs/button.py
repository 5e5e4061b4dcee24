"""The work behind the Excel buttons, without Excel: sheet rows in, whole result columns and the
校验报告 rows out, so that toolkit/excel.py only moves arrays (docs/excel.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from toolkit.errors import WorkbookError, bilingual
from toolkit.jobs.check import CheckOutcome, build_edit
from toolkit.layout import REGISTER_SHEET, REPORT_SHEET, RULE_SHEETS
from toolkit.register import BY_KEY, REQUIRED_HEADERS, CellValue, HeaderMap, RegisterData
from toolkit.report.sheet import report_sheet
from toolkit.report.terminal import human_report
from toolkit.rules.engine import CheckResult, run_check
from toolkit.sheets import CONFIG_SHEET, Workbook
from toolkit.sheets.lock import Fingerprint
from toolkit.sheets.reader import register_from_rows, rule_sheet_from_rows


@dataclass
class ColumnArray:
    """Cells of one register column from `first_row` down, written in one call."""

    column: int  # 1-based
    first_row: int
    values: list[Any]
    number_format: str | None = None
    # A staff column (投诉编号, 责任部门): the values it had, so that cells holding a formula get
    # their formula back instead of its value (see with_formulas).
    before: list[CellValue] | None = None

    def with_formulas(self, formulas: Any) -> list[Any]:
        """The values to write, with each unchanged formula cell given its formula again.
        `formulas` is what Excel's Range.Formula gave for the same cells (one per row)."""
        if self.before is None:
            return self.values
        flat = [f[0] if isinstance(f, (list, tuple)) else f for f in
                (formulas if isinstance(formulas, (list, tuple)) else [formulas])]
        out = list(self.values)
        for i, (formula, old) in enumerate(zip(flat, self.before, strict=False)):
            # A text cell reading "=x" has the same formula and value; a real formula differs.
            if isinstance(formula, str) and formula.startswith("=") and formula != old \
                    and safe(old) == out[i]:
                out[i] = formula
        return out


@dataclass
class ButtonCheck:
    result: CheckResult
    data: RegisterData
    columns: list[ColumnArray]
    report: list[list[Any]]  # the 校验报告 sheet from A1; links are HYPERLINK formulas
    message: str  # the summary line and what was written

    @property
    def problems(self) -> bool:
        return bool(self.result.summary()["errors"] or self.result.summary()["warnings"])


def sheets_to_read(names: Sequence[str]) -> list[str]:
    """The sheets the button reads: the register (by name, or every candidate) and the rules."""
    wanted = [n for n in names if n in RULE_SHEETS]
    if REGISTER_SHEET in names:
        return [REGISTER_SHEET, *wanted]
    skip = {REPORT_SHEET, CONFIG_SHEET, *RULE_SHEETS}
    return [n for n in names if n not in skip] + wanted


def register_data(path: str, sheets: Mapping[str, list[list[Any]]],
                  names: list[str]) -> RegisterData:
    """The register and its rule sheets from rows read through Excel, row 1 first."""
    register = REGISTER_SHEET if REGISTER_SHEET in sheets else next(
        (n for n in names if n in sheets and n not in RULE_SHEETS and sheets[n]
         and not HeaderMap.from_row(sheets[n][0]).missing_required()), None)
    if register is None:
        required = "、".join(c.zh for c in REQUIRED_HEADERS)
        raise WorkbookError(bilingual(
            f"找不到投诉登记表：请把登记表所在的工作表命名为「{REGISTER_SHEET}」",
            f"no register sheet: none is named {REGISTER_SHEET} or has {required} in row 1"))
    rows = [list(r) for r in sheets[register]]
    data = register_from_rows(path, register, rows, names)
    data.rule_sheets = {n: rule_sheet_from_rows(n, [list(r) for r in sheets[n]])
                        for n in RULE_SHEETS if n in sheets}
    return data


def check_sheets(path: str, sheets: Mapping[str, list[list[Any]]], names: list[str],
                 as_of: datetime) -> ButtonCheck:
    """Run the same check as `complaints check` on rows read through Excel."""
    data = register_data(path, sheets, names)
    result = run_check(data, as_of, workbook_name=Path(path).name)
    book = Workbook(Path(path), data, Fingerprint(0, 0, ""), None)
    edit = build_edit(book, result)
    current = sheets[data.register_sheet]
    last_row = max((r.row for r in data.rows), default=data.header_row)
    columns: list[ColumnArray] = []
    for c in edit.columns:
        key = next((k for k, i in data.headers.index.items() if i + 1 == c.column), None)
        staff = key is not None and not BY_KEY[key].toolkit
        first = min([*c.values, data.header_row + 1])
        last = max([*c.values, last_row])
        before = [_cell(current, r, c.column) for r in range(first, last + 1)]
        values = list(before)
        for r, v in c.values.items():
            values[r - first] = v
        columns.append(ColumnArray(c.column, first, [safe(v) for v in values], c.number_format,
                                   before if staff else None))
    owned = report_sheet(result, data)
    report: list[list[Any]] = [[safe(v) for v in row] for row in owned.rows]
    for (r, k), target in owned.links.items():
        # The row number links to the problem cell, as the headless report's hyperlinks do.
        shown = report[r - 1][k - 1]
        link = ("#" + target).replace('"', '""')
        report[r - 1][k - 1] = f'=HYPERLINK("{link}",{shown if shown is not None else 0})'
    message = human_report(CheckOutcome(result, book, None), worst=0)[0]
    return ButtonCheck(result, data, columns, report, message)


def _cell(rows: Sequence[Sequence[Any]], row: int, column: int) -> CellValue:
    if row - 1 < len(rows) and column - 1 < len(rows[row - 1]):
        value = rows[row - 1][column - 1]
        return None if value == "" else value
    return None


def safe(value: Any) -> Any:
    """Text is written as text: Excel parses a string given to Range.Value as if typed, so
    "=1+1" would become a formula and "2611-0001" or "0571" a date or a number. A leading
    apostrophe keeps it text and is not part of the cell's value."""
    if isinstance(value, str) and value:
        return "'" + value
    return value


def selected_row(data: RegisterData, sheet: str | None, row: int | None) -> int | None:
    """The register row the user selected, when the selection is on a case of the register."""
    if sheet != data.register_sheet or row is None:
        return None
    return row if any(r.row == row for r in data.rows) else None


def approval_forms(path: str, sheets: Mapping[str, list[list[Any]]], names: list[str],
                   as_of: datetime, *, sheet: str | None, row: int | None) -> str:
    """The approval form of the selected case, or of every case needing approval; returns the
    line to show."""
    forms = import_module("toolkit.jobs.forms")
    data = register_data(path, sheets, names)
    result = run_check(data, as_of, workbook_name=Path(path).name)
    chosen = selected_row(data, sheet, row)
    book = Path(path)
    outcome = forms.forms_from_result(
        result, rows=[chosen] if chosen else None, out_dir=book.parent / forms.FORMS_FOLDER,
        template=forms.find_template(book))
    made = [f for f in outcome.forms if f.status != "skipped"]
    skipped = len(outcome.forms) - len(made)
    if not outcome.forms:
        return bilingual("没有需要审批的投诉，未生成审批表",
                         "no case needs approval; no form written")
    note = bilingual(f"；{skipped} 份因同名文件不是本工具生成而跳过",
                     f"; {skipped} skipped (a file not made by the toolkit is in the way)"
                     ) if skipped else ""
    return bilingual(f"已生成 {len(made)} 份审批表，在 {outcome.out_dir}",
                     f"{len(made)} approval form(s) in {outcome.out_dir}") + note


def previous_month(as_of: datetime) -> str:
    first = as_of.replace(day=1)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


def monthly_statistics(path: str, as_of: datetime) -> str:
    """The previous month's statistics, from the workbook as last saved, into a workbook beside
    it (the open workbook is Excel's to write); returns the line to show."""
    run_stats = import_module("toolkit.jobs.stats").run_stats
    month = previous_month(as_of)
    book = Path(path)
    out = book.with_name(f"{book.stem}-月度统计-{month}.xlsx")
    run_stats(book, as_of=as_of, month=month, out=out)
    return bilingual(f"{month} 月度统计（按最后保存的内容）已写入 {out}",
                     f"statistics for {month} (as last saved) written to {out}")
