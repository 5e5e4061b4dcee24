"""Monthly statistics: the figures, breakdowns and lists of docs/statistics.md, computed purely
from the rule engine's results (no file, no clock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from toolkit.register import CHANNELS, CUSTOMER_TYPES, SEVERITIES
from toolkit.rules.engine import CaseResult, CheckResult
from toolkit.rules.repeats import customer_key

# The figure keys, in the order the sheet lists them (docs/statistics.md).
FIGURES = (
    "received", "substantiated", "closed", "closed_on_time", "on_time_rate", "open_at_end",
    "overdue_at_end", "repeats", "unresolvable", "followed_up", "follow_up_rate",
    "satisfaction_rate", "mean_response_hours", "mean_close_hours", "capa_done", "capa_rate",
    "actions_overdue_at_end",
)
RATES = frozenset({"on_time_rate", "follow_up_rate", "satisfaction_rate", "capa_rate"})
HOURS = frozenset({"mean_response_hours", "mean_close_hours"})
CAPA = frozenset({"capa_done", "capa_rate", "actions_overdue_at_end"})
BLANK = "未填写"  # the breakdown label of cases without a value
TOP_CUSTOMERS = 10
TREND_MONTHS = 12

Number = int | float | None


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'YYYY-MM' (also 'YYYY-M'); ValueError otherwise."""
        parts = text.strip().split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
            raise ValueError(text)
        month = cls(int(parts[0]), int(parts[1]))
        if not 1 <= month.month <= 12 or month.year < 1900:
            raise ValueError(text)
        return month

    @classmethod
    def of(cls, moment: date) -> Month:
        return cls(moment.year, moment.month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1)

    @property
    def end(self) -> datetime:
        """The first moment of the next month: "end of M" in docs/statistics.md."""
        return self.next().start

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class CaseLine:
    """One case of a list on the sheet (overdue at month end, unresolvable)."""

    row: int
    case_id: str | None
    customer: str | None
    received_at: datetime | None
    category: str | None
    department: str | None
    severity: str | None
    due_close: datetime | None
    status: str | None
    description: str | None
    overdue_days: float | None = None  # at the end of the month


@dataclass
class MonthlyStats:
    """Everything the 月度统计 sheet and `stats --json` show for one month."""

    month: Month
    figures: dict[str, Number]
    previous: dict[str, Number]
    by_category: dict[str, int]
    by_department: dict[str, int]
    by_severity: dict[str, int]
    by_channel: dict[str, int]
    by_customer_type: dict[str, int]
    matrix: dict[str, dict[str, int]]  # 类别 -> 责任部门 -> n, over `received`
    top_customers: list[tuple[str, int]]
    overdue_at_end: list[CaseLine]
    unresolvable: list[CaseLine]
    trend: list[tuple[Month, int, int]]  # (month, received, closed), oldest first
    data_range: tuple[Month, Month] | None  # months of the first and last counted case
    has_capa: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def in_range(self) -> bool:
        return self.data_range is not None and self.data_range[0] <= self.month \
            <= self.data_range[1]

    def change(self, key: str) -> Number:
        """This month's figure minus the previous month's; None when either is None."""
        now, before = self.figures.get(key), self.previous.get(key)
        if now is None or before is None:
            return None
        if key in RATES:
            return round(now - before, 4)
        if key in HOURS:
            return round(now - before, 1)
        return now - before

    def to_json(self) -> dict[str, Any]:
        """The `stats --json` document (docs/statistics.md): exactly these keys."""
        return {
            "month": str(self.month),
            "figures": dict(self.figures),
            "previous": dict(self.previous),
            "by_category": dict(self.by_category),
            "by_department": dict(self.by_department),
            "by_severity": dict(self.by_severity),
            "by_channel": dict(self.by_channel),
            "by_customer_type": dict(self.by_customer_type),
            "top_customers": [[name, n] for name, n in self.top_customers],
            "overdue_at_end": [c.case_id or f"#{c.row}" for c in self.overdue_at_end],
            "trend": [{"month": str(m), "received": r, "closed": c} for m, r, c in self.trend],
        }


def monthly_stats(result: CheckResult, month: Month) -> MonthlyStats:
    """The statistics of `month` over the engine's results. Re-contacts are never counted."""
    cases = [r for r in result.cases if r.repeat_kind != "recontact"]
    has_capa = {"root_cause", "corrective_action"} <= set(result.headers.index)
    received = [r for r in cases if _in(r.case.received_at, month)]
    rules = result.rules

    def breakdown(values: Iterable[str | None], known: Sequence[str]) -> dict[str, int]:
        counts = Counter(v if v else BLANK for v in values)
        out = {k: counts.pop(k, 0) for k in known}
        for k, n in sorted(counts.items(), key=lambda kv: (kv[0] == BLANK, -kv[1], kv[0])):
            out[k] = n
        return out

    categories = breakdown((r.case.category for r in received), rules.categories)
    departments = breakdown((r.department for r in received), rules.department_names)
    matrix: dict[str, dict[str, int]] = {c: dict.fromkeys(departments, 0) for c in categories}
    for r in received:
        matrix[r.case.category or BLANK][r.department or BLANK] += 1

    end = month.end
    open_cases = _open_at_end(cases, month)
    overdue = [r for r in open_cases if r.due_close is not None and r.due_close < end]
    overdue.sort(key=lambda r: (r.due_close or end, r.row))
    unresolvable = [r for r in received if r.case.status == "无法解决"]
    # The trend in one pass over the cases, not two for each of its months.
    received_in = Counter((t.year, t.month) for r in cases if (t := r.case.received_at))
    closed_in = Counter((t.year, t.month) for r in cases
                        if r.case.status == "已结案" and (t := r.case.closed_at))
    trend = []
    m = month
    for _ in range(TREND_MONTHS):
        trend.append((m, received_in[m.year, m.month], closed_in[m.year, m.month]))
        m = m.previous()
    moments = [t for r in cases if (t := r.case.received_at)]
    return MonthlyStats(
        month=month,
        figures=figures(cases, month, has_capa=has_capa),
        previous=figures(cases, month.previous(), has_capa=has_capa),
        by_category=categories,
        by_department=departments,
        by_severity=breakdown((r.effective_severity for r in received), SEVERITIES),
        by_channel=breakdown((r.case.channel for r in received), CHANNELS),
        by_customer_type=breakdown((r.case.customer_type for r in received), CUSTOMER_TYPES),
        matrix=matrix,
        top_customers=_top_customers(received),
        overdue_at_end=[_line(r, end) for r in overdue],
        unresolvable=[_line(r, None) for r in unresolvable],
        trend=trend[::-1],
        data_range=(Month.of(min(moments)), Month.of(max(moments))) if moments else None,
        has_capa=has_capa,
    )


def figures(cases: Sequence[CaseResult], month: Month, *, has_capa: bool) -> dict[str, Number]:
    """The figures of docs/statistics.md for one month (`cases` without re-contacts)."""
    end = month.end
    received = [r for r in cases if _in(r.case.received_at, month)]
    closed = _closed(cases, month)
    on_time = [r for r in closed if r.due_close is not None and r.case.closed_at is not None
               and r.case.closed_at <= r.due_close]
    open_cases = _open_at_end(cases, month)
    followed = [r for r in closed if r.case.follow_up]
    satisfied = [r for r in followed if r.case.follow_up in ("满意", "基本满意")]
    out: dict[str, Number] = {
        "received": len(received),
        "substantiated": sum(1 for r in received if r.case.substantiated == "是"),
        "closed": len(closed),
        "closed_on_time": len(on_time),
        "on_time_rate": _rate(len(on_time), len(closed)),
        "open_at_end": len(open_cases),
        "overdue_at_end": sum(1 for r in open_cases
                              if r.due_close is not None and r.due_close < end),
        "repeats": sum(1 for r in received if r.repeat_kind == "repeat"),
        "unresolvable": sum(1 for r in received if r.case.status == "无法解决"),
        "followed_up": len(followed),
        "follow_up_rate": _rate(len(followed), len(closed)),
        "satisfaction_rate": _rate(len(satisfied), len(followed)),
        "mean_response_hours": _mean_hours(
            (r.case.received_at, r.case.first_response_at) for r in received),
        "mean_close_hours": _mean_hours((r.case.received_at, r.case.closed_at) for r in closed),
        "capa_done": None,
        "capa_rate": None,
        "actions_overdue_at_end": None,
    }
    if has_capa:
        substantiated = [r for r in closed if r.case.substantiated == "是"]
        done = [r for r in substantiated
                if _filled(r.case, "root_cause") and _filled(r.case, "corrective_action")]
        out["capa_done"] = len(done)
        out["capa_rate"] = _rate(len(done), len(substantiated))
        out["actions_overdue_at_end"] = sum(1 for r in cases if _action_overdue(r, end.date()))
    return out


def _in(moment: datetime | None, month: Month) -> bool:
    # start <= moment < end, without making the two datetimes for each of 100,000 cases
    return moment is not None and moment.month == month.month and moment.year == month.year


def _closed(cases: Iterable[CaseResult], month: Month) -> list[CaseResult]:
    return [r for r in cases if r.case.status == "已结案" and _in(r.case.closed_at, month)]


def _open_at_end(cases: Iterable[CaseResult], month: Month) -> list[CaseResult]:
    # "受理时间 ≤ end of M", with the end being the first moment of the next month.
    end = month.end
    return [r for r in cases
            if r.case.received_at is not None and r.case.received_at <= end
            and r.case.status != "无法解决"
            and (r.case.closed_at is None or r.case.closed_at > end)]


def _action_overdue(r: CaseResult, first_of_next: date) -> bool:
    due = _as_date(getattr(r.case, "action_due", None))
    done = _as_date(getattr(r.case, "action_done_on", None))
    return (_filled(r.case, "corrective_action") and due is not None and due < first_of_next
            and (done is None or done >= first_of_next))


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _filled(case: object, key: str) -> bool:
    value = getattr(case, key, None)
    return value is not None and str(value).strip() != ""


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean_hours(pairs: Iterable[tuple[datetime | None, datetime | None]]) -> float | None:
    # A reply or closure before receipt is an `order` error in the register: not a duration.
    hours = [(b - a) / timedelta(hours=1) for a, b in pairs
             if a is not None and b is not None and b >= a]
    return round(sum(hours) / len(hours), 1) if hours else None


def _top_customers(received: Sequence[CaseResult]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for r in received:
        if not r.case.customer:
            continue
        key = customer_key(r.case.customer) or r.case.customer
        shown.setdefault(key, r.case.customer.strip())
        counts[key] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], shown[kv[0]]))
    return [(shown[k], n) for k, n in ranked[:TOP_CUSTOMERS]]


def _line(r: CaseResult, end: datetime | None) -> CaseLine:
    c = r.case
    late = None
    if end is not None and r.due_close is not None:
        late = round((end - r.due_close) / timedelta(days=1), 1)
    return CaseLine(r.row, c.case_id, c.customer, c.received_at, c.category, r.department,
                    r.effective_severity, r.due_close, c.status, c.description, late)
