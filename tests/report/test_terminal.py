"""The terminal report of `check`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from helpers import good_row, make_register

from toolkit.jobs.check import check_workbook
from toolkit.report.terminal import closing_line, human_report

AS_OF = datetime(2026, 11, 24, 9, 0)
CLOSED = {"status": "已结案", "closed_at": datetime(2026, 11, 3, 15, 0),
          "resolution": "已道歉并重新安排上门", "follow_up": "满意",
          "first_response_at": datetime(2026, 11, 3, 10, 0)}


def test_report_names_open_major_cases_escalated(tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row(severity="重大"),
                                               good_row(case_id="2611-0002", severity="重大",
                                                        customer="乙", phone="13900139000",
                                                        **CLOSED)])
    lines = human_report(check_workbook(book, AS_OF, dry_run=True))
    assert "  未结的重大投诉 1 件，已升级到 总经理办公室：2611-0001" in lines


def test_summary_counts_and_closing_line_follow_the_settings_language(tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row(phone="12345")],
                         extra_sheets={"设置": [["项目", "值"], ["语言", "en"]]})
    outcome = check_workbook(book, AS_OF, dry_run=True)
    lines = human_report(outcome)
    assert lines[0].startswith("r.xlsx: 1 rows, 1 errors, 0 warnings;")
    assert any(line.split()[:3] == ["bad-phone", "error", "1"] for line in lines)
    assert closing_line(outcome, book) == f"--dry-run: checked {book}, nothing written"
