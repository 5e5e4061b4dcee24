"""Working days: the official calendar of the holidays package, with the 节假日 overrides."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import date, timedelta

import holidays

from toolkit.errors import RuleError, bilingual
from toolkit.layout import SETTINGS_SHEET, HolidayOverride

_ONE_DAY = timedelta(days=1)


def preload() -> None:
    """Import the official calendars (about 0.1 s, all countries at once). A job calls this on
    a second thread while python-calamine parses the register, which lets go of the GIL, so
    the import costs no time of its own (docs/performance.md)."""
    importlib.import_module("holidays.countries")


class WorkCalendar:
    """Which days are working days (docs/rules.md, "Deadlines").

    Mon–Fri minus public holidays plus official make-up working days (调休上班), as the
    `holidays` package knows them for `country`; then each 节假日 override decides its
    single date. A register of 100,000 rows asks about the same few hundred days over and
    over, so each year is computed once into a dict and answers are memoised.
    """

    def __init__(self, country: str = "CN", overrides: Sequence[HolidayOverride] = ()) -> None:
        code = (country or "").strip().upper()
        try:
            self._official = holidays.country_holidays(code)
        except NotImplementedError:
            raise RuleError(
                bilingual(f"国家/地区「{country}」不是节假日日历认识的国家代码："
                          "请填写如 CN 的代码",
                          f"国家/地区 '{country}' is not a country code the holidays calendar "
                          "knows; use e.g. CN"),
                table=SETTINGS_SHEET,
            ) from None
        self.country = code
        # A later row for the same date wins: the sheet is read top to bottom, and the
        # last word a person wrote is the one they mean.
        self._overrides: dict[date, bool] = {o.day: o.working for o in overrides}
        self._override_years = {day.year for day in self._overrides}
        self._working: dict[date, bool] = {}
        self._built_years: set[int] = set()
        self._added: dict[tuple[date, int], date] = {}

    def is_working_day(self, day: date) -> bool:
        working = self._working.get(day)
        if working is None:
            self._build_year(day.year)
            working = self._working[day]
        return working

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (`day` itself need not be one); n=0 is
        next_working_day(day)."""
        if n < 0:
            raise ValueError(f"n must be 0 or more, not {n}")
        key = (day, n)
        found = self._added.get(key)
        if found is None:
            if n == 0:
                found = self.next_working_day(day)
            else:
                found, left = day, n
                while left:
                    found += _ONE_DAY
                    if self.is_working_day(found):
                        left -= 1
            self._added[key] = found
        return found

    def is_known_year(self, year: int) -> bool:
        """Whether the official schedule for `year` is known, so deadlines in it can be trusted.

        China publishes each year's make-up working days late in the year before; until then
        the package only estimates that year's holidays. A year counts as known when the
        package lists make-up days in it, or when the team entered any override date in it
        (they typed in the schedule). Calendars without make-up days are known wherever the
        package covers them.
        """
        if year in self._override_years:
            return True
        official = self._official
        if not official.start_year <= year <= official.end_year:
            return False
        if not official.has_substituted_holidays:
            return True
        self._populate(year)
        return any(d.year == year for d in official.weekend_workdays)

    def _populate(self, year: int) -> None:
        # Asking about any date of a year makes the (expanding) holidays object load it;
        # make-up days that belong to a neighbouring year's schedule are loaded up front.
        _ = date(year, 1, 1) in self._official

    def _build_year(self, year: int) -> None:
        if year in self._built_years:
            return
        self._populate(year)
        official = self._official
        day, end = date(year, 1, 1), date(year + 1, 1, 1)
        while day < end:
            self._working[day] = official.is_working_day(day)
            day += _ONE_DAY
        for over_day, working in self._overrides.items():
            if over_day.year == year:
                self._working[over_day] = working
        self._built_years.add(year)
