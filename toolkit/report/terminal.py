"""The terminal report of `check`: the summary line, counts by code and flag, the worst rows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.findings import FLAGS, FLAGS_EN, Finding
from toolkit.messages import render
from toolkit.report.words import WORDS
from toolkit.rules.routing import escalation_departments

if TYPE_CHECKING:
    from toolkit.jobs.check import CheckOutcome


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
    "codes": {"zh": "  {a:<20}{b:<9}{c}", "en": "  {a:<20}{b:<9}{c}"},
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
            level = WORDS[lang].level[Finding(code, "").level]
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
        lines.append(f"  {WORDS[lang].level[f.level]}: {f.code}: {f.message}")
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
