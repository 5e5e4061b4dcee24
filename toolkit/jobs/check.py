"""`check`: read the register, apply the rules, write the results back losslessly."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from toolkit.bulk import collector_paused
from toolkit.errors import RuleError
from toolkit.findings import FLAGS, FLAGS_EN, Finding
from toolkit.jobs.reading import read_workbook_preloading
from toolkit.register import (
    BY_KEY,
    STAFF_COLUMNS,
    TOOLKIT_COLUMNS,
    RegisterData,
    cells_as_read,
    column,
    column_letter,
    normalise_cell,
    row_numbers,
)
from toolkit.register import CellValue as ReadValue
from toolkit.report.sheet import report_sheet
from toolkit.report.words import WORDS
from toolkit.rules.engine import CaseResult, CheckResult, Progress, run_check
from toolkit.sheets import (
    CellValue,
    ColumnWrite,
    Highlight,
    SaveResult,
    Workbook,
    WorkbookEdit,
    cut_text,
    ensure_writable,
    save_edit,
)

log = logging.getLogger("toolkit.jobs.check")

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
LAST_ROW = 1048576
RED, RED_TEXT = "FFC7CE", "9C0006"
AMBER, AMBER_TEXT = "FFEB9C", "9C5700"
ORANGE = "FCE4D6"


@dataclass
class CheckOutcome:
    result: CheckResult
    workbook: Workbook
    save: SaveResult | None  # None for --dry-run


def check_workbook(
    path: Path | str,
    as_of: datetime,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CheckOutcome:
    """Validate the register and, unless dry_run, write the results back into the workbook."""
    with collector_paused():  # millions of acyclic records: see toolkit/bulk.py
        return _check_workbook(Path(path), as_of, dry_run, progress)


def _check_workbook(
    path: Path, as_of: datetime, dry_run: bool, progress: Progress | None
) -> CheckOutcome:
    if progress:
        progress("read", 0, 1)
    book = read_workbook_preloading(path, report=not dry_run)
    if not dry_run:
        # Fail before the work rather than after it when Excel has the file open.
        ensure_writable(path, book.fingerprint)
    try:
        result = run_check(book.data, as_of, workbook_name=path.name, progress=progress)
    except RuleError as e:  # the rules name the table and row; the file is ours to add
        raise e.in_workbook(path) from None
    if dry_run:
        return CheckOutcome(result, book, None)
    edit = build_edit(book, result)
    if progress:
        progress("write", 0, 1)
    saved = save_edit(path, edit, expected=book.fingerprint,
                      backups=result.rules.settings.backups)
    return CheckOutcome(result, book, saved)


# ---------------------------------------------------------------------------
# What goes back into the workbook


def toolkit_values(r: CaseResult, headers: dict[str, str], lang: str) -> dict[str, CellValue]:
    """The six toolkit columns for one row, as written into the register."""
    return {key: values[0] for key, values in toolkit_columns([r], headers, lang).items()}


def toolkit_columns(cases: Sequence[CaseResult], headers: dict[str, str], lang: str
                    ) -> dict[str, list[CellValue]]:
    """The six toolkit columns of the rows, a column at a time, as written into the
    register."""
    words = WORDS[lang]
    labels = FLAGS_EN if lang == "en" else FLAGS

    def repeat(r: CaseResult) -> str:
        target = r.repeat_of or words.row.format(row=r.repeat_of_row)
        return f"{words.kind[r.repeat_kind or '']} {target}"

    return {
        "due_response": [r.due_response for r in cases],
        "due_close": [r.due_close for r in cases],
        "flags": [("、".join(labels[f] for f in r.flags) or None) if r.flags else None
                  for r in cases],
        "repeat_of": [repeat(r) if r.repeat_kind else None for r in cases],
        "effective_severity": [r.effective_severity for r in cases],
        "check": [cut_text(check_text(r.issues, headers, lang), mark=words.cut)
                  if r.issues else None for r in cases],
    }


def check_text(issues: list[Finding], headers: dict[str, str], lang: str) -> str:
    """The 校验结果 cell: every problem of the row, each tagged with its column's header so a
    conditional format on that column can find it."""
    words = WORDS[lang]
    parts = []
    for f in issues:
        tag = f"[{headers.get(f.field) or BY_KEY[f.field].zh}]" if f.field else ""
        parts.append(f"{words.level[f.level]}{tag} {f.message}")
    return words.sep.join(parts)


def build_edit(book: Workbook, result: CheckResult) -> WorkbookEdit:
    """Only the cells whose value changes: filled blanks and the toolkit columns."""
    data = book.data
    lang = result.rules.settings.language
    index = dict(data.headers.index)
    english = _uses_english(data)
    appended: dict[str, int] = {}
    next_col = data.last_column + 1
    for col in TOOLKIT_COLUMNS:
        if col.key not in index:
            index[col.key] = next_col - 1
            appended[col.key] = next_col
            next_col += 1

    writes: dict[str, dict[int, CellValue]] = {key: {} for key in index}
    for key in appended:
        writes[key][data.header_row] = BY_KEY[key].en if english else BY_KEY[key].zh
    headers = {k: data.headers.header(k) for k in index}
    # The cases come in the order of the rows read: what the sheet holds is taken a column
    # at a time (no dict per row).
    if [r.case.row for r in result.cases] != row_numbers(data.rows):  # a bug of ours: exit 70
        raise RuntimeError("the check results are not in the order of the rows read")
    cases = result.cases
    for r in cases:
        if r.case_id_assigned:
            writes["case_id"][r.row] = r.case_id
    if "department" in index:
        department = column(data.rows, "department")
        for i, r in enumerate(cases):
            # The default department is not written: its no-route warning must stay until a
            # person fills 责任部门 or adds a routing rule, and a second run must change
            # nothing.
            if (department[i] is None and r.department
                    and r.department_source in ("rule", "complained")):
                writes["department"][r.row] = r.department
    for key, planned in toolkit_columns(cases, headers, lang).items():
        read, target = cells_as_read(data.rows, key), writes[key]
        # Equal is the same (a re-run, 100,000 times), and so is an empty cell ("" or None,
        # as read) where nothing is planned: only the rest needs a closer look.
        for i in [i for i, (old, new) in enumerate(zip(read, planned, strict=True))
                  if old != new and (new is not None or (old != "" and old is not None))]:
            if not _same(normalise_cell(read[i]), planned[i]):
                target[cases[i].row] = planned[i]
    for raw in data.toolkit_only_rows:
        for key in raw.values:
            if BY_KEY[key].toolkit:
                writes[key][raw.row] = None

    columns = []
    for key, values in writes.items():
        if not values:
            continue
        col = BY_KEY[key]
        fmt = DATETIME_FORMAT if key in ("due_response", "due_close") else None
        # An appended header looks like the last header the staff have.
        like = {data.header_row: data.headers.width} if key in appended else {}
        columns.append(ColumnWrite(index[key] + 1, values, number_format=fmt,
                                   width=col.width if key in appended else None, like=like))

    report = report_sheet(result, data)
    edit = WorkbookEdit(data.register_sheet, columns=columns)
    if columns or not _same_rows(book.report_rows, report.rows):
        edit.owned_sheets.append(report)
        edit.highlights = highlights(index, headers, lang)
    return edit


def _uses_english(data: RegisterData) -> bool:
    shown = data.headers.headers
    english = sum(1 for k, h in shown.items() if h == BY_KEY[k].en)
    return english > len(shown) / 2


def _same(old: ReadValue, new: CellValue) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    if isinstance(old, datetime) and isinstance(new, datetime):
        return abs((old - new).total_seconds()) < 1
    return old == new


def _same_rows(old: list[list[ReadValue]] | None, new: list[list[CellValue]]) -> bool:
    if old is None:
        return False
    trimmed = [_trim(r) for r in old]
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed == [_trim(r) for r in new]


def _trim(row: Sequence[ReadValue]) -> list[ReadValue]:
    out = list(row)
    while out and out[-1] is None:
        out.pop()
    return out


def highlights(index: dict[str, int], headers: dict[str, str], lang: str) -> list[Highlight]:
    """Conditional formats keyed on the toolkit columns: they follow the data as staff edit and
    vanish when the toolkit clears a result, unlike per-cell fills."""
    words = WORDS[lang]

    def ref(key: str) -> tuple[str, str]:
        letter = column_letter(index[key] + 1)
        return f"{letter}2:{letter}{LAST_ROW}", f"${letter}2"

    def has(cell: str, text: str) -> str:
        return f'ISNUMBER(SEARCH("{text}",{cell}))'

    out: list[Highlight] = []
    check_cell = ref("check")[1]
    for col in STAFF_COLUMNS:
        if col.key in index:
            out.append(Highlight(ref(col.key)[0], has(check_cell, f"[{headers[col.key]}]"),
                                 RED, RED_TEXT))
    flags_range, flags_cell = ref("flags")
    # 整改逾期 / action overdue reads as overdue in 逾期标记 like the other flags, and also
    # marks the 整改期限 that was missed (docs/capa.md).
    if "action_due" in index:
        action_label = (FLAGS_EN if lang == "en" else FLAGS)["action-overdue"]
        out.append(Highlight(ref("action_due")[0], has(flags_cell, action_label), RED, RED_TEXT))
    late = "OR(" + ",".join(has(flags_cell, w) for w in words.overdue) + ")"
    out.append(Highlight(flags_range, late, RED, RED_TEXT))
    out.append(Highlight(flags_range, f"AND(NOT({late}),{has(flags_cell, words.soon)})",
                         AMBER, AMBER_TEXT))
    check_range = ref("check")[0]
    err = has(check_cell, words.level["error"])
    out.append(Highlight(check_range, err, RED, RED_TEXT))
    out.append(Highlight(check_range, f"AND(NOT({err}),{has(check_cell, words.level['warning'])})",
                         AMBER, AMBER_TEXT))
    sev_range, sev_cell = ref("effective_severity")
    out.append(Highlight(sev_range, f'OR({sev_cell}="重大",{sev_cell}="强烈")', RED, RED_TEXT))
    out.append(Highlight(ref("repeat_of")[0], f'{ref("repeat_of")[1]}<>""', ORANGE))
    return out
