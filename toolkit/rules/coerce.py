"""Turning raw cell values into typed values: dates in every form staff type, numbers as text."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

from toolkit.register import CellValue


class CoerceError(ValueError):
    """The value is not of the wanted type; the rule engine turns this into a finding."""


_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01, with Lotus' 1900-02-29 skipped
_MAX_SERIAL = 2958465  # 9999-12-31
_EPOCH_1904 = datetime(1904, 1, 1)  # serial 0 in a workbook with the 1904 date system
_DAYS_1900_TO_1904 = 1462

_CN_DATE = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*(\d{1,2})\s*(?:[:：]|时|点)\s*(\d{1,2})?\s*分?(?:\s*(\d{1,2})\s*秒?)?)?"
)
_SEP_DATE = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T\s]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?"
)


def text(value: CellValue) -> str | None:
    """Cell as trimmed text; a whole float (a phone number typed as a number) loses its '.0'."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        midnight = value.time() == time(0)
        s = value.date().isoformat() if midnight else value.strftime("%Y-%m-%d %H:%M")
    else:
        s = str(value)
    s = s.strip()
    return s or None


def from_serial(serial: float, date1904: bool = False) -> datetime:
    """The date and time of an Excel serial number, in the workbook's date system (1904: old
    Mac Excel and Numbers count days from 1904-01-01, serial 0)."""
    if date1904:
        if not 0 <= serial <= _MAX_SERIAL - _DAYS_1900_TO_1904:
            raise CoerceError(f"{serial} is outside Excel's date range")
        return _EPOCH_1904 + timedelta(seconds=round(serial * 86400))
    if not 0 < serial <= _MAX_SERIAL:
        raise CoerceError(f"{serial} is outside Excel's date range")
    # Excel counts seconds exactly at one-millisecond resolution; round to the second.
    return _EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))


def to_datetime(value: CellValue, *, date1904: bool = False) -> datetime | None:
    """A datetime from a date cell, an Excel serial number (counted in the workbook's date
    system) or date text; None when blank."""
    if type(value) is str:  # date text, the usual reason to come here: parsed straight away
        return _parse_datetime(value.strip(), date1904)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    if isinstance(value, bool):
        raise CoerceError(f"{value} is not a date")
    if isinstance(value, (int, float)):
        return from_serial(float(value), date1904)
    if isinstance(value, (time, timedelta)):
        raise CoerceError(f"{value} is a time of day without a date")
    return _parse_datetime(str(value).strip(), date1904)


def _parse_datetime(s: str, date1904: bool) -> datetime | None:
    if not s:
        return None
    try:  # fromisoformat is far faster than anything else: try it first (docs/design.md)
        return datetime.fromisoformat(s).replace(tzinfo=None, microsecond=0)
    except ValueError:
        pass
    m = _SEP_DATE.fullmatch(s) or _CN_DATE.fullmatch(s)
    if m:
        y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
        try:
            return datetime(y, mo, d, hh, mm, ss)
        except ValueError as e:
            raise CoerceError(f"'{s}' is not a real date ({e})") from None
    # A serial number pasted as text; but a bare year such as "2026" is not 1905-07-18.
    if re.fullmatch(r"\d{5}(\.\d+)?", s):
        return from_serial(float(s), date1904)
    raise CoerceError(f"'{s}' is not a date")


def to_date(value: CellValue, *, date1904: bool = False) -> date | None:
    dt = to_datetime(value, date1904=date1904)
    return dt.date() if dt else None


def to_date_or_none(value: CellValue, *, date1904: bool = False) -> date | None:
    """Like to_date, but None for a value that is not a date (used for rule sheets)."""
    try:
        return to_date(value, date1904=date1904)
    except CoerceError:
        return None


_NUMBER_JUNK = re.compile(r"[,，\s¥￥元$]")


def to_number(value: CellValue) -> float | None:
    """A number from a number cell or from text such as '1,200.50' or '¥300'; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CoerceError(f"{value} is not a number")
    if isinstance(value, (date, time, timedelta)):
        raise CoerceError(f"{value} is a date, not a number")
    try:
        n = float(value if isinstance(value, (int, float)) else _NUMBER_JUNK.sub("", str(value)))
    except (ValueError, OverflowError):  # OverflowError: an int too large for a float
        n = math.nan
    # float() also reads 'nan' and 'inf', which are no amount or quantity anyone typed.
    if not math.isfinite(n):
        raise CoerceError(f"'{str(value).strip()}' is not a number")
    return n


def to_int(value: CellValue) -> int | None:
    n = to_number(value)
    if n is None:
        return None
    if not n.is_integer():
        raise CoerceError(f"{n:g} is not a whole number")
    return int(n)
