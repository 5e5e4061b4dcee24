"""The workbook's layout: sheet names, the rule sheets' columns and row types, the default tables.

Both the rules (toolkit.rules) and the workbook I/O (toolkit.sheets) stand on this module; it
imports neither. The register's own columns live beside the Case record in toolkit.register.
What the defaults mean is written up in docs/rules.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

REGISTER_SHEET = "投诉记录"
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


# The rule sheets' columns: key -> accepted headers (the first is the template's), compared
# after toolkit.register.normalize_header.
RULE_HEADERS: dict[str, tuple[str, ...]] = {
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

# Each rule sheet's columns (keys of RULE_HEADERS) in the template's order; the reader finds
# them by header in any order.
RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    ROUTING_SHEET: ("category", "keywords", "customer_type", "department"),
    LIMITS_SHEET: ("category", "severity", "region", "response", "close"),
    DEPARTMENTS_SHEET: ("name", "manager", "email", "escalation"),
    HOLIDAYS_SHEET: ("date", "type", "note"),
    SETTINGS_SHEET: ("item", "value", "note"),
}


def rule_headers(sheet: str) -> tuple[str, ...]:
    """The headers a new rule sheet gets (Chinese, like the sheet names)."""
    return tuple(RULE_HEADERS[key][0] for key in RULE_COLUMNS[sheet])
