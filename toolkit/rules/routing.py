"""Routing: which department is responsible for a case, and why (docs/rules.md)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from toolkit.findings import Finding
from toolkit.messages import Templates, render
from toolkit.register import Case, unique
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
    return unicodedata.normalize("NFKC", text).strip().casefold()


@dataclass(frozen=True)
class _Compiled:
    route: Route  # what the row routes to, built once: every case it matches shares it
    keywords: tuple[str, ...]  # normalised; empty: any description matches
    customer_type: str  # normalised; "": any customer type matches


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
        # A register has a handful of distinct 类别 and 客户类型 values: normalise each once.
        self.candidates: dict[str | None, tuple[_Compiled, ...]] = {}
        self.customer_types: dict[str | None, str] = {}

    def _named(self, department: str, source: str) -> Route:
        key = (department.strip(), source)
        found = self.named.get(key)
        if found is None:
            found = self.named[key] = Route(key[0], source)
        return found

    def route(self, case: Case) -> Route:
        if case.department and case.department.strip():
            return self._named(case.department, MANUAL)
        if case.complained_dept and case.complained_dept.strip():
            return self._named(case.complained_dept, COMPLAINED)
        candidates = self.candidates.get(case.category)
        if candidates is None:
            candidates = self.by_category.get(_norm(case.category), self.wildcard)
            self.candidates[case.category] = candidates
        description: str | None = None  # normalised lazily: most rows need no keyword test
        customer_type: str | None = None
        for c in candidates:
            if c.customer_type:
                if customer_type is None:
                    customer_type = self.customer_types.get(case.customer_type)
                    if customer_type is None:
                        customer_type = _norm(case.customer_type)
                        self.customer_types[case.customer_type] = customer_type
                if c.customer_type != customer_type:
                    continue
            if c.keywords:
                if description is None:
                    description = _norm(case.description)
                if not any(k in description for k in c.keywords):
                    continue
            return c.route
        return self.default


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
