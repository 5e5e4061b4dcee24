"""Row validation (docs/rules.md): reading a register row into a Case, with its findings."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.findings import CODES, Finding
from toolkit.layout import DEPARTMENTS_SHEET
from toolkit.register import (
    REQUIRED_HEADERS,
    STAFF_COLUMNS,
    Case,
    CellValue,
    HeaderMap,
    RawRow,
    RegisterRows,
    RuleSheet,
)
from toolkit.rules.coerce import to_date_or_none
from toolkit.rules.ruleset import RuleSet, build_ruleset, default_ruleset
from toolkit.rules.validate import header_findings, read_case, read_cases

AS_OF = datetime(2026, 11, 24, 9, 0)
RULES = default_ruleset()
RULES_EN = replace(RULES, settings=replace(RULES.settings, language="en"))
ALL_ZH = HeaderMap.from_row([c.zh for c in STAFF_COLUMNS])
ALL_EN = HeaderMap.from_row([c.en for c in STAFF_COLUMNS])
MINIMAL = HeaderMap.from_row([c.zh for c in REQUIRED_HEADERS])

# A clean open 服务过程 case: no finding on its own.
GOOD: dict[str, CellValue] = {
    "case_id": "2611-0001",
    "received_at": datetime(2026, 11, 3, 9, 30),
    "receiver": "张三",
    "customer": "甲公司",
    "phone": "13812345678",
    "category": "服务过程",
    "severity": "一般",
    "description": "安装师傅迟到两个小时",
    "status": "处理中",
}
# What a closed 产品质量 case needs on top of GOOD.
CLOSED_QUALITY: dict[str, CellValue] = {
    "category": "产品质量", "product": "A型泵", "batch": "B2611", "evidence": "img_01.jpg",
    "status": "已结案", "closed_at": datetime(2026, 11, 4, 15, 0), "resolution": "更换新泵",
    "follow_up": "满意",
}


def read(changes: dict[str, CellValue] | None = None, *, headers: HeaderMap = ALL_ZH,
         rules: RuleSet = RULES, row: int = 3) -> tuple[Case, list[Finding]]:
    values = {**GOOD, **(changes or {})}
    return read_case(RawRow(row, values), headers, rules, AS_OF)


def codes(changes: dict[str, CellValue] | None = None, **kwargs: object
          ) -> list[tuple[int | None, str | None, str]]:
    _, findings = read(changes, **kwargs)  # type: ignore[arg-type]
    return [(f.row, f.field, f.code) for f in findings]


def messages(changes: dict[str, CellValue] | None = None, **kwargs: object) -> list[str]:
    _, findings = read(changes, **kwargs)  # type: ignore[arg-type]
    return [f.message for f in findings]


# --- the clean row and normalisation -------------------------------------------------------

def test_good_row_has_no_findings_and_is_coerced() -> None:
    case, findings = read({"customer": "  甲公司 ", "quantity": "3", "compensation": "1,200.50"})
    assert findings == []
    assert case.row == 3
    assert case.customer == "甲公司"
    assert case.received_at == datetime(2026, 11, 3, 9, 30)
    assert case.quantity == 3
    assert case.compensation == 1200.5


def test_closed_quality_case_with_everything_is_clean() -> None:
    assert codes(CLOSED_QUALITY) == []


def test_blank_region_means_domestic_even_without_the_column() -> None:
    assert read()[0].region == "国内"
    assert read({"region": "  "})[0].region == "国内"
    assert read({"region": "国外"})[0].region == "国外"
    assert read(headers=MINIMAL)[0].region == "国内"


def test_phone_typed_as_a_number_cell() -> None:
    assert read({"phone": 13812345678})[0].phone == "13812345678"
    assert read({"phone": 13812345678.0})[0].phone == "13812345678"


def test_enum_with_stray_spaces_or_full_width_is_read_as_the_allowed_value() -> None:
    case, findings = read({"severity": "重 大", "status": "处理中\u3000"})
    assert findings == []
    assert (case.severity, case.status) == ("重大", "处理中")


def test_toolkit_columns_and_columns_absent_from_the_sheet_are_not_read() -> None:
    case, findings = read({"check": "旧结果", "email": "not-an-address"}, headers=MINIMAL)
    assert findings == []
    assert case.email is None


# --- missing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["received_at", "receiver", "customer", "category", "severity",
                                 "description", "status"])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_required_value_missing(key: str, blank: CellValue) -> None:
    assert codes({key: blank}) == [(3, key, "missing")]


def test_missing_message_names_the_header_and_lists_the_choices() -> None:
    assert messages({"severity": None}) == ["投诉级别为空：此项必填，可选：一般、中级、强烈、重大"]
    assert messages({"severity": None}, rules=RULES_EN) == [
        "投诉级别 is empty: it is required, one of 一般, 中级, 强烈, 重大"]
    assert messages({"received_at": None}) == ["受理时间为空：此项必填，如 2026-11-03 09:30"]
    assert messages({"receiver": None}) == [
        "受理人为空：此项必填，请填写第一受理人的姓名（首问负责）"]


def test_description_shorter_than_five_characters_is_missing() -> None:
    assert codes({"description": "坏了"}) == [(3, "description", "missing")]
    assert "5" in messages({"description": "坏了"})[0]
    assert codes({"description": "五个字正好"}) == []


def test_phone_required_unless_email_given() -> None:
    assert codes({"phone": None}) == [(3, "phone", "missing")]
    assert "邮箱" in messages({"phone": None})[0]
    assert codes({"phone": None, "email": "li@example.com"}) == []
    # An address that is given but wrong is reported as such, not as a missing phone.
    assert codes({"phone": None, "email": "li@"}) == [(3, "email", "bad-email")]
    assert codes({"phone": None}, headers=MINIMAL) == [(3, "phone", "missing")]
    assert "邮箱" not in messages({"phone": None}, headers=MINIMAL)[0]


def test_quality_complaint_needs_product_batch_and_evidence() -> None:
    assert codes({"category": "产品质量"}) == [
        (3, "product", "missing"), (3, "batch", "missing"), (3, "evidence", "missing")]
    assert codes({"category": "产品质量", "product": "A型泵", "batch": "B1",
                  "evidence": "a.jpg"}) == []


def test_transport_complaint_needs_evidence() -> None:
    assert codes({"category": "物流运输"}) == [(3, "evidence", "missing")]
    assert "照片" in messages({"category": "物流运输"})[0]


def test_closed_case_needs_resolution_and_follow_up() -> None:
    changes = {**CLOSED_QUALITY, "resolution": None, "follow_up": None}
    assert codes(changes) == [(3, "resolution", "missing"), (3, "follow_up", "missing")]
    assert "100%" in messages(changes)[1]


def test_unresolvable_case_needs_a_resolution_saying_why() -> None:
    assert codes({"status": "无法解决"}) == [(3, "resolution", "missing")]
    assert "原因" in messages({"status": "无法解决"})[0]
    assert "why" in messages({"status": "无法解决"}, rules=RULES_EN)[0]
    assert codes({"status": "无法解决", "resolution": "客户要求超出保修范围，已说明"}) == []


# --- status ----------------------------------------------------------------------------------

def test_closed_without_close_time_is_only_a_status_mismatch() -> None:
    assert codes({**CLOSED_QUALITY, "closed_at": None}) == [(3, "closed_at", "status-mismatch")]


def test_close_time_on_an_open_case_is_a_status_mismatch() -> None:
    assert codes({"closed_at": datetime(2026, 11, 4, 10, 0)}) == [(3, "status", "status-mismatch")]
    assert codes({"closed_at": datetime(2026, 11, 4, 10, 0), "status": "无法解决",
                  "resolution": "无法联系到客户"}) == []


def test_unhappy_follow_up_on_a_closed_case() -> None:
    assert codes({**CLOSED_QUALITY, "follow_up": "不满意"}) == [(3, "follow_up", "unhappy-closed")]
    assert codes({"follow_up": "不满意"}) == []  # still open: being handled again


# --- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (datetime(2026, 11, 3, 9, 30), datetime(2026, 11, 3, 9, 30)),
    (date(2026, 11, 3), datetime(2026, 11, 3)),
    (46329, datetime(2026, 11, 3)),
    (46329.395833333336, datetime(2026, 11, 3, 9, 30)),
    ("2026-11-03 09:30", datetime(2026, 11, 3, 9, 30)),
    ("2026/11/3", datetime(2026, 11, 3)),
    ("2026年11月3日 9:30", datetime(2026, 11, 3, 9, 30)),
    ("2026年11月3日", datetime(2026, 11, 3)),
])
def test_every_date_form_is_accepted(value: CellValue, expected: datetime) -> None:
    case, findings = read({"received_at": value})
    assert findings == []
    assert case.received_at == expected


@pytest.mark.parametrize("value", ["昨天", "2026-13-01", "2026/02/30", "2026年11月3日 25:00",
                                   "abc", True, time(9, 30), -5, 1e12])
def test_garbage_date_is_one_bad_date_and_none(value: CellValue) -> None:
    case, findings = read({"received_at": value})
    assert [(f.row, f.field, f.code) for f in findings] == [(3, "received_at", "bad-date")]
    assert case.received_at is None


def test_bad_date_message_shows_value_and_example() -> None:
    assert messages({"received_at": "昨天"}) == [
        "受理时间「昨天」不是有效日期：请填写如 2026-11-03 09:30 的日期"]
    assert messages({"delivered_on": "上周"}) == [
        "收货日期「上周」不是有效日期：请填写如 2026-11-03 的日期"]


def test_date_columns_hold_dates() -> None:
    case, findings = read({"delivered_on": "2026/11/1", "appointment_on": datetime(2026, 12, 1)})
    assert findings == []
    assert case.delivered_on == date(2026, 11, 1)
    assert case.appointment_on == date(2026, 12, 1)


def test_future_times() -> None:
    later = AS_OF + timedelta(minutes=1)
    assert codes({"received_at": later}) == [(3, "received_at", "future")]
    assert codes({"first_response_at": later}) == [(3, "first_response_at", "future")]
    assert codes({"closed_at": later, "status": "无法解决", "resolution": "客户已注销公司"}) == [
        (3, "closed_at", "future")]
    assert codes({"received_at": AS_OF}) == []  # the very moment is not future


def test_future_delivery_is_flagged_but_an_appointment_never() -> None:
    assert codes({"delivered_on": date(2026, 11, 25)}) == [(3, "delivered_on", "future")]
    assert codes({"delivered_on": datetime(2026, 11, 24, 18, 0)}) == []  # same day as as-of
    assert codes({"appointment_on": date(2027, 3, 1)}) == []


def test_response_or_close_before_receipt_is_out_of_order() -> None:
    before = datetime(2026, 11, 3, 9, 0)
    assert codes({"first_response_at": before}) == [(3, "first_response_at", "order")]
    assert codes({"closed_at": before, "status": "无法解决", "resolution": "客户撤回投诉"}) == [
        (3, "closed_at", "order")]
    assert messages({"first_response_at": before}) == [
        "首次回复时间「2026-11-03 09:00」早于受理时间「2026-11-03 09:30」：应不早于受理时间"]


def test_late_claim_for_transport_is_a_warning() -> None:
    transport = {"category": "物流运输", "evidence": "damage.mp4"}
    assert codes({**transport, "delivered_on": date(2026, 10, 26)}) == [
        (3, "delivered_on", "late-claim")]
    assert CODES["late-claim"] == "warning"
    assert codes({**transport, "delivered_on": date(2026, 10, 27)}) == []  # exactly 7 days
    assert codes({"delivered_on": date(2026, 10, 1)}) == []  # other categories


# --- numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, expected", [
    ({"quantity": "1,200"}, ("quantity", 1200)),
    ({"quantity": 3.0}, ("quantity", 3)),
    ({"quantity": 0}, ("quantity", 0)),
    ({"compensation": "1,200.50"}, ("compensation", 1200.5)),
    ({"compensation": "¥300"}, ("compensation", 300.0)),
    ({"compensation": 99.9}, ("compensation", 99.9)),
])
def test_numbers_as_cells_or_text(changes: dict[str, CellValue], expected: tuple[str, float]
                                  ) -> None:
    case, findings = read(changes)
    assert findings == []
    assert getattr(case, expected[0]) == expected[1]


@pytest.mark.parametrize("changes", [
    {"quantity": "三个"}, {"quantity": "1.5"}, {"quantity": 2.5}, {"quantity": -1},
    {"compensation": "abc"}, {"compensation": "-20"}, {"compensation": "nan"},
    {"compensation": "inf"}, {"compensation": math.inf}, {"quantity": True},
    {"compensation": datetime(2026, 1, 1)},
])
def test_bad_number_is_one_finding_and_none(changes: dict[str, CellValue]) -> None:
    key = next(iter(changes))
    case, findings = read(changes)
    assert [(f.row, f.field, f.code) for f in findings] == [(3, key, "bad-number")]
    assert getattr(case, key) is None


def test_bad_number_messages_say_what_is_wrong() -> None:
    assert messages({"quantity": "1.5"}) == ["数量「1.5」不是整数：请填写如 12 的整数"]
    assert messages({"compensation": "-20"}) == ["赔偿金额「-20」是负数：请填写 0 或正数"]
    assert messages({"compensation": "abc"}) == [
        "赔偿金额「abc」不是数字：请填写如 1,200.50 的数字"]


# --- enums -----------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["channel", "customer_type", "region", "category", "severity",
                                 "complained_dept", "substantiated", "approval", "follow_up",
                                 "status"])
def test_value_outside_the_list_is_bad_enum_and_none(key: str) -> None:
    case, findings = read({key: "随便"})
    assert [(f.row, f.field, f.code) for f in findings] == [(3, key, "bad-enum")]
    assert getattr(case, key) is None


def test_bad_enum_lists_the_allowed_values() -> None:
    assert messages({"status": "完成"}) == [
        "状态「完成」不是可选值：请填写 新建、处理中、待回访、已结案、无法解决 之一"]
    assert messages({"status": "完成"}, rules=RULES_EN) == [
        "状态 '完成' is not an allowed value: write one of 新建, 处理中, 待回访, 已结案, 无法解决"]
    assert "产品质量、技术能力" in messages({"category": "质量问题"})[0]


def test_departments_come_from_the_rules() -> None:
    sheet = RuleSheet(DEPARTMENTS_SHEET, ["部门名称", "负责人", "邮箱", "接收升级"],
                      [(2, ["品质部", None, None, None]), (3, ["售后部", None, None, None])])
    rules = build_ruleset({DEPARTMENTS_SHEET: sheet}, to_date_or_none)
    assert codes({"department": "品质部", "complained_dept": "售后部"}, rules=rules) == []
    assert codes({"department": "质量部"}, rules=rules) == [(3, "department", "bad-enum")]
    assert "品质部、售后部" in messages({"complained_dept": "质量部"}, rules=rules)[0]


def test_bad_department_and_case_id_keep_the_staff_text() -> None:
    # The toolkit fills these two when blank: a None would get a value written over the cell.
    case, findings = read({"department": "品质部", "case_id": "ABC"})
    assert [(f.field, f.code) for f in findings] == [("case_id", "bad-id"),
                                                     ("department", "bad-enum")]
    assert (case.department, case.case_id) == ("品质部", "ABC")


# --- phone and email -------------------------------------------------------------------------

@pytest.mark.parametrize("phone", [
    "13812345678", "138 1234 5678", "138-1234-5678", 13812345678, 19912345678.0,
    "010-12345678", "0571-8765432", "0571-87654321", "(021)12345678", "（021）12345678",
    "0571 8765 4321", "057187654321", "0571-8765-4321", "0571-87654321-123",
    "0571-87654321转8001", "0571-87654321 ext. 12",
    "+86 138 1234 5678", "+1 415-555-2671", "+44 (20) 7946 0958",
    "13812345678/0571-87654321", "１３８１２３４５６７８",
])
def test_valid_phone_numbers(phone: CellValue) -> None:
    assert codes({"phone": phone}) == []


@pytest.mark.parametrize("phone", [
    "12345", "87654321", "1381234567", "138123456789", "12812345678", "abc", "+12",
    "13812345678/123", 57187654321, "0571-876543", "/", "-",
])
def test_invalid_phone_numbers(phone: CellValue) -> None:
    case, findings = read({"phone": phone})
    assert [(f.row, f.field, f.code) for f in findings] == [(3, "phone", "bad-phone")]
    assert case.phone is None


def test_bad_phone_message() -> None:
    assert messages({"phone": "12345"}) == [
        "联系电话「12345」不是有效电话：请填写11位手机号、带区号的固话（如 0571-87654321）"
        "或 +国家代码号码"]


@pytest.mark.parametrize("email, ok", [
    ("li@example.com", True), ("li.si+desk@mail.example.com.cn", True),
    ("a@example.com; b@example.com", True), ("li@", False), ("li@example", False),
    ("@example.com", False), ("li@@example.com", False), ("li example@x.com", False),
    ("li..si@example.com", False), ("李四", False), (";", False),
])
def test_email(email: str, ok: bool) -> None:
    assert codes({"email": email}) == ([] if ok else [(3, "email", "bad-email")])


# --- case id ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case_id", ["ABC", "2611-01", "2611-00001", "26110001", "2613-0001",
                                     "2611_0001"])
def test_malformed_case_id(case_id: str) -> None:
    assert codes({"case_id": case_id}) == [(3, "case_id", "bad-id")]
    assert "2611-0001" in messages({"case_id": case_id})[0]


def test_case_id_month_must_match_received() -> None:
    assert codes({"case_id": "2610-0007"}) == [(3, "case_id", "bad-id")]
    assert messages({"case_id": "2610-0007"}) == [
        "投诉编号「2610-0007」的年月 2610 与受理时间（2026-11-03 09:30）不符：应以 2611 开头，"
        "如 2611-0001"]
    assert codes({"case_id": "2511-0007"}) == [(3, "case_id", "bad-id")]  # a year off


def test_blank_case_id_and_five_digit_numbers_are_fine() -> None:
    assert codes({"case_id": None}) == []
    assert codes({"case_id": "2611-10000"}) == []
    # With no usable 受理时间 only the format can be checked.
    assert codes({"case_id": "2610-0001", "received_at": "x"}) == [(3, "received_at", "bad-date")]


# --- headers, languages and absent columns ---------------------------------------------------

def test_messages_name_the_header_the_sheet_shows() -> None:
    assert messages({"phone": "12345"}, headers=ALL_EN)[0].startswith("Phone「12345」不是有效电话")
    assert messages({"phone": "12345"}, headers=ALL_EN, rules=RULES_EN) == [
        "Phone '12345' is not a valid phone number: write an 11-digit mobile number, a landline "
        "with area code (e.g. 0571-87654321) or a +country number"]
    assert messages({**CLOSED_QUALITY, "follow_up": "不满意"}, headers=ALL_EN, rules=RULES_EN) == [
        "Follow-up is 不满意 (dissatisfied) but Status is 已结案 (closed): the complaint must be "
        "handled again; set Status back to 处理中"]


def test_every_template_has_both_languages() -> None:
    from toolkit.rules.case_ids import TEMPLATES as ID_TEMPLATES
    from toolkit.rules.validate import TEMPLATES

    for variants in [*TEMPLATES.values(), *ID_TEMPLATES.values()]:
        assert set(variants) == {"zh", "en"}


def test_absent_optional_columns_skip_their_rules() -> None:
    quality_closed = {**CLOSED_QUALITY, "product": None, "batch": None, "evidence": None,
                      "closed_at": None, "resolution": None, "follow_up": None}
    assert codes(quality_closed, headers=MINIMAL) == []
    assert codes({"category": "物流运输"}, headers=MINIMAL) == []
    assert codes({"status": "无法解决"}, headers=MINIMAL) == []


def test_findings_come_in_column_order() -> None:
    assert codes({"status": "完成", "received_at": "x", "phone": "1", "quantity": "q"}) == [
        (3, "received_at", "bad-date"), (3, "phone", "bad-phone"), (3, "quantity", "bad-number"),
        (3, "status", "bad-enum")]


@pytest.mark.parametrize("value", [True, False, 0, -1, 1e300, math.nan, math.inf, "", " ", "=1+1",
                                   time(9, 30), timedelta(hours=3), date(2026, 11, 1),
                                   datetime(2026, 11, 1, 8, 0), "2026-11-01", "x" * 500])
def test_any_value_in_any_column_never_raises(value: CellValue) -> None:
    for col in STAFF_COLUMNS:
        case, findings = read({col.key: value})
        assert isinstance(case, Case)
        assert all(f.row == 3 and f.code in CODES for f in findings)
        # A value that cannot be used is reported once under its own column.
        assert sum(f.field == col.key and f.code.startswith("bad-") for f in findings) <= 1


def test_long_values_are_cut_in_messages() -> None:
    message = messages({"channel": "微" * 300})[0]
    assert len(message) < 150 and "…" in message


# --- header findings -------------------------------------------------------------------------

def test_unknown_and_repeated_headers_are_warnings_on_row_one() -> None:
    headers = HeaderMap.from_row(["投诉编号", "受理时间", "备注", None, "Case ID"])
    findings = header_findings(headers, "zh")
    assert [(f.row, f.field, f.code, f.level) for f in findings] == [
        (1, None, "unknown-column", "warning"), (1, None, "unknown-column", "warning")]
    assert findings[0].message == "第 C 列表头「备注」不是工具识别的列：此列原样保留，不做校验"
    assert "第 A 列" in findings[1].message and "Case ID" in findings[1].message
    assert header_findings(headers, "en")[0].message == (
        "Column C header '备注' is not a column the toolkit knows: it is kept untouched and "
        "not checked")
    assert header_findings(headers, "en")[1].message == (
        "Column E header 'Case ID' repeats column A: only column A is read, this one is kept "
        "untouched")
    assert header_findings(ALL_ZH, "zh") == []


# Rows that between them use every message template of the module.
SCENARIOS: list[dict[str, CellValue]] = [
    {"receiver": None, "description": "坏了", "phone": None, "received_at": "昨天"},
    {"category": "产品质量", "quantity": "x", "compensation": "-1", "channel": "微信"},
    {**CLOSED_QUALITY, "resolution": None, "follow_up": None, "closed_at": None, "email": "@"},
    {**CLOSED_QUALITY, "follow_up": "不满意", "case_id": "2610-0001", "quantity": 1.5},
    {"status": "无法解决", "case_id": "x", "phone": "1"},
    {"closed_at": datetime(2026, 11, 2), "first_response_at": datetime(2026, 12, 1)},
    {"category": "物流运输", "evidence": "a.jpg", "delivered_on": date(2026, 10, 1)},
    {**CLOSED_QUALITY, "substantiated": "是", "corrective_action": "加严进货检验",
     "effect": "无效"},
    {**CLOSED_QUALITY, "substantiated": "是", "root_cause": "来料不良"},
]


@pytest.mark.parametrize("rules", [RULES, RULES_EN], ids=["zh", "en"])
@pytest.mark.parametrize("headers", [ALL_ZH, ALL_EN, MINIMAL], ids=["zh", "en", "minimal"])
def test_every_message_renders_in_both_languages(rules: RuleSet, headers: HeaderMap) -> None:
    seen = set()
    for changes in SCENARIOS:
        for f in read(changes, headers=headers, rules=rules)[1]:
            seen.add(f.code)
            assert "{" not in f.message and f.message
            if headers is not ALL_ZH and rules is RULES_EN and f.field:
                assert headers.header(f.field) in f.message
    if headers is not MINIMAL:
        assert seen == set(CODES) - {"duplicate-id", "no-route", "calendar-unknown",
                                     "unknown-column"}


# Cell values of every kind a register holds, as calamine hands them over ("" when empty).
_CELL = st.one_of(
    st.just(""), st.just(" "), st.sampled_from([
        "重大", " 重 大 ", "一般", "已结案", "处理中", "无法解决", "产品质量", "物流运输", "是",
        "不满意", "无效", "国外", "13812345678", "１３８１２３４５６７８", "010-12345678", "123",
        "a@b.com", "a@b", "2026-11-03", "2026年11月3日", "2026-13-01", "46330", "不详",
        "2611-0001", "2612-0003", "abc-0001", "短", "安装师傅迟到两个小时", "1,200.50", "-5"]),
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31)),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    st.floats(-10, 50000), st.integers(-5, 50000), st.booleans(),
    st.just(time(9, 30)), st.just(timedelta(hours=1)),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=len(STAFF_COLUMNS), max_size=len(STAFF_COLUMNS)),
                min_size=1, max_size=25),
       st.sampled_from([ALL_ZH, ALL_EN, MINIMAL]), st.sampled_from([RULES, RULES_EN]),
       st.booleans())
def test_reading_the_register_at_once_is_reading_each_row(
        cells: list[list[object]], headers: HeaderMap, rules: RuleSet, date1904: bool) -> None:
    # read_cases runs down the columns; each row must come out as if read on its own, whether
    # the rows are the reader's cell lists or RawRows built by hand.
    width = max(headers.index.values()) + 1
    sheet = RegisterRows(list(range(2, len(cells) + 2)), [c[:width] for c in cells],
                         headers.index)
    by_hand = [RawRow(r.row, dict(r.values)) for r in sheet]
    at_once = read_cases(sheet, headers, rules, AS_OF, date1904=date1904)
    assert read_cases(by_hand, headers, rules, AS_OF, date1904=date1904) == at_once
    assert [read_case(r, headers, rules, AS_OF, date1904=date1904) for r in by_hand] == at_once
