"""The rule tables of SPEC §3 — their defaults, and how the workbook's rule sheets override them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from toolkit.errors import WorkbookError, bilingual
from toolkit.register import DEFAULT_CATEGORIES, CellValue, RuleSheet, normalize_header, unique

ROUTING_SHEET = "分派规则"
LIMITS_SHEET = "时限规则"
DEPARTMENTS_SHEET = "部门"
HOLIDAYS_SHEET = "节假日"
SETTINGS_SHEET = "设置"
REPORT_SHEET = "校验报告"
STATS_SHEET = "月度统计"
RULE_SHEETS = (ROUTING_SHEET, LIMITS_SHEET, DEPARTMENTS_SHEET, HOLIDAYS_SHEET, SETTINGS_SHEET)
TOOLKIT_SHEETS = (REPORT_SHEET, STATS_SHEET)


@dataclass(frozen=True)
class RoutingRule:
    category: str  # a category or "*"
    keywords: tuple[str, ...]
    customer_type: str | None
    department: str
    row: int | None = None  # worksheet row in 分派规则, None for a built-in default


@dataclass(frozen=True)
class Limit:
    """A time limit: N calendar days (`Nd`) or N working days (`Nwd`)."""

    count: int
    working: bool

    def __str__(self) -> str:
        return f"{self.count}{'wd' if self.working else 'd'}"

    @classmethod
    def parse(cls, text: object) -> Limit | None:
        m = re.fullmatch(r"\s*(\d+)\s*(wd|d|工作日|天)\s*", str(text or "").lower())
        if not m:
            return None
        return cls(int(m.group(1)), m.group(2) in ("wd", "工作日"))


@dataclass(frozen=True)
class TimeLimitRule:
    category: str  # or "*"
    severity: str  # or "*"
    region: str  # or "*"
    response: Limit
    close: Limit
    row: int | None = None


@dataclass(frozen=True)
class Department:
    name: str
    manager: str | None = None
    email: str | None = None
    receives_escalations: bool = False


@dataclass(frozen=True)
class HolidayOverride:
    day: date
    working: bool  # True: 上班 (a working day), False: 放假 (a day off)
    note: str | None = None


@dataclass(frozen=True)
class Settings:
    company: str = "某某有限公司"
    cutoff: time = time(16, 30)
    repeat_window_days: int = 30
    default_department: str = "客服部"
    country: str = "CN"
    language: str = "zh"
    backups: int = 10  # backup copies kept beside the workbook by the lossless writer


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


def split_keywords(text: object) -> tuple[str, ...]:
    parts = re.split(r"[、,，;；/\s]+", str(text or ""))
    return tuple(p for p in parts if p)


def _rr(category: str, department: str, keywords: str = "") -> RoutingRule:
    return RoutingRule(category, split_keywords(keywords), None, department)


DEFAULT_ROUTING: tuple[RoutingRule, ...] = (
    _rr("*", "财务部", "发票、收款、退款、对账"),
    _rr("产品质量", "质量部"),
    _rr("技术能力", "技术部"),
    _rr("服务过程", "客服部"),
    _rr("销售过程", "销售部"),
    _rr("备件供应", "备件部"),
    _rr("随车文件", "物流部"),
    _rr("物流运输", "物流部"),
    _rr("财务问题", "财务部"),
)


def _tl(category: str, region: str, response: str, close: str) -> TimeLimitRule:
    r, c = Limit.parse(response), Limit.parse(close)
    assert r and c
    return TimeLimitRule(category, "*", region, r, c)


DEFAULT_LIMITS: tuple[TimeLimitRule, ...] = (
    _tl("产品质量", "*", "1d", "2d"),
    _tl("技术能力", "*", "1d", "2d"),
    _tl("随车文件", "*", "1d", "2d"),
    _tl("服务过程", "*", "1d", "1d"),
    _tl("销售过程", "*", "1d", "1d"),
    _tl("备件供应", "*", "1d", "1d"),
    _tl("*", "国外", "1d", "18d"),
    _tl("*", "*", "1d", "7d"),
)

DEFAULT_DEPARTMENTS: tuple[Department, ...] = (
    *(Department(n)
      for n in ("质量部", "技术部", "客服部", "销售部", "备件部", "物流部", "财务部")),
    Department("总经理办公室", receives_escalations=True),
)

DEFAULT_SETTINGS = Settings()

# 设置 sheet: 项目 -> Settings field. The order is the template's row order.
SETTING_NAMES: dict[str, str] = {
    "公司名称": "company",
    "截止时间": "cutoff",
    "重复投诉窗口(天)": "repeat_window_days",
    "默认责任部门": "default_department",
    "国家/地区": "country",
    "语言": "language",
    "备份份数": "backups",
}
SETTING_NOTES: dict[str, str] = {
    "公司名称": "审批表、统计表抬头",
    "截止时间": "当天此时间之后受理的投诉从次日起算；时限到期日的此时刻为截止",
    "重复投诉窗口(天)": "结案后多少天内同一客户同类投诉算重复投诉",
    "默认责任部门": "分派规则都不匹配时的责任部门",
    "国家/地区": "法定节假日日历（holidays 包的国家代码）",
    "语言": "zh 中文 / en English",
    "备份份数": "每次写入前在 .bak 文件夹保留的旧版本份数",
}


def settings_value_text(settings: Settings, attr: str) -> str:
    value = getattr(settings, attr)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


# ---------------------------------------------------------------------------
# Reading the rule sheets (pure: works on RuleSheet data the reader produced)

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "category": ("类别", "投诉类别", "category"),
    "keywords": ("关键词", "keywords", "keyword"),
    "customer_type": ("客户类型", "customertype"),
    "department": ("责任部门", "department", "responsibledept"),
    "severity": ("级别", "投诉级别", "severity"),
    "region": ("区域", "region"),
    "response": ("回复时限", "responsedue", "response"),
    "close": ("结案时限", "closedue", "close"),
    "name": ("部门名称", "部门", "department", "name"),
    "manager": ("负责人", "manager"),
    "email": ("邮箱", "email"),
    "escalation": ("接收升级", "escalation", "receivesescalations"),
    "date": ("日期", "date"),
    "type": ("类型", "type"),
    "note": ("说明", "note", "description"),
    "item": ("项目", "item", "setting"),
    "value": ("值", "value"),
}


class _Table:
    """Header-by-name access to one rule sheet's rows."""

    def __init__(self, sheet: RuleSheet, path: str, wanted: Sequence[str], required: Sequence[str]):
        self.sheet = sheet
        self.path = path
        norm = [normalize_header(h) for h in sheet.headers]
        self.index: dict[str, int] = {}
        for key in wanted:
            for alias in _HEADER_ALIASES[key]:
                if alias in norm:
                    self.index[key] = norm.index(alias)
                    break
        missing = [_HEADER_ALIASES[k][0] for k in required if k not in self.index]
        if missing:
            raise WorkbookError(bilingual(
                f"第 1 行缺少列 {'、'.join(missing)}：请在表头加上这些列",
                f"rule sheet is missing the column(s) {', '.join(missing)} in row 1"),
                path=path, sheet=sheet.name,
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

    def fail(self, row: int, key: str, zh: str, en: str) -> WorkbookError:
        """A bad cell: `zh` is the whole Chinese message, `en` gets the header put before it."""
        return WorkbookError(bilingual(zh, f"{self.header(key)}: {en}"), path=self.path,
                             sheet=self.sheet.name, row=row)


def _routing(sheet: RuleSheet, path: str) -> tuple[RoutingRule, ...]:
    t = _Table(sheet, path, ("category", "keywords", "customer_type", "department"),
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


def _limits(sheet: RuleSheet, path: str) -> tuple[TimeLimitRule, ...]:
    t = _Table(sheet, path, ("category", "severity", "region", "response", "close"),
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


def _departments(sheet: RuleSheet, path: str) -> tuple[Department, ...]:
    t = _Table(sheet, path, ("name", "manager", "email", "escalation"), ("name",))
    out = []
    for _row, cells in sheet.rows:
        name = t.text(cells, "name")
        if name is None:
            continue
        flag = (t.text(cells, "escalation") or "").lower()
        out.append(Department(name, t.text(cells, "manager"), t.text(cells, "email"), flag in _YES))
    return tuple(out)


def _holidays(
    sheet: RuleSheet, path: str, to_date: Callable[[CellValue], date | None]
) -> tuple[HolidayOverride, ...]:
    t = _Table(sheet, path, ("date", "type", "note"), ("date", "type"))
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


def _settings(sheet: RuleSheet, path: str) -> Settings:
    t = _Table(sheet, path, ("item", "value"), ("item", "value"))
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
    sheets: dict[str, RuleSheet], path: str, to_date: Callable[[CellValue], date | None]
) -> RuleSet:
    """The rules in force: each rule sheet present in the workbook replaces its default."""
    def has(name: str) -> bool:
        return name in sheets

    return RuleSet(
        routing=_routing(sheets[ROUTING_SHEET], path) if has(ROUTING_SHEET) else DEFAULT_ROUTING,
        limits=_limits(sheets[LIMITS_SHEET], path) if has(LIMITS_SHEET) else DEFAULT_LIMITS,
        departments=(_departments(sheets[DEPARTMENTS_SHEET], path)
                     if has(DEPARTMENTS_SHEET) else DEFAULT_DEPARTMENTS),
        holidays=(_holidays(sheets[HOLIDAYS_SHEET], path, to_date)
                  if has(HOLIDAYS_SHEET) else ()),
        settings=(_settings(sheets[SETTINGS_SHEET], path)
                  if has(SETTINGS_SHEET) else DEFAULT_SETTINGS),
        from_workbook={name: has(name) for name in RULE_SHEETS},
    )


def default_ruleset() -> RuleSet:
    return RuleSet(DEFAULT_ROUTING, DEFAULT_LIMITS, DEFAULT_DEPARTMENTS, (), DEFAULT_SETTINGS,
                   {name: False for name in RULE_SHEETS})
