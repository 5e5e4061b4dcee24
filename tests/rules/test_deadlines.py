"""Deadlines (docs/rules.md): cut-off, Nd and Nwd limits, holidays, appointments, limits."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

from toolkit.layout import DEFAULT_LIMITS, HolidayOverride, Limit, Settings, TimeLimitRule
from toolkit.register import Case
from toolkit.rules.calendar import WorkCalendar
from toolkit.rules.deadlines import compute_deadlines, due_at, find_limit
from toolkit.rules.ruleset import RuleSet, default_ruleset

CN = WorkCalendar()
RULES = default_ruleset()
T = time(16, 30)


def limit(text: str) -> Limit:
    parsed = Limit.parse(text)
    assert parsed is not None
    return parsed


def due(start: datetime | date, text: str, calendar: WorkCalendar = CN) -> datetime:
    return due_at(start, limit(text), calendar, T)


def case(received_at: datetime | None = datetime(2026, 11, 2, 10, 0), **kw: object) -> Case:
    values: dict[str, object] = {"category": "产品质量", "severity": "一般", "status": "处理中"}
    values.update(kw)
    return Case(row=2, received_at=received_at, **values)  # type: ignore[arg-type]


def deadlines(c: Case, severity: str | None = "一般", rules: RuleSet = RULES,
              calendar: WorkCalendar = CN) -> tuple[datetime | None, datetime | None]:
    return compute_deadlines(c, rules, calendar, severity)


def test_spec_example() -> None:
    assert due(datetime(2026, 9, 30, 10, 0), "1d") == datetime(2026, 10, 8, 16, 30)


def test_cutoff_1629_1630_1631() -> None:
    assert due(datetime(2026, 11, 2, 16, 29), "1d") == datetime(2026, 11, 3, 16, 30)
    assert due(datetime(2026, 11, 2, 16, 30), "1d") == datetime(2026, 11, 3, 16, 30)
    assert due(datetime(2026, 11, 2, 16, 31), "1d") == datetime(2026, 11, 4, 16, 30)
    assert due(datetime(2026, 11, 2, 16, 30, 1), "1d") == datetime(2026, 11, 4, 16, 30)


def test_custom_cutoff() -> None:
    assert due_at(datetime(2026, 11, 2, 16, 45), limit("1d"), CN, time(17, 0)) == datetime(
        2026, 11, 3, 17, 0)


def test_weekends() -> None:
    # Fri -> Sat -> Mon; after the cut-off on Friday the count starts on Saturday.
    assert due(datetime(2026, 11, 6, 9, 0), "1d") == datetime(2026, 11, 9, 16, 30)
    assert due(datetime(2026, 11, 6, 17, 0), "1d") == datetime(2026, 11, 9, 16, 30)
    assert due(datetime(2026, 11, 6, 17, 0), "2d") == datetime(2026, 11, 9, 16, 30)
    assert due(datetime(2026, 11, 6, 9, 0), "1wd") == datetime(2026, 11, 9, 16, 30)
    assert due(datetime(2026, 11, 7, 9, 0), "0wd") == datetime(2026, 11, 9, 16, 30)


def test_mid_autumn() -> None:
    # Thu 09-24: Fri 09-25 is Mid-Autumn, then a weekend.
    assert due(datetime(2026, 9, 24, 10, 0), "1d") == datetime(2026, 9, 28, 16, 30)
    assert due(datetime(2026, 9, 24, 10, 0), "1wd") == datetime(2026, 9, 28, 16, 30)
    # Sat 09-19 (a day off) + 1d is Sun 09-20, an official make-up working day.
    assert due(datetime(2026, 9, 19, 10, 0), "1d") == datetime(2026, 9, 20, 16, 30)


def test_working_saturday_counts() -> None:
    received = datetime(2026, 10, 10, 10, 0)  # Sat, a make-up working day
    assert due(received, "0wd") == datetime(2026, 10, 10, 16, 30)
    assert due(received, "1wd") == datetime(2026, 10, 12, 16, 30)
    assert due(received, "1d") == datetime(2026, 10, 12, 16, 30)
    # After the cut-off the count starts on Sun 10-11, a day off.
    assert due(datetime(2026, 10, 10, 17, 0), "0wd") == datetime(2026, 10, 12, 16, 30)


def test_working_days_cross_national_day() -> None:
    assert due(datetime(2026, 9, 30, 10, 0), "0wd") == datetime(2026, 9, 30, 16, 30)
    assert due(datetime(2026, 9, 30, 10, 0), "1wd") == datetime(2026, 10, 8, 16, 30)
    assert due(datetime(2026, 9, 30, 10, 0), "3wd") == datetime(2026, 10, 10, 16, 30)
    assert due(datetime(2026, 10, 1, 10, 0), "0wd") == datetime(2026, 10, 8, 16, 30)
    # 2d lands on Fri 10-02 (holiday); 7d on Wed 10-07 (holiday); both move to 10-08.
    assert due(datetime(2026, 9, 30, 10, 0), "2d") == datetime(2026, 10, 8, 16, 30)
    assert due(datetime(2026, 9, 30, 10, 0), "7d") == datetime(2026, 10, 8, 16, 30)


def test_a_bare_date_is_its_own_receipt_day() -> None:
    assert due(date(2026, 11, 2), "1d") == datetime(2026, 11, 3, 16, 30)


def test_from_day_replaces_the_receipt_day() -> None:
    assert due_at(datetime(2026, 11, 2, 10, 0), limit("2d"), CN, T,
                  from_day=date(2026, 11, 20)) == datetime(2026, 11, 23, 16, 30)


def test_overrides_change_deadlines() -> None:
    cal = WorkCalendar("CN", [HolidayOverride(date(2026, 10, 1), working=True),
                              HolidayOverride(date(2026, 11, 3), working=False)])
    assert due(datetime(2026, 9, 30, 10, 0), "1d", cal) == datetime(2026, 10, 1, 16, 30)
    assert due(datetime(2026, 11, 2, 10, 0), "1d", cal) == datetime(2026, 11, 4, 16, 30)


def test_default_table() -> None:
    assert deadlines(case()) == (datetime(2026, 11, 3, 16, 30), datetime(2026, 11, 4, 16, 30))
    assert deadlines(case(category="服务过程")) == (
        datetime(2026, 11, 3, 16, 30), datetime(2026, 11, 3, 16, 30))
    assert deadlines(case(category="物流运输")) == (
        datetime(2026, 11, 3, 16, 30), datetime(2026, 11, 9, 16, 30))


def test_overseas_18_days() -> None:
    # Mon 11-02 + 18 days = Fri 11-20.
    assert deadlines(case(category="物流运输", region="国外")) == (
        datetime(2026, 11, 3, 16, 30), datetime(2026, 11, 20, 16, 30))
    # The category row comes first in the table, so it wins over the 国外 row.
    assert deadlines(case(category="产品质量", region="国外"))[1] == datetime(2026, 11, 4, 16, 30)


def test_appointment_restarts_the_closure_clock_only() -> None:
    assert deadlines(case(appointment_on=date(2026, 11, 20))) == (
        datetime(2026, 11, 3, 16, 30), datetime(2026, 11, 23, 16, 30))
    # An appointment before the receipt day cannot end the clock early.
    assert deadlines(case(appointment_on=date(2026, 10, 20))) == (
        datetime(2026, 11, 3, 16, 30), datetime(2026, 11, 4, 16, 30))


def test_missing_values_give_no_deadlines() -> None:
    assert deadlines(case(received_at=None)) == (None, None)
    assert deadlines(case(category=None)) == (None, None)


def test_find_limit_first_match_with_wildcards() -> None:
    assert find_limit(DEFAULT_LIMITS, "产品质量", "一般", None) is DEFAULT_LIMITS[0]
    assert find_limit(DEFAULT_LIMITS, "产品质量", "重大", "国外") is DEFAULT_LIMITS[0]
    assert find_limit(DEFAULT_LIMITS, "其他", "一般", "国外") is DEFAULT_LIMITS[6]
    assert find_limit(DEFAULT_LIMITS, "其他", "一般", None) is DEFAULT_LIMITS[7]
    assert find_limit(DEFAULT_LIMITS, None, None, None) is DEFAULT_LIMITS[7]


def tl(category: str, severity: str, region: str, response: str, close: str) -> TimeLimitRule:
    return TimeLimitRule(category, severity, region, limit(response), limit(close))


CUSTOM = (
    tl("*", "重大", "*", "0wd", "3wd"),
    tl("产品质量", "*", "国内", "1d", "5wd"),
    tl("物流运输", "强烈", "*", "1d", "3d"),
)


def test_find_limit_custom_table() -> None:
    assert find_limit(CUSTOM, "产品质量", "重大", None) is CUSTOM[0]
    assert find_limit(CUSTOM, "产品质量", "一般", None) is CUSTOM[1]  # no 区域 means 国内
    assert find_limit(CUSTOM, "产品质量", "一般", "国外") is None
    assert find_limit(CUSTOM, "物流运输", "强烈", "国外") is CUSTOM[2]
    assert find_limit(CUSTOM, "物流运输", None, None) is None  # blank only matches "*"


def test_custom_table_uses_effective_severity() -> None:
    rules = dataclasses.replace(RULES, limits=CUSTOM)
    # The case's own 投诉级别 is 一般, but a repeat made it 重大: the 重大 row applies.
    assert deadlines(case(), "重大", rules) == (
        datetime(2026, 11, 2, 16, 30), datetime(2026, 11, 5, 16, 30))
    assert deadlines(case(), "一般", rules) == (
        datetime(2026, 11, 3, 16, 30), datetime(2026, 11, 9, 16, 30))
    # No row matches (the table has no catch-all): no deadlines rather than a guess.
    assert deadlines(case(category="其他"), "一般", rules) == (None, None)


def test_cutoff_from_settings() -> None:
    rules = dataclasses.replace(RULES, settings=Settings(cutoff=time(18, 0)))
    assert deadlines(case(received_at=datetime(2026, 11, 2, 17, 0)), "一般", rules) == (
        datetime(2026, 11, 3, 18, 0), datetime(2026, 11, 4, 18, 0))
