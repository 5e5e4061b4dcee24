"""`check`: read the register, apply the rules, write the results back losslessly."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from toolkit.errors import RuleError
from toolkit.findings import FLAGS, FLAGS_EN, Finding
from toolkit.layout import REPORT_SHEET
from toolkit.messages import render
from toolkit.register import (
    BY_KEY,
    STAFF_COLUMNS,
    TOOLKIT_COLUMNS,
    RegisterData,
    column_letter,
)
from toolkit.register import CellValue as ReadValue
from toolkit.rules.engine import CaseResult, CheckResult, Progress, run_check
from toolkit.rules.routing import escalation_departments
from toolkit.sheets.lock import ensure_writable
from toolkit.sheets.reader import Workbook, read_workbook
from toolkit.sheets.xlsx.cells import cut_text, split_text
from toolkit.sheets.xlsx.writer import (
    CellValue,
    ColumnWrite,
    Highlight,
    OwnedSheet,
    SaveResult,
    WorkbookEdit,
    save_edit,
)

log = logging.getLogger("toolkit.jobs.check")

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
LAST_ROW = 1048576
RED, RED_TEXT = "FFC7CE", "9C0006"
AMBER, AMBER_TEXT = "FFEB9C", "9C5700"
ORANGE = "FCE4D6"

@dataclass(frozen=True)
class Words:
    """The words the toolkit writes into the workbook, in the 设置 language."""

    level: dict[str, str]  # finding level -> word in 校验结果 / 校验报告
    kind: dict[str, str]  # repeat kind -> prefix in 重复投诉
    row: str
    overdue: tuple[str, ...]  # words of the 逾期标记 labels that mean a deadline was missed
    soon: str
    ok: str
    report: tuple[str, ...]
    sep: str
    cut: str  # ends a cell cut to Excel's limit; the 校验报告 has every message in full


_WORDS = {
    "zh": Words({"error": "错误", "warning": "警告"},
                {"repeat": "重复投诉", "recontact": "重复来电"},
                "第{row}行", ("逾期", "超时"), "即将到期", "没有发现问题",
                ("行号", "投诉编号", "列", "级别", "代码", "说明"), "；",
                "…（超出 Excel 单元格长度，全文见「校验报告」）"),
    "en": Words({"error": "error", "warning": "warning"},
                {"repeat": "repeat of", "recontact": "re-contact of"},
                "row {row}", ("overdue", "late"), "due soon", "no problems found",
                ("Row", "Case ID", "Column", "Level", "Code", "Message"), "; ",
                "… (too long for an Excel cell; the full text is on sheet 校验报告)"),
}


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
    path = Path(path)
    if progress:
        progress("read", 0, 1)
    book = read_workbook(path)
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
    words = _WORDS[lang]
    labels = FLAGS_EN if lang == "en" else FLAGS
    repeat: str | None = None
    if r.repeat_kind:
        target = r.repeat_of or words.row.format(row=r.repeat_of_row)
        repeat = f"{words.kind[r.repeat_kind]} {target}"
    return {
        "due_response": r.due_response,
        "due_close": r.due_close,
        "flags": "、".join(labels[f] for f in r.flags) or None,
        "repeat_of": repeat,
        "effective_severity": r.effective_severity,
        "check": cut_text(check_text(r.issues, headers, lang), mark=words.cut)
        if r.issues else None,
    }


def check_text(issues: list[Finding], headers: dict[str, str], lang: str) -> str:
    """The 校验结果 cell: every problem of the row, each tagged with its column's header so a
    conditional format on that column can find it."""
    words = _WORDS[lang]
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
    raw_by_row = {raw.row: raw for raw in data.rows}
    for r in result.cases:
        raw = raw_by_row[r.row]
        if r.case_id_assigned:
            writes["case_id"][r.row] = r.case_id
        # The default department is not written: its no-route warning must stay until a
        # person fills 责任部门 or adds a routing rule, and a second run must change nothing.
        if ("department" in index and raw.get("department") is None and r.department
                and r.department_source in ("rule", "complained")):
            writes["department"][r.row] = r.department
        for key, value in toolkit_values(r, headers, lang).items():
            if not _same(raw.get(key), value):
                writes[key][r.row] = value
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


def report_sheet(result: CheckResult, data: RegisterData) -> OwnedSheet:
    """The 校验报告 sheet: one line per problem, linked to the cell it is about."""
    lang = result.rules.settings.language
    words = _WORDS[lang]
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
                         piece])
        if f.row is not None:
            col = data.headers.index.get(f.field or "case_id", data.headers.index["case_id"])
            links[(len(rows), 1)] = f"{quoted}!{column_letter(col + 1)}{f.row}"
    if len(rows) == 1:
        rows.append([None, None, None, None, None, words.ok])
    return OwnedSheet(REPORT_SHEET, rows, widths={1: 7, 2: 11, 3: 12, 4: 7, 5: 16, 6: 90},
                      links=links)


def highlights(index: dict[str, int], headers: dict[str, str], lang: str) -> list[Highlight]:
    """Conditional formats keyed on the toolkit columns: they follow the data as staff edit and
    vanish when the toolkit clears a result, unlike per-cell fills."""
    words = _WORDS[lang]

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


# ---------------------------------------------------------------------------
# The human report


# Column heads of the terminal tables: (what, level, count)
_HEADS = {
    "code": {"zh": ("代码 code", "级别", "数量"), "en": ("code", "level", "count")},
    "flag": {"zh": ("标记 flag", "", "数量"), "en": ("flag", "", "count")},
}
_REPORT = {
    "summary": {
        "zh": "{book}：{rows} 行，{errors} 个错误，{warnings} 个警告；未结 {open}，逾期 {overdue}，"
              "即将到期 {due_soon}，重复投诉 {repeats}，重复来电 {recontacts}，已升级 {escalated}"
              "（截至 {as_of}）",
        "en": "{book}: {rows} rows, {errors} errors, {warnings} warnings; {open} open, "
              "{overdue} overdue, {due_soon} due soon, {repeats} repeats, {recontacts} "
              "re-contacts, {escalated} escalated (as of {as_of})",
    },
    "codes": {"zh": "  {a:<18}{b:<9}{c}", "en": "  {a:<18}{b:<9}{c}"},
    "worst": {"zh": "  问题最多的行（共 {n} 行有问题）：",
              "en": "  worst rows (of {n} with problems):"},
    "row": {"zh": "  第 {row} 行", "en": "  row {row}"},
    "more": {"zh": "（另有 {n} 个）", "en": " (+{n} more)"},
    "escalate": {"zh": "  未结的重大投诉 {n} 件，已升级到 {to}：{cases}",
                 "en": "  {n} open major (重大) cases are escalated to {to}: {cases}"},
    "dry_run": {"zh": "--dry-run：已校验 {book}，未写入任何内容",
                "en": "--dry-run: checked {book}, nothing written"},
    "written": {"zh": "已写回 {book}（结果列和「校验报告」表）{backup}",
                "en": "results written into {book} (toolkit columns and sheet 校验报告){backup}"},
    "backup": {"zh": "；原文件备份在 {path}", "en": "; the previous file is in {path}"},
    "unchanged": {"zh": "{book} 已是最新结果，未写入任何内容",
                  "en": "{book} is already up to date; nothing written"},
}


def human_report(outcome: CheckOutcome, *, worst: int = 15) -> list[str]:
    """Lines for the terminal, in the 设置 language: the summary, counts by code and by flag,
    the worst rows."""
    result = outcome.result
    lang = result.rules.settings.language
    labels = FLAGS_EN if lang == "en" else FLAGS

    def t(key: str, **fields: object) -> str:
        return render(_REPORT, key, lang, **fields)

    lines = [t("summary", book=result.workbook, as_of=f"{result.as_of:%Y-%m-%d %H:%M}",
               **result.summary())]
    codes = result.code_counts()
    if codes:
        a, b, c = _HEADS["code"][lang]
        lines += ["", t("codes", a=a, b=b, c=c)]
        for code, n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])):
            level = _WORDS[lang].level[Finding(code, "").level]
            lines.append(t("codes", a=code, b=level, c=n))
    flags: Counter[str] = result.flag_counts()
    if flags:
        a, b, c = _HEADS["flag"][lang]
        lines += ["", t("codes", a=a, b=b, c=c)]
        for flag in FLAGS:
            if flags[flag]:
                lines.append(t("codes", a=flag, b=labels[flag], c=flags[flag]))
    bad = sorted((r for r in result.cases if r.issues),
                 key=lambda r: (-r.errors, -len(r.issues), r.row))
    if bad:
        lines += ["", t("worst", n=len(bad))]
        for r in bad[:worst]:
            first = r.issues[0]
            more = t("more", n=len(r.issues) - 1) if len(r.issues) > 1 else ""
            lines.append(f"{t('row', row=r.row):<13}{r.case_id or '':<11}{first.code:<16}"
                         f"{_short(first.message)}{more}")
    major = [r for r in result.cases
             if r.case.is_open and r.effective_severity == "重大" and r.repeat_kind != "recontact"]
    to = escalation_departments(result.rules)
    if major and to:
        shown = "、".join(r.case_id or f"#{r.row}" for r in major[:10])
        lines += ["", t("escalate", n=len(major), to="、".join(to),
                        cases=shown + ("…" if len(major) > 10 else ""))]
    for f in result.issues:
        lines.append(f"  {_WORDS[lang].level[f.level]}: {f.code}: {f.message}")
    return lines


def closing_line(outcome: CheckOutcome, book: Path | str) -> str:
    """The one line that says what `check` did and where the result is."""
    lang = outcome.result.rules.settings.language
    save = outcome.save
    if save is None:
        return render(_REPORT, "dry_run", lang, book=book)
    if not save.changed:
        return render(_REPORT, "unchanged", lang, book=book)
    backup = render(_REPORT, "backup", lang, path=save.backup) if save.backup else ""
    return render(_REPORT, "written", lang, book=book, backup=backup)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
