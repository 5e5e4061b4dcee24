"""`stats`: the monthly statistics of one month, into the 月度统计 sheet or a new workbook."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from toolkit.bulk import collector_paused
from toolkit.errors import UsageError, bilingual
from toolkit.jobs.reading import read_workbook_preloading
from toolkit.report.stats_sheet import StatsLayout, stats_sheet
from toolkit.rules.engine import CheckResult, Progress, run_check
from toolkit.rules.stats import Month, MonthlyStats, monthly_stats
from toolkit.sheets import (
    SaveResult,
    WorkbookEdit,
    ensure_writable,
    save_edit,
    write_report_workbook,
)

log = logging.getLogger("toolkit.stats")


@dataclass
class StatsOutcome:
    report: MonthlyStats  # report.to_json() is the `stats --json` document
    result: CheckResult
    layout: StatsLayout
    save: SaveResult | None  # the workbook written (None: --dry-run or --out)
    out: Path | None  # the separate workbook written by --out
    book: Path


def default_month(as_of: datetime) -> Month:
    """The month before the one `as_of` falls in: the report is compiled early each month."""
    return Month.of(as_of).previous()


def parse_month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError:
        raise UsageError(bilingual(
            f"--month {text!r} 不是有效的月份：请写成 2026-10 这样的格式",
            f"--month {text!r}: write the month as YYYY-MM, e.g. 2026-10")) from None


def run_stats(path: Path | str, *, as_of: datetime, month: Month | str | None = None,
              out: Path | str | None = None, dry_run: bool = False,
              progress: Progress | None = None) -> StatsOutcome:
    """Compute the statistics of `month` (default: the previous month) and, unless dry_run,
    write the 月度统计 sheet into the workbook, or into a new workbook `out`."""
    path = Path(path)
    if isinstance(month, str):
        month = parse_month(month)
    month = month or default_month(as_of)
    if month.start > as_of:
        raise UsageError(bilingual(
            f"{month} 还没有开始（截至 {as_of:%Y-%m-%d %H:%M}）：请选择已开始的月份",
            f"{month} has not begun as of {as_of:%Y-%m-%d %H:%M}; choose a month that has"))
    out_path = Path(out) if out is not None else None
    if out_path is not None and out_path.resolve() == path.resolve():
        raise UsageError(bilingual(
            "--out 不能是登记表本身：统计表写入登记表时请去掉 --out",
            "--out must be a new file, not the register itself (drop --out to write into it)"))
    if out_path is not None and out_path.suffix.lower() != ".xlsx":
        raise UsageError(bilingual(
            f"--out {out_path.name}：统计表只能另存为 .xlsx 文件",
            f"--out {out_path.name}: the statistics workbook is written as .xlsx"))
    if progress:
        progress("read", 0, 1)
    with collector_paused():  # millions of acyclic records: see toolkit/bulk.py
        return _run_stats(path, as_of, month, out_path, dry_run, progress)


def _run_stats(path: Path, as_of: datetime, month: Month, out_path: Path | None,
               dry_run: bool, progress: Progress | None) -> StatsOutcome:
    book = read_workbook_preloading(path)
    if not dry_run and out_path is None:
        ensure_writable(path, book.fingerprint)  # refuse before the work, as check does
    result = run_check(book.data, as_of, workbook_name=path.name, progress=progress)
    stats = monthly_stats(result, month)
    settings = result.rules.settings
    layout = stats_sheet(stats, generated_at=as_of, company=settings.company,
                         lang=settings.language)
    outcome = StatsOutcome(stats, result, layout, None, None, path)
    if dry_run:
        return outcome
    if progress:
        progress("write", 0, 1)
    if out_path is not None:
        outcome.out = write_report_workbook(out_path, [layout.sheet])
        return outcome
    edit = WorkbookEdit(book.data.register_sheet, report_sheets=[layout.sheet])
    outcome.save = save_edit(path, edit, expected=book.fingerprint, backups=settings.backups)
    return outcome
