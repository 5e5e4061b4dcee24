"""Routing: which department is responsible for a case, and why (docs/rules.md)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from toolkit.findings import Finding
from toolkit.messages import Templates, render
from toolkit.register import Case, unique
from toolkit.rules.nfkc import nfkc
from toolkit.rules.ruleset import RuleSet

MANUAL = "manual"
COMPLAINED = "complained"
RULE = "rule"
DEFAULT = "default"


@dataclass(frozen=True)
class Route:
    """The responsible department and where it came from: `manual` (责任部门 filled by staff),
    `complained` (被投诉部门), `rule` (a 分派规则 row; `rule_row` is its worksheet row, None
    for a built-in default row) or `default` (设置's 默认责任部门)."""

    department: str
    source: str
    rule_row: int | None = None


TEMPLATES: Templates = {
    "no-route": {
        "zh": "没有分派规则匹配此投诉（投诉类别“{category}”），已使用默认责任部门“{department}”；"
              "请在“分派规则”表中为它增加一行，或直接填写“{header}”。",
        "en": "No routing rule matched this complaint (category '{category}'); the default "
              "department '{department}' was used. Add a row for it to the 分派规则 sheet, "
              "or fill in '{header}'.",
    },
}


def _norm(text: str | None) -> str:
    # NFKC so that a full-width "＊" or "ＰＤＩ" typed in a rule sheet still matches; case-folded
    # so that Latin keywords match regardless of case.
    if not text:
        return ""
    return nfkc(text).strip().casefold()


@dataclass(frozen=True)
class _Compiled:
    route: Route  # what the row routes to, built once: every case it matches shares it
    keywords: tuple[str, ...]  # normalised; empty: any description matches
    customer_type: str  # normalised; "": any customer type matches

    @functools.cached_property
    def search(self) -> Callable[[str], re.Match[str] | None]:
        """Finds any of the keywords in a normalised description: one pass in C."""
        return re.compile("|".join(map(re.escape, self.keywords))).search


class _Router:
    """The routing table indexed by category, so routing a case only looks at the rows that can
    apply to its category (the `*` rows and its own), in table order."""

    def __init__(self, rules: RuleSet) -> None:
        compiled = [
            _Compiled(Route(r.department, RULE, r.row),
                      tuple(k for k in (_norm(k) for k in r.keywords) if k),
                      _norm(r.customer_type))
            for r in rules.routing
        ]
        cats = [_norm(r.category) for r in rules.routing]
        self.wildcard = tuple(c for c, cat in zip(compiled, cats, strict=True) if cat in ("*", ""))
        self.by_category = {
            cat: tuple(c for c, rc in zip(compiled, cats, strict=True) if rc in (cat, "*", ""))
            for cat in unique(cats) if cat not in ("*", "")
        }
        self.default = Route(rules.settings.default_department, DEFAULT)
        self.named: dict[tuple[str, str], Route] = {}  # (department, source) -> shared Route
        # A register has a handful of distinct 类别 and 客户类型 values: each pair is planned once.
        self.plans: dict[tuple[str | None, str | None], tuple[tuple[_Compiled, ...], Route]] = {}
        self.customer_types: dict[str | None, str] = {}
        self.candidates: dict[str | None, tuple[_Compiled, ...]] = {}

    def _named(self, department: str, source: str) -> Route:
        key = (department.strip(), source)
        found = self.named.get(key)
        if found is None:
            found = self.named[key] = Route(key[0], source)
        return found

    def _plan(self, category: str | None, customer_type: str | None
              ) -> tuple[tuple[_Compiled, ...], Route]:
        """The rows a case of this 类别 and 客户类型 must test against its description, in
        table order, and the route when none matches: the first row that asks nothing of the
        description (rows after it can never be reached), else the default department."""
        key = (category, customer_type)
        found = self.plans.get(key)
        if found is None:
            wanted = self.customer_types.get(customer_type)
            if wanted is None:
                wanted = self.customer_types[customer_type] = _norm(customer_type)
            tests: list[_Compiled] = []
            fallback = self.default
            candidates = self.candidates.get(category)
            if candidates is None:
                candidates = self.by_category.get(_norm(category), self.wildcard)
                self.candidates[category] = candidates
            for c in candidates:
                if c.customer_type and c.customer_type != wanted:
                    continue
                if not c.keywords:
                    fallback = c.route
                    break
                tests.append(c)
            found = self.plans[key] = (tuple(tests), fallback)
        return found

    def route(self, case: Case) -> Route:
        if case.department and case.department.strip():
            return self._named(case.department, MANUAL)
        if case.complained_dept and case.complained_dept.strip():
            return self._named(case.complained_dept, COMPLAINED)
        tests, fallback = self._plan(case.category, case.customer_type)
        if tests:  # normalised only when a row asks: most cases need no keyword test
            description = _norm(case.description)
            for c in tests:
                if c.search(description):
                    return c.route
        return fallback


# One compiled table is kept, keyed by the RuleSet's identity: a check run routes every row
# with the same RuleSet, and RuleSet is frozen (and unhashable, it holds a dict), so identity is
# both safe and the cheapest key. The RuleSet is held so its id cannot be reused meanwhile.
_cache: tuple[RuleSet, _Router] | None = None


def _router(rules: RuleSet) -> _Router:
    global _cache
    cached = _cache
    if cached is not None and cached[0] is rules:
        return cached[1]
    router = _Router(rules)
    _cache = (rules, router)
    return router


def route(case: Case, rules: RuleSet) -> Route:
    """The responsible department of a case, first that applies: 责任部门 as filled in,
    被投诉部门, the first matching 分派规则 row, else the default department."""
    return _router(rules).route(case)


def route_all(cases: Iterable[Case], rules: RuleSet) -> list[Route]:
    """route() of each case, in order."""
    return list(map(_router(rules).route, cases))


def no_route_finding(case: Case, route: Route, header: str, lang: str) -> Finding | None:
    """A `no-route` warning when the default department had to be used; `header` is the
    责任部门 header as the sheet shows it."""
    if route.source != DEFAULT:
        return None
    blank = "（空）" if lang != "en" else "(blank)"
    message = render(TEMPLATES, "no-route", lang, category=case.category or blank,
                     department=route.department, header=header)
    return Finding("no-route", message, row=case.row, field="department")


def escalation_departments(rules: RuleSet) -> list[str]:
    """Departments that also receive cases whose 有效级别 is 重大 (部门 接收升级 = 是)."""
    return unique(d.name for d in rules.departments if d.receives_escalations)
