from __future__ import annotations

from datetime import date, time

import pytest

from toolkit.errors import RuleError
from toolkit.layout import DEFAULT_LIMITS, DEFAULT_ROUTING, Limit
from toolkit.register import RuleSheet
from toolkit.rules.coerce import to_date_or_none
from toolkit.rules.ruleset import build_ruleset, default_ruleset


def rules(**sheets: list[list[object]]):  # type: ignore[no-untyped-def]
    parsed = {name: RuleSheet(name, [str(h) for h in rows[0]],
                              [(i + 2, list(r)) for i, r in enumerate(rows[1:])])
              for name, rows in sheets.items()}
    return build_ruleset(parsed, to_date_or_none)


def test_defaults_match_spec() -> None:
    r = default_ruleset()
    assert [(x.category, x.department) for x in DEFAULT_ROUTING][:2] == [
        ("*", "财务部"), ("产品质量", "质量部")]
    assert DEFAULT_ROUTING[0].keywords == ("发票", "收款", "退款", "对账")
    assert [(x.category, x.region, str(x.response), str(x.close)) for x in DEFAULT_LIMITS][-2:] == [
        ("*", "国外", "1d", "18d"), ("*", "*", "1d", "7d")]
    assert r.department_names[-1] == "总经理办公室"
    assert [d.name for d in r.departments if d.receives_escalations] == ["总经理办公室"]
    assert (r.settings.cutoff, r.settings.repeat_window_days, r.settings.default_department,
            r.settings.country, r.settings.language) == (time(16, 30), 30, "客服部", "CN", "zh")
    assert "其他" in r.categories and "*" not in r.categories


@pytest.mark.parametrize("text, expected", [
    ("1d", Limit(1, False)), ("5wd", Limit(5, True)), (" 18D ", Limit(18, False)),
    ("3工作日", Limit(3, True)), ("0wd", Limit(0, True)), ("x", None), ("1.5d", None),
])
def test_limit_parse(text: str, expected: Limit | None) -> None:
    assert Limit.parse(text) == expected


def test_workbook_sheets_replace_defaults() -> None:
    r = rules(
        分派规则=[["类别", "关键词", "客户类型", "责任部门"], ["安装调试", "", "", "技术部"],
              ["*", "漏油,异响", "重点客户", "质量部"]],
        时限规则=[["类别", "级别", "区域", "回复时限", "结案时限"],
              ["*", "重大", "*", "0wd", "3wd"]],
        部门=[["部门名称", "负责人", "邮箱", "接收升级"], ["技术部", "张工", "t@x.cn", "否"],
            ["质量部", None, None, "是"]],
        节假日=[["日期", "类型", "说明"], ["2027-02-08", "上班", "春节调休"]],
        设置=[["项目", "值"], ["截止时间", "17:00"], ["语言", "en"], ["重复投诉窗口(天)", 45]],
    )
    assert r.routing[1].keywords == ("漏油", "异响") and r.routing[1].customer_type == "重点客户"
    assert r.limits[0].close == Limit(3, True) and r.limits[0].row == 2
    assert r.department_names == ["技术部", "质量部"]
    assert r.departments[1].receives_escalations
    assert r.holidays[0].day == date(2027, 2, 8) and r.holidays[0].working
    assert (r.settings.cutoff, r.settings.language, r.settings.repeat_window_days) == (
        time(17, 0), "en", 45)
    assert r.categories == ["安装调试", "其他"]


@pytest.mark.parametrize("sheets, match", [
    ({"时限规则": [["类别", "级别", "区域", "回复时限", "结案时限"],
                   ["*", "*", "*", "1d", "两天"]]},
     r"时限规则: row 2: 结案时限「两天」不是有效的时限.* / 结案时限: '两天' is not a time limit"),
    ({"设置": [["项目", "值"], ["截止时间", "25:00"]]}, "not a time of day"),
    ({"设置": [["项目", "值"], ["语言", "fr"]]}, "must be zh or en"),
    ({"节假日": [["日期", "类型"], ["明天", "放假"]]}, "not a date"),
    ({"节假日": [["日期", "类型"], ["2027-01-01", "休息"]]}, "放假 .*上班"),
    ({"分派规则": [["类别", "关键词"]]}, "missing the column"),
])
def test_bad_rule_sheets_are_clear_errors(sheets: dict[str, list[list[object]]],
                                          match: str) -> None:
    with pytest.raises(RuleError, match=match):
        rules(**sheets)
