"""The 校验报告 sheet: one row per problem, linked to the cell it is about, with how to fix it."""

from __future__ import annotations

from toolkit.catalogue import BY_CODE
from toolkit.findings import Finding
from toolkit.layout import REPORT_SHEET
from toolkit.register import RegisterData, column_letter
from toolkit.report.words import WORDS
from toolkit.rules.engine import CaseResult, CheckResult
from toolkit.sheets import CellValue, OwnedSheet, split_text


def report_sheet(result: CheckResult, data: RegisterData) -> OwnedSheet:
    """The 校验报告 sheet: one line per problem, linked to the cell it is about; the last column
    is the catalogue's advice for the code (toolkit/catalogue.py)."""
    lang = result.rules.settings.language
    words = WORDS[lang]
    rows: list[list[CellValue]] = [list(words.report)]
    links: dict[tuple[int, int], str] = {}
    quoted = "'" + data.register_sheet.replace("'", "''") + "'"
    found: list[tuple[Finding, CaseResult | None]] = [(f, None) for f in result.issues]
    found += [(f, r) for r in result.cases for f in r.issues]
    for f, r in found:
        header = data.headers.header(f.field) if f.field else None
        # A message longer than a cell goes on over as many rows as it needs.
        for piece in split_text(f.message):
            rows.append([f.row, r.case_id if r else None, header, words.level[f.level], f.code,
                         piece, BY_CODE[f.code].fix(lang)])
        if f.row is not None:
            col = data.headers.index.get(f.field or "case_id", data.headers.index["case_id"])
            links[(len(rows), 1)] = f"{quoted}!{column_letter(col + 1)}{f.row}"
    if len(rows) == 1:
        rows.append([None, None, None, None, None, words.ok])
    return OwnedSheet(REPORT_SHEET, rows, widths={1: 7, 2: 11, 3: 12, 4: 7, 5: 16, 6: 90, 7: 40},
                      links=links)
