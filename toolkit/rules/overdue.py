"""The morning list: which open cases each department is told about, most overdue first.

Pure: works on a CheckResult and a calendar; no file, no clock, no mail (docs/mail.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from toolkit.rules.calendar import WorkCalendar
from toolkit.rules.engine import CaseResult, CheckResult
from toolkit.rules.routing import escalation_departments

Reason = Literal["overdue", "due-today", "escalated"]
MAJOR = "重大"
ACTION_OVERDUE = "action-overdue"


@dataclass(frozen=True)
class ListedCase:
    """One line of a morning list.

    `deadline` is the deadline the line is about: the earliest one already missed, else the
    结案时限. `days` counts working days past it (1 = missed by the last working day, 0 = due
    today, negative = that many working days left, None = no deadline known)."""

    result: CaseResult
    reason: Reason
    deadline_kind: Literal["response", "close"] | None
    deadline: datetime | None
    days: int | None

    @property
    def row(self) -> int:
        return self.result.row

    @property
    def case_id(self) -> str | None:
        return self.result.case_id


@dataclass(frozen=True)
class ListedAction:
    """A corrective action past its 整改期限 (flag `action-overdue`)."""

    result: CaseResult
    action_due: date | None
    days: int | None  # working days past 整改期限

    @property
    def row(self) -> int:
        return self.result.row


@dataclass
class DepartmentList:
    department: str
    cases: list[ListedCase] = field(default_factory=list)
    actions: list[ListedAction] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cases or self.actions)

    def counts(self) -> dict[str, int]:
        return _counts(self.cases, self.actions)


@dataclass
class OverdueSelection:
    as_of: datetime
    departments: list[DepartmentList]  # only departments with something to report
    summary: DepartmentList  # every listed case and action once, for the complaint desk

    def department(self, name: str) -> DepartmentList | None:
        return next((d for d in self.departments if d.department == name), None)


def _counts(cases: Iterable[ListedCase], actions: list[ListedAction]) -> dict[str, int]:
    counts = {"overdue": 0, "due_today": 0, "escalated": 0, "actions": len(actions)}
    for c in cases:
        counts["due_today" if c.reason == "due-today" else c.reason] += 1
    return counts


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days d with start < d <= end; negative when end is before start."""
    if end == start:
        return 0
    lo, hi, sign = (start, end, 1) if end > start else (end, start, -1)
    n, day = 0, lo
    while day < hi:
        day = date.fromordinal(day.toordinal() + 1)
        if calendar.is_working_day(day):
            n += 1
    return sign * n


def days_overdue(calendar: WorkCalendar, deadline: datetime, as_of: datetime) -> int:
    """How far past `deadline` the as-of moment is, in working days of the deadline calendar.

    Past a deadline by any amount is at least one day late, so the list never says "0 days
    overdue" about a case that is overdue; 0 means due later today."""
    days = working_days_between(calendar, deadline.date(), as_of.date())
    if as_of > deadline:
        return max(days, 1)
    return days


def _listed(r: CaseResult, as_of: datetime, calendar: WorkCalendar) -> ListedCase | None:
    missed: list[tuple[datetime, Literal["response", "close"]]] = []
    if "response-overdue" in r.flags and r.due_response is not None:
        missed.append((r.due_response, "response"))
    if "close-overdue" in r.flags and r.due_close is not None:
        missed.append((r.due_close, "close"))
    if missed:
        deadline, kind = min(missed)
        return ListedCase(r, "overdue", kind, deadline, days_overdue(calendar, deadline, as_of))
    if r.due_close is not None and r.due_close.date() == as_of.date():
        return ListedCase(r, "due-today", "close", r.due_close, 0)
    if r.effective_severity == MAJOR:
        if r.due_close is None:
            return ListedCase(r, "escalated", None, None, None)
        return ListedCase(r, "escalated", "close", r.due_close,
                          days_overdue(calendar, r.due_close, as_of))
    return None


def _action(r: CaseResult, as_of: datetime, calendar: WorkCalendar) -> ListedAction:
    due = r.case.action_due
    days = None
    if due is not None:
        days = max(working_days_between(calendar, due, as_of.date()), 1)
    return ListedAction(r, due, days)


def _case_order(c: ListedCase) -> tuple[int, int, datetime, int]:
    # Most overdue first; lines without a deadline last; then earliest deadline, then row.
    return (c.days is None, -(c.days or 0), c.deadline or datetime.max, c.row)


def _action_order(a: ListedAction) -> tuple[int, int, int]:
    return (a.days is None, -(a.days or 0), a.row)


def select_overdue(result: CheckResult, calendar: WorkCalendar | None = None) -> OverdueSelection:
    """Per department: its open cases that are overdue (either deadline passed) or whose
    结案时限 falls on the as-of day, plus every open 有效级别 重大 case for the departments
    marked 接收升级, plus its cases flagged `action-overdue`. Re-contacts are never listed:
    their original case is. Departments with nothing to report are left out."""
    as_of = result.as_of
    rules = result.rules
    calendar = calendar or WorkCalendar(rules.settings.country, rules.holidays)
    escalation = escalation_departments(rules)
    lists: dict[str, DepartmentList] = {}
    summary = DepartmentList("")

    def dept(name: str) -> DepartmentList:
        return lists.setdefault(name, DepartmentList(name))

    for r in result.cases:
        if r.repeat_kind == "recontact":
            continue
        owner = r.department or rules.settings.default_department
        if ACTION_OVERDUE in r.flags:
            action = _action(r, as_of, calendar)
            dept(owner).actions.append(action)
            summary.actions.append(action)
        if not r.case.is_open:
            continue
        listed = _listed(r, as_of, calendar)
        if listed is None:
            continue
        if listed.reason != "escalated":
            dept(owner).cases.append(listed)
        if r.effective_severity == MAJOR:
            for name in escalation:
                if name != owner or listed.reason == "escalated":
                    dept(name).cases.append(listed)
        summary.cases.append(listed)

    ordered = [lists[n] for n in sorted(lists, key=_department_order(rules.department_names))]
    for d in (*ordered, summary):
        d.cases.sort(key=_case_order)
        d.actions.sort(key=_action_order)
    return OverdueSelection(as_of, [d for d in ordered if d], summary)


def _department_order(names: list[str]) -> Callable[[str], tuple[int, str]]:
    """Departments in the 部门 sheet's order, unknown names after them by name."""
    index = {n: i for i, n in enumerate(names)}
    return lambda n: (index.get(n, len(index)), n)
