"""WorkCalendar against the real holidays package's 2026 Chinese schedule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from toolkit.errors import RuleError
from toolkit.layout import HolidayOverride
from toolkit.rules.calendar import WorkCalendar

CN = WorkCalendar()


def off_days(start: date, end: date, calendar: WorkCalendar = CN) -> list[date]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if not calendar.is_working_day(d)]


def test_ordinary_week() -> None:
    # Mon 2026-11-02 .. Sun 2026-11-08: only the weekend is off.
    assert off_days(date(2026, 11, 2), date(2026, 11, 8)) == [date(2026, 11, 7), date(2026, 11, 8)]


def test_national_day_and_mid_autumn_2026() -> None:
    # Mid-Autumn Fri 09-25 joins the weekend; National Day is Oct 1-7 with make-up working
    # days Sun 09-20 and Sat 10-10.
    assert off_days(date(2026, 9, 19), date(2026, 10, 11)) == [
        date(2026, 9, 19),
        date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27),
        *(date(2026, 10, d) for d in range(1, 8)),
        date(2026, 10, 11),
    ]
    assert CN.is_working_day(date(2026, 9, 20))  # a Sunday
    assert CN.is_working_day(date(2026, 10, 10))  # a Saturday


def test_next_working_day() -> None:
    assert CN.next_working_day(date(2026, 11, 4)) == date(2026, 11, 4)
    assert CN.next_working_day(date(2026, 11, 7)) == date(2026, 11, 9)
    assert CN.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert CN.next_working_day(date(2026, 9, 19)) == date(2026, 9, 20)


def test_add_working_days() -> None:
    assert CN.add_working_days(date(2026, 11, 4), 0) == date(2026, 11, 4)
    assert CN.add_working_days(date(2026, 11, 7), 0) == date(2026, 11, 9)
    assert CN.add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 9)
    assert CN.add_working_days(date(2026, 11, 7), 1) == date(2026, 11, 9)  # from a day off
    assert CN.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CN.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert CN.add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)
    assert CN.add_working_days(date(2026, 10, 9), 2) == date(2026, 10, 12)
    # Asked twice (memoised) gives the same answer.
    assert CN.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    with pytest.raises(ValueError):
        CN.add_working_days(date(2026, 11, 4), -1)


def test_overrides_win_both_ways() -> None:
    cal = WorkCalendar("CN", [
        HolidayOverride(date(2026, 11, 9), working=False, note="公司年会"),
        HolidayOverride(date(2026, 11, 14), working=True, note="补班"),
        HolidayOverride(date(2026, 10, 1), working=True),
    ])
    assert off_days(date(2026, 11, 7), date(2026, 11, 15), cal) == [
        date(2026, 11, 7), date(2026, 11, 8), date(2026, 11, 9), date(2026, 11, 15),
    ]
    assert cal.is_working_day(date(2026, 10, 1))
    assert cal.add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 10)
    # The unchanged calendar is not affected by another instance's overrides.
    assert CN.is_working_day(date(2026, 11, 9))


def test_last_override_for_a_date_wins() -> None:
    cal = WorkCalendar("CN", [
        HolidayOverride(date(2026, 11, 9), working=False),
        HolidayOverride(date(2026, 11, 9), working=True),
    ])
    assert cal.is_working_day(date(2026, 11, 9))


def test_is_known_year() -> None:
    assert CN.is_known_year(2026)
    assert CN.is_known_year(2025)
    assert not CN.is_known_year(2027)  # estimated holidays, no make-up days published
    assert not CN.is_known_year(1900)  # before the package's Chinese calendar starts
    typed_in = WorkCalendar("CN", [HolidayOverride(date(2027, 2, 20), working=True)])
    assert typed_in.is_known_year(2027)
    assert not typed_in.is_known_year(2028)


def test_countries_without_make_up_days_know_every_covered_year() -> None:
    assert WorkCalendar("US").is_known_year(2027)
    assert WorkCalendar("DE").is_known_year(2040)
    assert not WorkCalendar("DE").is_known_year(1900)


def test_other_country_uses_its_own_holidays() -> None:
    us = WorkCalendar("us")  # the 设置 value may be typed in lower case
    assert us.country == "US"
    assert not us.is_working_day(date(2026, 11, 26))  # Thanksgiving
    assert us.is_working_day(date(2026, 10, 1))


def test_unknown_country_is_a_rule_error_naming_the_table() -> None:
    with pytest.raises(RuleError) as exc:
        WorkCalendar("XX")
    assert exc.value.table == "设置"
    assert str(exc.value) == (
        "设置: 国家/地区「XX」不是节假日日历认识的国家代码：请填写如 CN 的代码"
        " / 国家/地区 'XX' is not a country code the holidays calendar knows; use e.g. CN"
    )
