"""The morning list selection: who is told about which case, in which order."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from mailbook import AS_OF, morning_register

from toolkit.rules.calendar import WorkCalendar
from toolkit.rules.engine import CheckResult, run_check
from toolkit.rules.overdue import days_overdue, select_overdue, working_days_between
from toolkit.sheets.reader import read_workbook


def _result(tmp_path: Path, as_of: datetime = AS_OF) -> CheckResult:
    book = morning_register(tmp_path / "r.xlsx")
    return run_check(read_workbook(book).data, as_of)


def test_working_days_skip_weekends_and_the_national_day_holiday() -> None:
    cal = WorkCalendar("CN")
    # Wed 09-30 → Fri 10-09: Oct 1–7 off, Thu 10-08 and Fri 10-09 working.
    assert working_days_between(cal, date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert working_days_between(cal, date(2026, 10, 9), date(2026, 9, 30)) == -2
    assert working_days_between(cal, date(2026, 11, 20), date(2026, 11, 23)) == 1  # Fri → Mon
    # Missed at 16:30 and looked at the same evening: one day late, never "0 days overdue".
    assert days_overdue(cal, datetime(2026, 11, 24, 16, 30), datetime(2026, 11, 24, 17)) == 1
    assert days_overdue(cal, datetime(2026, 11, 24, 16, 30), datetime(2026, 11, 24, 9)) == 0


def test_each_department_gets_its_cases_most_overdue_first(tmp_path: Path) -> None:
    selection = select_overdue(_result(tmp_path))

    def lines(name: str) -> list[tuple[str | None, str, int | None]]:
        d = selection.department(name)
        assert d is not None, name
        return [(c.case_id, c.reason, c.days) for c in d.cases]

    assert [d.department for d in selection.departments] == ["质量部", "客服部", "总经理办公室"]
    assert lines("客服部") == [("2611-0001", "overdue", 5), ("2611-0007", "overdue", 3),
                            ("2611-0002", "due-today", 0)]
    assert lines("质量部") == [("2611-0003", "overdue", 2)]
    assert lines("总经理办公室") == [("2611-0007", "overdue", 3), ("2611-0006", "escalated", -1)]
    assert [(c.case_id, c.days) for c in selection.summary.cases] == [
        ("2611-0001", 5), ("2611-0007", 3), ("2611-0003", 2), ("2611-0002", 0),
        ("2611-0006", -1)]
    # The earliest missed deadline is the one shown: 0003's reply was due before its closure.
    first = selection.summary.cases[2]
    assert (first.deadline_kind, first.deadline) == ("response", datetime(2026, 11, 20, 16, 30))


def test_departments_with_nothing_get_no_list(tmp_path: Path) -> None:
    # Mon 11-16 at 11:00: 0001 was just received (due tomorrow), 0004 is closed; the later rows
    # lie in the future and are not due, but an open 重大 case always goes to 总经理办公室.
    selection = select_overdue(_result(tmp_path, datetime(2026, 11, 16, 11)))
    assert [d.department for d in selection.departments] == ["总经理办公室"]
    assert [(c.case_id, c.reason) for c in selection.summary.cases] == [
        ("2611-0007", "escalated"), ("2611-0006", "escalated")]


def test_overdue_actions_are_listed_and_recontacts_never(tmp_path: Path) -> None:
    result = _result(tmp_path)
    by_id = {r.case_id: r for r in result.cases}
    # The flag and fields set by hand, the selection on its own: even on a re-contact (which
    # the rules never flag) it lists nothing.
    for case_id, due in (("2611-0004", date(2026, 11, 20)), ("2611-0005", date(2026, 11, 1)),
                         ("2611-0003", date(2026, 11, 23))):
        r = by_id[case_id]
        r.flags.append("action-overdue")
        r.case.corrective_action = "更换供应商"
        r.case.action_due = due
    selection = select_overdue(result)
    service = selection.department("客服部")
    quality = selection.department("质量部")
    assert service is not None and quality is not None
    # 0004 is closed but its action is still open; 0005 is a re-contact: never listed.
    assert [(a.result.case_id, a.days) for a in service.actions] == [("2611-0004", 2)]
    assert [(a.result.case_id, a.days) for a in quality.actions] == [("2611-0003", 1)]
    assert [a.result.case_id for a in selection.summary.actions] == ["2611-0004", "2611-0003"]
    assert service.counts() == {"overdue": 2, "due_today": 1, "escalated": 0, "actions": 1}
