"""Routing (docs/rules.md): manual, complained, rule and default sources; no-route."""

from __future__ import annotations

from dataclasses import replace

from toolkit.layout import DEPARTMENTS_SHEET, ROUTING_SHEET
from toolkit.register import Case, CellValue, RuleSheet
from toolkit.rules.coerce import to_date_or_none
from toolkit.rules.routing import Route, escalation_departments, no_route_finding, route
from toolkit.rules.ruleset import RuleSet, build_ruleset, default_ruleset

DEFAULT = default_ruleset()


def case(row: int = 2, category: str | None = "产品质量", description: str | None = "产品有裂纹",
         **fields: object) -> Case:
    return Case(row=row, category=category, description=description, **fields)  # type: ignore[arg-type]


def routes(cases: list[Case], rules: RuleSet = DEFAULT) -> list[tuple[int, str, str, int | None]]:
    out = []
    for c in cases:
        r = route(c, rules)
        out.append((c.row, r.department, r.source, r.rule_row))
    return out


def sheet_rules(routing: list[list[CellValue]], departments: list[list[CellValue]] | None = None
                ) -> RuleSet:
    """Rules as a workbook's own sheets give them (data rows start at worksheet row 2)."""
    sheets = {ROUTING_SHEET: RuleSheet(ROUTING_SHEET, ["类别", "关键词", "客户类型", "责任部门"],
                                       list(enumerate(routing, start=2)))}
    if departments is not None:
        headers = ["部门名称", "负责人", "邮箱", "接收升级"]
        sheets[DEPARTMENTS_SHEET] = RuleSheet(DEPARTMENTS_SHEET, headers,
                                              list(enumerate(departments, start=2)))
    return build_ruleset(sheets, to_date_or_none)


def test_the_four_sources_in_order() -> None:
    cases = [
        case(2, department="技术部", complained_dept="销售部"),  # staff's choice wins
        case(3, department="  ", complained_dept="销售部"),  # blank counts as empty
        case(4),
        case(5, category="其他"),
        case(6, category=None),
    ]
    assert routes(cases) == [
        (2, "技术部", "manual", None),
        (3, "销售部", "complained", None),
        (4, "质量部", "rule", None),  # built-in rows have no worksheet row
        (5, "客服部", "default", None),
        (6, "客服部", "default", None),
    ]


def test_default_keyword_row_catches_money_words_in_any_category() -> None:
    cases = [
        case(2, description="发票开错了，产品也有划痕"),
        case(3, category="物流运输", description="申请退款"),
        case(4, category="其他", description="请尽快对账"),
        case(5, category="其他", description="态度不好"),
        case(6, description=None),
    ]
    assert [(r, d, s) for r, d, s, _ in routes(cases)] == [
        (2, "财务部", "rule"),
        (3, "财务部", "rule"),
        (4, "财务部", "rule"),
        (5, "客服部", "default"),
        (6, "质量部", "rule"),
    ]


def test_custom_table_keywords_customer_type_and_rows() -> None:
    rules = sheet_rules([
        ["产品质量", "召回, 安全", None, "总经理办公室"],  # comma-separated keywords
        ["*", "发票、开票", None, "财务部"],  # 、-separated
        ["产品质量", None, "重点客户", "销售部"],
        ["产品质量", None, None, "质量部"],
        ["ＰＤＩ", "ａｐｐ", None, "技术部"],  # full-width category and keyword typed in Excel
    ])
    cases = [
        case(2, description="涉及安全隐患"),
        case(3, description="要求开票", customer_type="重点客户"),
        case(4, customer_type="重点客户"),
        case(5, customer_type="经销商"),
        case(6),
        case(7, category="PDI", description="APP 无法登录"),
        case(8, category="PDI", description="其他"),
        case(9, category="技术能力"),  # not in this table
    ]
    assert routes(cases, rules) == [
        (2, "总经理办公室", "rule", 2),
        (3, "财务部", "rule", 3),
        (4, "销售部", "rule", 4),
        (5, "质量部", "rule", 5),
        (6, "质量部", "rule", 5),
        (7, "技术部", "rule", 6),
        (8, "客服部", "default", None),
        (9, "客服部", "default", None),
    ]


def test_default_department_from_settings_and_rule_sets_alternating() -> None:
    custom = replace(DEFAULT, routing=(), settings=replace(DEFAULT.settings,
                                                           default_department="服务中心"))
    c = case()
    # The compiled table is cached per RuleSet; switching back and forth must not mix them up.
    assert [route(c, DEFAULT), route(c, custom), route(c, DEFAULT)] == [
        Route("质量部", "rule"), Route("服务中心", "default"), Route("质量部", "rule"),
    ]


def test_no_route_finding() -> None:
    c = case(7, category="其他", description="态度不好")
    assert no_route_finding(c, route(c, DEFAULT), "责任部门", "zh") is not None
    assert no_route_finding(case(), route(case(), DEFAULT), "责任部门", "zh") is None

    zh = no_route_finding(c, Route("客服部", "default"), "责任部门", "zh")
    en = no_route_finding(c, Route("客服部", "default"), "Responsible dept", "en")
    assert zh is not None and en is not None
    assert [(f.row, f.field, f.code, f.level) for f in (zh, en)] == [
        (7, "department", "no-route", "warning"), (7, "department", "no-route", "warning"),
    ]
    assert all(s in zh.message for s in ("其他", "客服部", "分派规则", "责任部门"))
    assert all(s in en.message
               for s in ("No routing rule", "客服部", "分派规则", "Responsible dept"))
    blank = no_route_finding(case(category=None), Route("客服部", "default"), "责任部门", "zh")
    assert blank is not None and "（空）" in blank.message


def test_escalation_departments() -> None:
    assert escalation_departments(DEFAULT) == ["总经理办公室"]
    rules = sheet_rules([["*", None, None, "客服部"]],
                        [["质量部", None, None, "否"], ["总经理办公室", None, None, "是"],
                         ["质量总监", None, None, "是"], ["客服部", None, None, None]])
    assert escalation_departments(rules) == ["总经理办公室", "质量总监"]
