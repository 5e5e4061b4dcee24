"""What `stats` prints: the month's headline figures beside last month's, and the closing line."""

from __future__ import annotations

from pathlib import Path

from toolkit.messages import render
from toolkit.report.stats_sheet import LABELS, NONE
from toolkit.rules.stats import FIGURES, HOURS, RATES, MonthlyStats

_COLUMNS = {"zh": ("本月", "上月"), "en": ("month", "previous")}
_TEXT = {
    "head": {"zh": "{book}：{month} 月度统计（上月 {prev}）",
             "en": "{book}: statistics for {month} (previous month {prev})"},
    "outside": {"zh": "注意：登记表中的投诉受理于 {first} 至 {last}，{month} 不在其中",
                "en": "note: the register's complaints were received from {first} to {last}; "
                      "{month} is outside that range"},
    "empty": {"zh": "注意：登记表中还没有可统计的投诉",
              "en": "note: the register has no complaints to count yet"},
    "dry_run": {"zh": "--dry-run：已统计 {book} 的 {month}，未写入任何内容",
                "en": "--dry-run: statistics for {month} of {book} computed, nothing written"},
    "written": {"zh": "已写入 {book} 的「月度统计」表（{month}）{backup}",
                "en": "statistics for {month} written into sheet 月度统计 of {book}{backup}"},
    "backup": {"zh": "；原文件备份在 {path}", "en": "; the previous file is in {path}"},
    "out": {"zh": "已把 {month} 的统计表写入新文件 {out}（{book} 未改动）",
            "en": "statistics for {month} written to the new workbook {out} ({book} unchanged)"},
}


def _format(key: str, value: float | int | None) -> str:
    if value is None:
        return NONE
    if key in RATES:
        return f"{value:.1%}"
    if key in HOURS:
        return f"{value:.1f}"
    return str(value)


def stats_notes(stats: MonthlyStats, lang: str) -> list[str]:
    """A month the register has no cases for says so (the figures are zeros, not an error)."""
    if stats.data_range is None:
        return [render(_TEXT, "empty", lang)]
    if not stats.in_range:
        first, last = stats.data_range
        return [render(_TEXT, "outside", lang, first=first, last=last, month=stats.month)]
    return []


def stats_lines(stats: MonthlyStats, book: Path | str, lang: str) -> list[str]:
    """The month's figures beside the previous month's, for the terminal."""
    labels = LABELS.get(lang, LABELS["zh"])
    lines = [render(_TEXT, "head", lang, book=Path(book).name, month=stats.month,
                    prev=stats.month.previous())]
    lines += stats_notes(stats, lang)
    width = 26
    this, prev = _COLUMNS.get(lang) or _COLUMNS["zh"]
    wide = lang != "en"  # Chinese column heads take two terminal columns each
    lines.append(" " * (2 + width) + f"{this:>{8 - 2 * wide}}{prev:>{10 - 2 * wide}}")
    for key in FIGURES:
        label = labels[key]
        # Chinese characters take two columns on a terminal.
        pad = width - sum(2 if ord(ch) > 0x2E7F else 1 for ch in label)
        lines.append(f"  {label}{' ' * max(pad, 1)}{_format(key, stats.figures.get(key)):>8}"
                     f"{_format(key, stats.previous.get(key)):>10}")
    return lines


def stats_closing_line(stats: MonthlyStats, lang: str, book: Path | str, *, written: bool,
                       backup: Path | None = None, out: Path | None = None) -> str:
    """The one line saying what `stats` did and where the result is."""
    month = stats.month
    if out is not None:
        return render(_TEXT, "out", lang, month=month, out=out, book=book)
    if not written:
        return render(_TEXT, "dry_run", lang, month=month, book=book)
    more = render(_TEXT, "backup", lang, path=backup) if backup else ""
    return render(_TEXT, "written", lang, month=month, book=book, backup=more)
