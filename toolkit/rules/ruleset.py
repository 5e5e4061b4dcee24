"""The rules in force: the default tables, each replaced by its rule sheet in the workbook.

Pure: works on the RuleSheet data the reader produced and raises RuleError naming the table and
row; the job that read the file adds the file's name. The tables are described in docs/rules.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from toolkit.errors import RuleError, bilingual
from toolkit.layout import (
    DEFAULT_DEPARTMENTS,
    DEFAULT_LIMITS,
    DEFAULT_ROUTING,
    DEFAULT_SETTINGS,
    DEPARTMENTS_SHEET,
    HOLIDAYS_SHEET,
    LIMITS_SHEET,
    ROUTING_SHEET,
    RULE_COLUMNS,
    RULE_HEADERS,
    RULE_SHEETS,
    SETTING_NAMES,
    SETTINGS_SHEET,
    Department,
    HolidayOverride,
    Limit,
    RoutingRule,
    Settings,
    TimeLimitRule,
    split_keywords,
)
from toolkit.register import DEFAULT_CATEGORIES, CellValue, RuleSheet, normalize_header, unique


@dataclass(frozen=True)
class RuleSet:
    routing: tuple[RoutingRule, ...]
    limits: tuple[TimeLimitRule, ...]
    departments: tuple[Department, ...]
    holidays: tuple[HolidayOverride, ...]
    settings: Settings
    # Which tables came from the workbook (True) or the built-in defaults (False).
    from_workbook: dict[str, bool] = field(default_factory=dict)

    @property
    def categories(self) -> list[str]:
        """Allowed 投诉类别: the routing and time-limit tables' categories, then the defaults
        when the routing table is the built-in one, always with 其他 as a catch-all."""
        named = [r.category for r in self.routing if r.category != "*"]
        named += [r.category for r in self.limits if r.category != "*"]
        if not self.from_workbook.get(ROUTING_SHEET):
            named += list(DEFAULT_CATEGORIES)
        return unique([*named, "其他"])

    @property
    def department_names(self) -> list[str]:
        return [d.name for d in self.departments]

    def department(self, name: str) -> Department | None:
        return next((d for d in self.departments if d.name == name), None)


class _Table:
    """Header-by-name access to one rule sheet's rows."""

    def __init__(self, sheet: RuleSheet, wanted: Sequence[str], required: Sequence[str]):
        self.sheet = sheet
        norm = [normalize_header(h) for h in sheet.headers]
        self.index: dict[str, int] = {}
        for key in wanted:
            for alias in RULE_HEADERS[key]:
                if alias in norm:
                    self.index[key] = norm.index(alias)
                    break
        missing = [RULE_HEADERS[k][0] for k in required if k not in self.index]
        if missing:
            raise RuleError(bilingual(
                f"第 1 行缺少列 {'、'.join(missing)}：请在表头加上这些列",
                f"rule sheet is missing the column(s) {', '.join(missing)} in row 1"),
                table=sheet.name,
            )

    def text(self, cells: Sequence[CellValue], key: str) -> str | None:
        i = self.index.get(key)
        if i is None or i >= len(cells) or cells[i] is None:
            return None
        value = cells[i]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        s = str(value).strip()
        return s or None

    def header(self, key: str) -> str:
        """The column's header as the sheet spells it."""
        return self.sheet.headers[self.index[key]] if key in self.index else key

    def fail(self, row: int, key: str, zh: str, en: str) -> RuleError:
        """A bad cell: `zh` is the whole Chinese message, `en` gets the header put before it."""
        return RuleError(bilingual(zh, f"{self.header(key)}: {en}"), table=self.sheet.name,
                         row=row)


def _routing(sheet: RuleSheet) -> tuple[RoutingRule, ...]:
    t = _Table(sheet, RULE_COLUMNS[ROUTING_SHEET],
               ("category", "department"))
    rules = []
    for row, cells in sheet.rows:
        category, department = t.text(cells, "category"), t.text(cells, "department")
        if category is None and department is None:
            continue
        if department is None:
            raise t.fail(row, "department",
                         f"{t.header('department')}为空：每条分派规则都要指定一个部门",
                         "a routing row needs a 责任部门")
        rules.append(RoutingRule(category or "*", split_keywords(t.text(cells, "keywords")),
                                 t.text(cells, "customer_type"), department, row))
    return tuple(rules)


def _limits(sheet: RuleSheet) -> tuple[TimeLimitRule, ...]:
    t = _Table(sheet, RULE_COLUMNS[LIMITS_SHEET],
               ("response", "close"))
    rules = []
    for row, cells in sheet.rows:
        response_text, close_text = t.text(cells, "response"), t.text(cells, "close")
        if response_text is None and close_text is None and t.text(cells, "category") is None:
            continue
        limits = []
        for key, text in (("response", response_text), ("close", close_text)):
            limit = Limit.parse(text)
            if limit is None:
                raise t.fail(row, key,
                             f"{t.header(key)}「{text or ''}」不是有效的时限：请写 Nd（N 个自然日）"
                             "或 Nwd（N 个工作日），如 2d、5wd",
                             f"'{text or ''}' is not a time limit; write Nd (days) "
                             "or Nwd (working days), e.g. 2d or 5wd")
            limits.append(limit)
        rules.append(TimeLimitRule(
            t.text(cells, "category") or "*", t.text(cells, "severity") or "*",
            t.text(cells, "region") or "*", limits[0], limits[1], row))
    return tuple(rules)


_YES = {"是", "y", "yes", "true", "1", "√", "✓"}


def _departments(sheet: RuleSheet) -> tuple[Department, ...]:
    t = _Table(sheet, RULE_COLUMNS[DEPARTMENTS_SHEET], ("name",))
    out = []
    for _row, cells in sheet.rows:
        name = t.text(cells, "name")
        if name is None:
            continue
        flag = (t.text(cells, "escalation") or "").lower()
        out.append(Department(name, t.text(cells, "manager"), t.text(cells, "email"), flag in _YES))
    return tuple(out)


def _holidays(
    sheet: RuleSheet, to_date: Callable[[CellValue], date | None]
) -> tuple[HolidayOverride, ...]:
    t = _Table(sheet, RULE_COLUMNS[HOLIDAYS_SHEET], ("date", "type"))
    out = []
    for row, cells in sheet.rows:
        raw = cells[t.index["date"]] if t.index["date"] < len(cells) else None
        kind = t.text(cells, "type")
        if raw is None and kind is None:
            continue
        day = to_date(raw)
        if day is None:
            raise t.fail(row, "date",
                         f"{t.header('date')}「{raw}」不是有效日期：请填写如 2027-01-01 的日期",
                         f"'{raw}' is not a date; write e.g. 2027-01-01")
        if kind not in ("放假", "上班", "off", "work", "holiday", "working"):
            raise t.fail(row, "type",
                         f"{t.header('type')}「{kind or ''}」不对：只能填 放假（不上班）"
                         "或 上班（调休上班）",
                         f"'{kind or ''}' must be 放假 (day off) or 上班 (working day)")
        out.append(HolidayOverride(day, kind in ("上班", "work", "working"), t.text(cells, "note")))
    return tuple(out)


def _settings(sheet: RuleSheet) -> Settings:
    t = _Table(sheet, RULE_COLUMNS[SETTINGS_SHEET], ("item", "value"))
    values: dict[str, object] = {}
    by_norm = {normalize_header(k): v for k, v in SETTING_NAMES.items()}
    for row, cells in sheet.rows:
        item, value = t.text(cells, "item"), t.text(cells, "value")
        attr = by_norm.get(normalize_header(item))
        if attr is None or value is None:
            continue
        if attr == "cutoff":
            raw = cells[t.index["value"]]
            if isinstance(raw, time):
                values[attr] = raw
                continue
            if isinstance(raw, datetime):
                values[attr] = raw.time()
                continue
            if isinstance(raw, float) and 0 <= raw < 1:  # an Excel time serial
                minutes = round(raw * 24 * 60)
                values[attr] = time(minutes // 60, minutes % 60)
                continue
            m = re.fullmatch(r"(\d{1,2})[:：](\d{2})(?::\d{2})?", value)
            if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
                raise t.fail(row, "value",
                             f"{item}「{value}」不是有效的时刻：请填写如 16:30 的时间",
                             f"{item} '{value}' is not a time of day; write e.g. 16:30")
            values[attr] = time(int(m.group(1)), int(m.group(2)))
        elif attr in ("repeat_window_days", "backups"):
            try:
                n = int(float(value))
            except ValueError:
                n = -1
            if n < 0:
                raise t.fail(row, "value",
                             f"{item}「{value}」不对：请填写 0 或正整数，如 30",
                             f"{item} '{value}' must be a whole number ≥ 0, e.g. 30")
            values[attr] = n
        elif attr == "language":
            lang = value.lower()
            if lang not in ("zh", "en", "中文", "english"):
                raise t.fail(row, "value",
                             f"{item}「{value}」不对：只能填 zh（中文）或 en（英文）",
                             f"{item} '{value}' must be zh or en")
            values[attr] = "en" if lang in ("en", "english") else "zh"
        elif attr == "country":
            values[attr] = value.upper()
        else:
            values[attr] = value
    return Settings(**values)  # type: ignore[arg-type]


def build_ruleset(
    sheets: dict[str, RuleSheet], to_date: Callable[[CellValue], date | None]
) -> RuleSet:
    """The rules in force: each rule sheet present in the workbook replaces its default."""
    def has(name: str) -> bool:
        return name in sheets

    return RuleSet(
        routing=_routing(sheets[ROUTING_SHEET]) if has(ROUTING_SHEET) else DEFAULT_ROUTING,
        limits=_limits(sheets[LIMITS_SHEET]) if has(LIMITS_SHEET) else DEFAULT_LIMITS,
        departments=(_departments(sheets[DEPARTMENTS_SHEET])
                     if has(DEPARTMENTS_SHEET) else DEFAULT_DEPARTMENTS),
        holidays=(_holidays(sheets[HOLIDAYS_SHEET], to_date)
                  if has(HOLIDAYS_SHEET) else ()),
        settings=(_settings(sheets[SETTINGS_SHEET])
                  if has(SETTINGS_SHEET) else DEFAULT_SETTINGS),
        from_workbook={name: has(name) for name in RULE_SHEETS},
    )


def default_ruleset() -> RuleSet:
    return RuleSet(DEFAULT_ROUTING, DEFAULT_LIMITS, DEFAULT_DEPARTMENTS, (), DEFAULT_SETTINGS,
                   {name: False for name in RULE_SHEETS})
