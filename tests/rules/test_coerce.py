from __future__ import annotations

from datetime import date, datetime, time

import pytest

from toolkit.register import CellValue
from toolkit.rules.coerce import CoerceError, text, to_date, to_datetime, to_int, to_number


@pytest.mark.parametrize("value, expected", [
    (datetime(2026, 11, 3, 9, 30), datetime(2026, 11, 3, 9, 30)),
    (date(2026, 11, 3), datetime(2026, 11, 3)),
    (46329, datetime(2026, 11, 3)),
    (46329.395833333336, datetime(2026, 11, 3, 9, 30)),
    ("46329", datetime(2026, 11, 3)),
    ("2026-11-03 09:30", datetime(2026, 11, 3, 9, 30)),
    ("2026-11-03T09:30:15", datetime(2026, 11, 3, 9, 30, 15)),
    ("2026/11/3", datetime(2026, 11, 3)),
    ("2026/11/3 9:30", datetime(2026, 11, 3, 9, 30)),
    ("2026.11.3", datetime(2026, 11, 3)),
    ("2026年11月3日 9:30", datetime(2026, 11, 3, 9, 30)),
    ("2026年11月3日", datetime(2026, 11, 3)),
    ("2026年11月3号9点30分", datetime(2026, 11, 3, 9, 30)),
    (None, None), ("  ", None),
])
def test_dates(value: CellValue, expected: datetime | None) -> None:
    assert to_datetime(value) == expected


@pytest.mark.parametrize("value", ["2026-13-45", "2026-02-30", "明天", "2026", True, time(9, 30),
                                   -5, 3_000_000])
def test_not_dates(value: CellValue) -> None:
    with pytest.raises(CoerceError):
        to_datetime(value)


@pytest.mark.parametrize("value, expected", [
    (3, 3.0), (2.5, 2.5), ("1,200.50", 1200.5), ("¥300", 300.0), (" 12 ", 12.0), ("", None),
])
def test_numbers(value: CellValue, expected: float | None) -> None:
    assert to_number(value) == expected


@pytest.mark.parametrize("value", ["abc", "nan", "inf", True, date(2026, 1, 1)])
def test_not_numbers(value: CellValue) -> None:
    with pytest.raises(CoerceError):
        to_number(value)


def test_whole_numbers_and_text() -> None:
    assert to_int("12") == 12
    with pytest.raises(CoerceError):
        to_int(2.5)
    assert text(13800138000.0) == "13800138000"
    assert text("  王丽 ") == "王丽"
    assert text("") is None


def test_serials_count_from_the_workbooks_date_system() -> None:
    # The same moment is serial 46,329.396 in the 1900 system and 1,462 days less in 1904.
    moment = datetime(2026, 11, 3, 9, 30)
    assert to_datetime(46329.395833333336) == moment
    assert to_datetime(44867.395833333336, date1904=True) == moment
    assert to_datetime("44867", date1904=True) == datetime(2026, 11, 3)
    assert to_date(0, date1904=True) == date(1904, 1, 1)
    with pytest.raises(CoerceError):
        to_datetime(0)
