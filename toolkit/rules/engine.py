"""The rule engine: every rule of docs/rules.md applied to a register, giving one CheckResult."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any

from toolkit.findings import CODES, Finding
from toolkit.messages import render
from toolkit.register import Case, HeaderMap, RegisterData
from toolkit.rules.calendar import WorkCalendar
from toolkit.rules.case_ids import assign_case_ids, duplicate_findings
from toolkit.rules.coerce import to_date_or_none
from toolkit.rules.deadlines import Deadlines
from toolkit.rules.flags import case_flags
from toolkit.rules.repeats import find_repeats
from toolkit.rules.routing import DEFAULT, no_route_finding, route_all
from toolkit.rules.ruleset import RuleSet, build_ruleset
from toolkit.rules.validate import header_findings, read_cases

_MESSAGES = {
    "calendar-unknown": {
        "zh": "{years} 年的法定节假日安排（调休上班日）尚未公布，日历中没有；该年的时限按普通周末和"
              "预估节日计算。公布后请在「节假日」表中补录放假和上班日期",
        "en": "the official holiday schedule (make-up working days) for {years} is not published "
              "in the calendar yet; deadlines in that year assume ordinary weekends and estimated "
              "holidays. Add the official days off and working days to the 节假日 sheet once known",
    },
}

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class CaseResult:
    """What the toolkit derived for one register row."""

    case: Case
    case_id_assigned: bool = False
    department: str | None = None
    department_source: str | None = None
    due_response: datetime | None = None
    due_close: datetime | None = None
    flags: list[str] = field(default_factory=list)
    repeat_kind: str | None = None
    repeat_of: str | None = None
    repeat_of_row: int | None = None
    effective_severity: str | None = None
    issues: list[Finding] = field(default_factory=list)

    @property
    def row(self) -> int:
        return self.case.row

    @property
    def case_id(self) -> str | None:
        return self.case.case_id

    @property
    def errors(self) -> int:
        return sum(1 for f in self.issues if f.level == "error")

    @property
    def overdue(self) -> bool:
        return "response-overdue" in self.flags or "close-overdue" in self.flags

    def to_json(self) -> dict[str, Any]:
        case, issues = self.case, self.issues  # (100,000 times: no property, no empty loop)
        return {
            "row": case.row,
            "case_id": case.case_id,
            "department": self.department,
            "department_source": self.department_source,
            "due_response": _iso(self.due_response),
            "due_close": _iso(self.due_close),
            "flags": self.flags.copy(),
            "repeat_of": self.repeat_of,
            "repeat_kind": self.repeat_kind,
            "effective_severity": self.effective_severity,
            "issues": [f.to_json(with_row=False) for f in issues] if issues else [],
        }


@dataclass
class CheckResult:
    """The result of `check`: per-row results and workbook-level findings; to_json() is
    the `check --json` document (docs/rules.md)."""

    workbook: str
    as_of: datetime
    rules: RuleSet
    headers: HeaderMap
    cases: list[CaseResult]
    issues: list[Finding]

    def all_findings(self) -> list[Finding]:
        return [*self.issues, *(f for c in self.cases for f in c.issues)]

    def summary(self) -> dict[str, int]:
        # Counted from the code and flag tallies, each a pass in C over 100,000 cases.
        levels: Counter[str] = Counter()
        for code, n in self.code_counts().items():
            levels[CODES[code]] += n
        cases = self.cases
        flagged = list(filter(_FLAGS, cases))
        flags = Counter(chain.from_iterable(map(_FLAGS, flagged)))
        kinds = Counter(map(_REPEAT_KIND, cases))
        return {
            "rows": len(cases),
            "errors": levels["error"],
            "warnings": levels["warning"],
            "open": sum(map(_IS_OPEN, cases)),
            "overdue": sum(map(_OVERDUE, flagged)),
            "due_soon": flags["due-soon"],
            "repeats": kinds["repeat"],
            "recontacts": kinds["recontact"],
            "escalated": flags["escalated"],
            "actions_overdue": flags["action-overdue"],
        }

    def code_counts(self) -> Counter[str]:
        counts = Counter(f.code for f in self.issues)
        counts.update(map(_CODE, chain.from_iterable(filter(None, map(_ISSUES, self.cases)))))
        return counts

    def flag_counts(self) -> Counter[str]:
        return Counter(chain.from_iterable(map(_FLAGS, self.cases)))

    def to_json(self) -> dict[str, Any]:
        return {
            "workbook": self.workbook,
            "as_of": _iso(self.as_of),
            "summary": self.summary(),
            "cases": [c.to_json() for c in self.cases],
            "issues": [f.to_json() for f in self.issues],
        }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    # Equal aware moments may be written with different offsets: only naive ones are shared.
    return _naive_iso(value) if value.tzinfo is None else value.isoformat(timespec="seconds")


# Deadlines fall on a few hundred distinct moments (a day at the cut-off time), and a JSON
# document of 100,000 cases spells each one out tens of thousands of times.
@functools.lru_cache(maxsize=4096)
def _naive_iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def load_rules(data: RegisterData) -> RuleSet:
    return build_ruleset(data.rule_sheets,
                         functools.partial(to_date_or_none, date1904=data.date1904))


def run_check(
    data: RegisterData,
    as_of: datetime,
    *,
    rules: RuleSet | None = None,
    workbook_name: str | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Apply every rule to the register as of `as_of`. Pure: no file is opened, no clock read."""
    rules = rules or load_rules(data)
    lang = rules.settings.language
    headers = data.headers
    total = len(data.rows)

    if progress:
        progress("check", 0, total)
    results = [CaseResult(case, issues=findings) for case, findings
               in read_cases(data.rows, headers, rules, as_of, date1904=data.date1904)]
    cases = [r.case for r in results]
    by_row = {case.row: r for case, r in zip(cases, results, strict=True)}

    for f in duplicate_findings(cases, headers, lang):
        if f.row is not None:
            by_row[f.row].issues.append(f)
    for row, case_id in assign_case_ids(cases).items():
        by_row[row].case.case_id = case_id
        by_row[row].case_id_assigned = True

    department_header = headers.header("department")
    for r, route_ in zip(results, route_all(cases, rules), strict=True):
        r.department, r.department_source = route_.department, route_.source
        if route_.source == DEFAULT:  # (no_route_finding asks the same: not 100,000 calls)
            finding = no_route_finding(r.case, route_, department_header, lang)
            if finding is not None:
                r.issues.append(finding)

    repeats = find_repeats(cases, rules.settings.repeat_window_days)
    calendar = WorkCalendar(rules.settings.country, rules.holidays)
    deadlines = Deadlines(rules, calendar)
    for r in results:
        info = repeats.get(r.case.row)
        r.effective_severity = info.effective_severity if info else r.case.severity
        recontact = bool(info and info.kind == "recontact")
        if info and info.kind:
            r.repeat_kind, r.repeat_of, r.repeat_of_row = info.kind, info.of_case_id, info.of_row
        if not recontact:
            r.due_response, r.due_close = deadlines(r.case, r.effective_severity)
        r.flags = case_flags(r.case, r.due_response, r.due_close, r.effective_severity, as_of,
                             recontact=recontact)
        if len(r.issues) > 1:
            r.issues.sort(key=_finding_order)

    issues = header_findings(headers, lang)
    unknown_years = [y for y in deadlines.years if not calendar.is_known_year(y)]
    if unknown_years:
        years = "、".join(str(y) for y in sorted(unknown_years))
        issues.append(Finding("calendar-unknown",
                              render(_MESSAGES, "calendar-unknown", lang, years=years)))
    if progress:
        progress("check", total, total)
    return CheckResult(workbook_name or data.path, as_of, rules, headers, results, issues)


_FLAGS, _ISSUES, _REPEAT_KIND = attrgetter("flags"), attrgetter("issues"), attrgetter("repeat_kind")
_IS_OPEN, _OVERDUE, _CODE = attrgetter("case.is_open"), attrgetter("overdue"), attrgetter("code")
_CODE_ORDER = {code: i for i, code in enumerate(CODES)}


def _finding_order(f: Finding) -> tuple[int, int]:
    return (0 if f.level == "error" else 1, _CODE_ORDER.get(f.code, 99))
