"""Corrective and preventive action (docs/capa.md): no-capa, action-overdue, action-ineffective
and the date checks of 整改期限 / 整改完成, each at its boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from toolkit.register import (
    REQUIRED_HEADERS,
    STAFF_COLUMNS,
    Case,
    CellValue,
    HeaderMap,
    RawRow,
)
from toolkit.rules.flags import action_overdue, case_flags
from toolkit.rules.ruleset import default_ruleset
from toolkit.rules.validate import read_case

AS_OF = datetime(2026, 11, 24, 9, 0)
TODAY = AS_OF.date()
DAY = timedelta(days=1)
RULES = default_ruleset()
RULES_EN = replace(RULES, settings=replace(RULES.settings, language="en"))
ALL = HeaderMap.from_row([c.zh for c in STAFF_COLUMNS])
ALL_EN = HeaderMap.from_row([c.en for c in STAFF_COLUMNS])
# A register from before the corrective-action columns: everything else is there.
WITHOUT = HeaderMap.from_row([c.zh for c in STAFF_COLUMNS
                              if c.key not in ("root_cause", "corrective_action", "action_due",
                                               "action_done_on", "effect")])

# A closed, substantiated 服务过程 case, complete except for its corrective action.
CLOSED: dict[str, CellValue] = {
    "case_id": "2611-0001", "received_at": datetime(2026, 11, 3, 9, 30), "receiver": "张三",
    "customer": "甲公司", "phone": "13812345678", "category": "服务过程", "severity": "一般",
    "description": "安装师傅迟到两个小时", "substantiated": "是",
    "first_response_at": datetime(2026, 11, 3, 10, 0), "resolution": "道歉并重新预约",
    "closed_at": datetime(2026, 11, 4, 15, 0), "follow_up": "满意", "status": "已结案",
}
CAPA: dict[str, CellValue] = {"root_cause": "派工未考虑路程时间",
                              "corrective_action": "派工单增加路程预估，每周复盘迟到记录"}


def read(changes: dict[str, CellValue] | None = None, *, headers: HeaderMap = ALL,
         as_of: datetime = AS_OF, rules: object = RULES) -> tuple[Case, list[tuple[str, str]]]:
    values = {**CLOSED, **(changes or {})}
    values = {k: v for k, v in values.items() if v is not None}
    case, findings = read_case(RawRow(5, values), headers, rules, as_of)  # type: ignore[arg-type]
    assert all(f.row == 5 for f in findings)
    return case, [(f.field or "", f.code) for f in findings]


def codes(changes: dict[str, CellValue] | None = None, **kw: object) -> list[tuple[str, str]]:
    return read(changes, **kw)[1]  # type: ignore[arg-type]


# --- no-capa ---------------------------------------------------------------------------------

def test_closed_substantiated_case_without_analysis_is_warned_on_the_first_empty_column() -> None:
    assert codes() == [("root_cause", "no-capa")]
    assert codes({"root_cause": "派工未考虑路程时间"}) == [("corrective_action", "no-capa")]
    assert codes({"corrective_action": "派工单增加路程预估"}) == [("root_cause", "no-capa")]
    assert codes(CAPA) == []
    # Whitespace is empty.
    assert codes({"root_cause": "  ", "corrective_action": "x"}) == [("root_cause", "no-capa")]


@pytest.mark.parametrize("substantiated, expected", [
    ("是", [("root_cause", "no-capa")]), ("否", []), ("待查", []), (None, [])])
def test_no_capa_only_when_substantiated(substantiated: str | None,
                                         expected: list[tuple[str, str]]) -> None:
    assert codes({"substantiated": substantiated}) == expected


@pytest.mark.parametrize("status", ["新建", "处理中", "待回访", "无法解决"])
def test_no_capa_only_once_closed_as_resolved(status: str) -> None:
    # Open cases are still being analysed; 无法解决 has no resolution to build on.
    changes: dict[str, CellValue] = {"status": status}
    if status != "无法解决":
        changes.update(closed_at=None, follow_up=None)
    assert codes(changes) == []


def test_no_capa_never_without_the_columns() -> None:
    assert codes(headers=WITHOUT) == []
    minimal = HeaderMap.from_row([*(c.zh for c in REQUIRED_HEADERS), "是否属实"])
    assert codes(headers=minimal) == []
    # Both columns or none: a register that added only one of them is not asked.
    for only in ("原因分析", "纠正措施"):
        one = HeaderMap.from_row([*(c.zh for c in REQUIRED_HEADERS), "是否属实", only])
        assert codes(headers=one) == []
    both = HeaderMap.from_row([*(c.zh for c in REQUIRED_HEADERS), "是否属实", "纠正措施",
                               "原因分析"])
    assert codes(headers=both) == [("root_cause", "no-capa")]  # 原因分析 first, wherever it stands
    assert codes({"root_cause": "派工未考虑路程时间"}, headers=both) == [
        ("corrective_action", "no-capa")]


def test_no_capa_says_what_to_write_in_the_sheets_language() -> None:
    _, findings = read_case(RawRow(5, CLOSED), ALL, RULES, AS_OF)
    assert findings[0].level == "warning"
    assert findings[0].message.startswith("原因分析为空：是否属实为 是 的投诉已结案")
    assert "如「" in findings[0].message
    _, findings = read_case(RawRow(5, {**CLOSED, **CAPA, "root_cause": None}), ALL_EN,
                            RULES_EN, AS_OF)
    assert findings[0].message.startswith(
        "Root cause is empty: the complaint is substantiated (Substantiated 是) and closed")


# --- action-ineffective ------------------------------------------------------------------------

@pytest.mark.parametrize("effect, expected", [
    ("无效", [("effect", "action-ineffective")]), ("有效", []), ("待确认", []), (None, []),
    (" 无 效 ", [("effect", "action-ineffective")]),  # typed loosely, still the listed value
    ("没用", [("effect", "bad-enum")]),
])
def test_action_ineffective(effect: str | None, expected: list[tuple[str, str]]) -> None:
    assert codes({**CAPA, "effect": effect}) == expected


def test_action_ineffective_on_any_case_and_says_what_to_do() -> None:
    # Not tied to the case's status: a re-opened case may already know its action failed.
    assert codes({**CAPA, "effect": "无效", "status": "处理中", "closed_at": None,
                  "follow_up": None}) == [("effect", "action-ineffective")]
    _, findings = read_case(RawRow(5, {**CLOSED, **CAPA, "effect": "无效"}), ALL, RULES, AS_OF)
    assert findings[0].level == "warning"
    assert "新的纠正措施" in findings[0].message and "有效" in findings[0].message


# --- the two dates -----------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["action_due", "action_done_on"])
def test_bad_dates(key: str) -> None:
    assert codes({**CAPA, key: "下周五"}) == [(key, "bad-date")]
    assert codes({**CAPA, key: "2026-02-30"}) == [(key, "bad-date")]
    case, found = read({**CAPA, key: "2026/11/20"})
    assert found == [] and getattr(case, key) == date(2026, 11, 20)
    # A datetime cell is read as its day.
    case, _ = read({**CAPA, key: datetime(2026, 11, 20, 17, 45)})
    assert getattr(case, key) == date(2026, 11, 20)


def test_action_done_on_cannot_be_in_the_future() -> None:
    assert codes({**CAPA, "action_done_on": TODAY}) == []
    assert codes({**CAPA, "action_done_on": TODAY + DAY}) == [("action_done_on", "future")]
    # Late in the evening of the same day is still today.
    assert codes({**CAPA, "action_done_on": TODAY}, as_of=AS_OF.replace(hour=23, minute=59)) == []
    # A due date is meant to lie ahead.
    assert codes({**CAPA, "action_due": TODAY + 30 * DAY}) == []


def test_action_done_on_cannot_be_before_receipt() -> None:
    received = datetime(2026, 11, 3, 9, 30)
    assert codes({**CAPA, "action_done_on": received.date()}) == []  # same day: in order
    assert codes({**CAPA, "action_done_on": received.date() - DAY}) == [
        ("action_done_on", "order")]
    _, findings = read_case(RawRow(5, {**CLOSED, **CAPA, "action_done_on": date(2026, 11, 2)}),
                            ALL, RULES, AS_OF)
    assert findings[0].message.startswith("整改完成「2026-11-02」早于受理时间「2026-11-03 09:30」")


def test_all_findings_of_a_row_come_in_column_order() -> None:
    assert codes({"action_due": "x", "action_done_on": TODAY + DAY, "effect": "无效",
                  "phone": "1"}) == [
        ("phone", "bad-phone"), ("root_cause", "no-capa"), ("action_due", "bad-date"),
        ("action_done_on", "future"), ("effect", "action-ineffective")]


# --- action-overdue --------------------------------------------------------------------------

def capa_case(**kw: object) -> Case:
    values: dict[str, object] = {"received_at": datetime(2026, 11, 3, 9, 30),
                                 "category": "服务过程", "severity": "一般", "status": "已结案",
                                 "closed_at": datetime(2026, 11, 4, 15, 0),
                                 "first_response_at": datetime(2026, 11, 3, 10, 0),
                                 "corrective_action": "派工单增加路程预估",
                                 "action_due": TODAY - DAY}
    values.update(kw)
    return Case(row=2, **values)  # type: ignore[arg-type]


def flags(c: Case, as_of: datetime = AS_OF, *, recontact: bool = False) -> list[str]:
    return case_flags(c, None, None, "一般", as_of, recontact=recontact)


def test_action_overdue_from_the_day_after_its_due_date() -> None:
    assert flags(capa_case(action_due=TODAY - DAY)) == ["action-overdue"]
    assert flags(capa_case(action_due=TODAY)) == []
    assert flags(capa_case(action_due=TODAY), AS_OF.replace(hour=23, minute=59, second=59)) == []
    assert flags(capa_case(action_due=TODAY), datetime.combine(TODAY + DAY, datetime.min.time())
                 ) == ["action-overdue"]
    assert flags(capa_case(action_due=TODAY + DAY)) == []


@pytest.mark.parametrize("status", ["新建", "处理中", "待回访", "已结案", "无法解决"])
def test_action_overdue_on_open_and_closed_cases_alike(status: str) -> None:
    assert flags(capa_case(status=status)) == ["action-overdue"]


def test_action_overdue_needs_an_action_a_due_date_and_no_completion() -> None:
    assert flags(capa_case(action_done_on=TODAY - 2 * DAY)) == []
    assert flags(capa_case(action_done_on=TODAY)) == []
    assert flags(capa_case(corrective_action=None)) == []
    assert flags(capa_case(action_due=None)) == []
    # The effect is the desk's later check; it does not decide whether the action is late.
    assert flags(capa_case(effect="无效")) == ["action-overdue"]
    assert action_overdue(capa_case(), AS_OF) and not action_overdue(capa_case(), datetime(
        2026, 11, 23, 23, 59))


def test_action_overdue_never_on_a_recontact() -> None:
    assert flags(capa_case(), recontact=True) == []


def test_action_overdue_comes_after_the_deadline_flags() -> None:
    c = capa_case(status="处理中", closed_at=None, first_response_at=None, severity="中级")
    due = datetime(2026, 11, 4, 16, 30)
    assert case_flags(c, due, due, "重大", AS_OF) == [
        "response-overdue", "close-overdue", "escalated", "action-overdue"]


# --- dates in every form staff type ------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    46349, 46349.0, "46349", "2026-11-23", "2026/11/23", "2026.11.23", "2026年11月23日",
    "2026-11-23 18:00", datetime(2026, 11, 23, 18, 0), date(2026, 11, 23)])
def test_a_due_date_yesterday_in_any_form_is_overdue(typed: CellValue) -> None:
    case, found = read({**CAPA, "action_due": typed})
    assert found == [] and case.action_due == date(2026, 11, 23)
    assert flags(case) == ["action-overdue"]


@pytest.mark.parametrize("typed", ["2026-11-24", "2026年11月24日 23:59", 46350])
def test_a_due_date_today_in_any_form_is_not_yet_overdue(typed: CellValue) -> None:
    case, found = read({**CAPA, "action_due": typed})
    assert found == [] and case.action_due == TODAY
    assert flags(case) == []


@pytest.mark.parametrize("typed", [True, "9:30", "明天", "2026-11-31", -1, 3e7])
def test_unusable_dates_are_one_bad_date_each_and_no_flag(typed: CellValue) -> None:
    case, found = read({**CAPA, "action_due": typed, "action_done_on": typed})
    assert found == [("action_due", "bad-date"), ("action_done_on", "bad-date")]
    assert case.action_due is None and case.action_done_on is None
    assert flags(case) == []


def test_messages_in_english_name_the_english_headers() -> None:
    def english(changes: dict[str, CellValue]) -> list[str]:
        values = {**CLOSED, **CAPA, **changes}
        return [f.message for f in read_case(RawRow(5, values), ALL_EN, RULES_EN, AS_OF)[1]]

    assert english({"action_done_on": TODAY + DAY}) == [
        "Action done '2026-11-25' is after the current time 2026-11-24 09:00: it cannot be in "
        "the future"]
    assert english({"action_done_on": date(2026, 11, 2)}) == [
        "Action done '2026-11-02' is before Received '2026-11-03 09:30': it cannot be earlier "
        "than the time the complaint was received"]
    assert english({"effect": "无效"}) == [
        "Effect verified is 无效 (not effective): the corrective action did not work; find the "
        "cause again, decide a new action and due date, and set Effect verified to 有效 once "
        "the new action is shown to work"]
    assert english({"action_due": "soon"}) == [
        "Action due 'soon' is not a date: write a date such as 2026-11-03"]
