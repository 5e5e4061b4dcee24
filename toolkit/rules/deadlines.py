"""Deadlines: the 回复时限 and 结案时限 of a case from the time-limit table (docs/rules.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from toolkit.layout import Limit, TimeLimitRule
from toolkit.register import Case
from toolkit.rules.calendar import WorkCalendar
from toolkit.rules.ruleset import RuleSet

WILDCARD = "*"
DEFAULT_REGION = "国内"


def _matches(pattern: str, value: str | None) -> bool:
    return pattern == WILDCARD or (value is not None and pattern == value)


def find_limit(
    rules: Sequence[TimeLimitRule], category: str | None, severity: str | None, region: str | None
) -> TimeLimitRule | None:
    """The first row of the time-limit table matching the case; None when no row does.

    A missing value (None) only matches `*`, except the region: a blank 区域 means 国内.
    """
    region = region or DEFAULT_REGION
    for rule in rules:
        if (_matches(rule.category, category) and _matches(rule.severity, severity)
                and _matches(rule.region, region)):
            return rule
    return None


def receipt_day(start: datetime | date, cutoff: time) -> date:
    """The day the clock starts: the date received, or the next day when received after the
    cut-off (exactly at the cut-off still counts as that day). A bare date has no time, so it
    is its own receipt day."""
    if isinstance(start, datetime):
        day = start.date()
        return day + timedelta(days=1) if start.time() > cutoff else day
    return start


def due_at(
    start: datetime | date,
    limit: Limit,
    calendar: WorkCalendar,
    cutoff: time,
    *,
    from_day: date | None = None,
) -> datetime:
    """The deadline for `limit` counted from `start` (or from `from_day`, e.g. a 预约日期,
    which replaces the receipt day): the due day at the cut-off time."""
    day = from_day if from_day is not None else receipt_day(start, cutoff)
    if limit.working:
        due = calendar.add_working_days(day, limit.count)
    else:
        due = calendar.next_working_day(day + timedelta(days=limit.count))
    return datetime.combine(due, cutoff)


def compute_deadlines(
    case: Case, rules: RuleSet, calendar: WorkCalendar, severity: str | None
) -> tuple[datetime | None, datetime | None]:
    """(回复时限, 结案时限) of a case, `severity` being its effective severity.

    Both are None when 受理时间 or 类别 is missing (or could not be read), or when no row of
    the time-limit table matches (a team's own table need not end with a catch-all row).
    """
    return Deadlines(rules, calendar)(case, severity)


_NONE: tuple[None, None] = (None, None)


class Deadlines:
    """compute_deadlines for the many cases of one check: the same rules and calendar.

    A register of 100,000 rows has a handful of (类别, 级别, 区域) combinations and a few
    hundred receipt days, so the row of the time-limit table is looked up once per combination
    and the two deadlines are counted once per (combination, receipt day, appointment day);
    every case that shares them shares the two datetimes (docs/performance.md).
    """

    def __init__(self, rules: RuleSet, calendar: WorkCalendar) -> None:
        self._limits = rules.limits
        self._calendar = calendar
        self._cutoff = rules.settings.cutoff
        self._rules: dict[tuple[str, str | None, str | None], TimeLimitRule | None] = {}
        self._dues: dict[tuple[object, ...], tuple[datetime, datetime]] = {}
        self.years: set[int] = set()  # the years of every deadline given out

    def __call__(self, case: Case, severity: str | None
                 ) -> tuple[datetime | None, datetime | None]:
        start, category = case.received_at, case.category
        if start is None or category is None:
            return _NONE
        combination = (category, severity, case.region)
        try:
            rule = self._rules[combination]
        except KeyError:
            rule = self._rules[combination] = find_limit(self._limits, *combination)
        if rule is None:
            return _NONE
        cutoff = self._cutoff
        day = receipt_day(start, cutoff)
        close_day = day
        appointment = case.appointment_on
        if appointment is not None:
            if isinstance(appointment, datetime):  # a date cell may still carry a time
                appointment = appointment.date()
            # An appointment earlier than the receipt day is a typing slip, not a reason to
            # end the closure clock before the complaint arrived: the later day counts.
            close_day = max(appointment, day)
        key = (combination, day, close_day)
        found = self._dues.get(key)
        if found is None:
            found = self._dues[key] = (
                due_at(start, rule.response, self._calendar, cutoff, from_day=day),
                due_at(start, rule.close, self._calendar, cutoff, from_day=close_day))
            self.years.update(due.year for due in found)
        return found
