"""How values are shown on the form: Chinese dates, money, blanks, literal text."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from toolkit.findings import Finding
from toolkit.forms.fields import (
    BLANK,
    PLACEHOLDERS,
    chinese_date,
    form_data,
    overdue_status,
    rmb_upper,
    show,
)
from toolkit.register import Case
from toolkit.rules.engine import CaseResult


def test_values_as_printed() -> None:
    assert chinese_date(date(2026, 11, 24)) == "2026年11月24日"
    assert show(date(2026, 1, 5)) == "2026年1月5日"
    assert show(datetime(2026, 11, 3, 9, 30)) == "2026年11月3日 09:30"
    assert show(datetime(2026, 11, 3)) == "2026年11月3日"
    assert show(1200.5, money=True) == "1,200.50"
    assert show(0, money=True) == "0.00"
    assert show(12) == "12"
    assert show(None) == show("") == show("   ") == BLANK
    assert "None" not in BLANK and BLANK.strip("_") == ""
    # Text stays as typed, minus characters a Word document cannot hold.
    assert show("=SUM(A1) <b>x</b>\r\n第二行\x07") == "=SUM(A1) <b>x</b>\n第二行"


@pytest.mark.parametrize("amount, words", [
    (0, "人民币零元整"),
    (8, "人民币捌元整"),
    (10, "人民币壹拾元整"),
    (105, "人民币壹佰零伍元整"),
    (1010, "人民币壹仟零壹拾元整"),
    (1200.5, "人民币壹仟贰佰元伍角整"),
    (1200.05, "人民币壹仟贰佰元零伍分"),
    (0.35, "人民币叁角伍分"),
    (10005, "人民币壹万零伍元整"),
    (350000, "人民币叁拾伍万元整"),
    (100010000, "人民币壹亿零壹万元整"),
    (120034.56, "人民币壹拾贰万零叁拾肆元伍角陆分"),
])
def test_money_in_capital_numerals(amount: float, words: str) -> None:
    assert rmb_upper(amount) == words


def result(**case: object) -> CaseResult:
    fields = {"row": 7, "case_id": "2611-0003", "customer": "杭州顺达", "status": "处理中"}
    fields.update(case)
    return CaseResult(Case(**fields))  # type: ignore[arg-type]


def test_invalid_fields_are_blank_and_listed() -> None:
    r = result(phone=None, compensation=None, received_at=datetime(2026, 11, 3, 9, 30))
    r.issues = [Finding("bad-phone", "…", 7, "phone"), Finding("bad-number", "…", 7,
                "compensation"), Finding("no-route", "…", 7, "department")]
    form = form_data(r, "杭州某某有限公司")
    assert form.values["联系电话"] == BLANK and form.values["赔偿金额"] == BLANK
    assert form.values["赔偿金额大写"] == BLANK
    assert form.values["受理时间"] == "2026年11月3日 09:30"
    assert form.values["公司名称"] == "杭州某某有限公司"
    assert form.invalid == [("联系电话", "bad-phone"), ("赔偿金额", "bad-number")]
    assert set(form.values) == set(PLACEHOLDERS)


def test_a_duplicate_number_is_still_printed() -> None:
    r = result()
    r.issues = [Finding("duplicate-id", "…", 7, "case_id")]
    form = form_data(r, "X")
    assert form.values["投诉编号"] == "2611-0003" and form.case_id == "2611-0003"
    assert form.invalid == []


def test_corrective_action_fields() -> None:
    """原因分析, 纠正措施, 整改期限 come from the register's corrective-action columns."""
    r = result()
    case = r.case
    case.root_cause = "装配工序漏检"
    case.corrective_action = "增加终检工位"
    case.action_due = date(2026, 12, 15)
    form = form_data(r, "X")
    assert form.values["原因分析"] == "装配工序漏检"
    assert form.values["纠正措施"] == "增加终检工位"
    assert form.values["整改期限"] == "2026年12月15日"


def test_overdue_status() -> None:
    r = result()
    r.due_close = datetime(2026, 11, 5, 16, 30)
    r.flags = ["response-overdue", "close-overdue", "escalated"]
    assert overdue_status(r) == "回复逾期、结案逾期"
    r.flags = []
    assert overdue_status(r) == "未逾期"
    r.case.status = "已结案"
    assert overdue_status(r) == "按时结案"
    r.flags = ["closed-late"]
    assert overdue_status(r) == "逾期结案"
    again = result()
    again.repeat_kind, again.repeat_of = "recontact", "2611-0001"
    assert overdue_status(again) == "重复来电：时限按原投诉 2611-0001"


def test_fingerprint_follows_what_is_printed() -> None:
    a = form_data(result(), "X")
    b = form_data(result(), "X")
    c = form_data(result(resolution="换货"), "X")
    assert a.fingerprint("t1") == b.fingerprint("t1")
    assert a.fingerprint("t1") != c.fingerprint("t1")
    assert a.fingerprint("t1") != a.fingerprint("t2")  # another template
