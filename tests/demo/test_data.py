"""The demo register: reproducible, realistic, and holding everything it promises."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from toolkit.demo.data import DemoRegister, build_demo, demo_rows, relations
from toolkit.register import (
    CHANNELS,
    CUSTOMER_TYPES,
    DEFAULT_CATEGORIES,
    SEVERITIES,
    STAFF_COLUMNS,
    STATUSES,
)
from toolkit.rules.engine import run_check
from toolkit.sheets.reader import read_workbook
from toolkit.sheets.template import build_register

AS_OF = datetime(2026, 11, 24, 9, 0)
PLANTED = {"bad-phone", "bad-date", "missing", "status-mismatch", "unhappy-closed", "bad-number",
           "bad-id", "duplicate-id", "bad-email", "future", "order", "bad-enum"}
CASE_ID = re.compile(r"\d{4}-\d{4}")


@pytest.fixture(scope="module")
def demo() -> DemoRegister:
    return build_demo(AS_OF)


def test_same_arguments_same_rows() -> None:
    assert demo_rows(AS_OF) == demo_rows(AS_OF)
    assert demo_rows(AS_OF, seed=8) != demo_rows(AS_OF)
    assert len(demo_rows(AS_OF, count=200)) == 200


def test_rows_use_staff_columns_and_plain_values(demo: Any) -> None:
    keys = {c.key for c in STAFF_COLUMNS}
    assert len(demo.rows) == 420
    for row in demo.rows:
        assert set(row) <= keys
        assert None not in row.values()
        for value in row.values():
            assert isinstance(value, (str, int, float, datetime, date)), value
            if isinstance(value, datetime):
                assert value.tzinfo is None and value.second == 0


def test_spans_fourteen_months_ending_at_as_of(demo: Any) -> None:
    received = [r["received_at"] for r in demo.rows]
    assert received == sorted(received)  # receipt order, as a register grows
    months = Counter(f"{t:%Y-%m}" for t in received)
    assert list(months) == [f"{y}-{m:02d}" for y, m in
                            [(2025, m) for m in range(10, 13)] + [(2026, m) for m in range(1, 12)]]
    assert all(15 <= n <= 50 for n in months.values()), months
    assert max(received) <= AS_OF and max(received) > AS_OF - timedelta(days=3)
    late = sum(1 for t in received if t.time() > time(16, 30))
    weekend = sum(1 for t in received if t.weekday() >= 5)
    assert 0.05 < late / len(received) < 0.25
    assert 3 <= weekend < len(received) * 0.1
    office = sum(1 for t in received if time(8, 30) <= t.time() <= time(16, 30))
    assert office / len(received) > 0.7


def test_nothing_valid_lies_after_as_of(demo: Any) -> None:
    for i, row in enumerate(demo.rows):
        for key, value in row.items():
            if key == "action_due":  # a corrective action's due date is meant to lie ahead
                continue
            later = (isinstance(value, datetime) and value > AS_OF) or (
                type(value) is date and value > AS_OF.date())
            if later:
                assert demo.invalid.get(i) == "future", (i, key, value)


def test_every_value_of_every_list_occurs(demo: Any) -> None:
    valid = [r for i, r in enumerate(demo.rows) if i not in demo.invalid]

    def seen(key: str) -> set[object]:
        return {r.get(key) for r in valid}

    assert set(DEFAULT_CATEGORIES) <= seen("category")
    assert set(CHANNELS) <= seen("channel")
    assert set(SEVERITIES) <= seen("severity")
    assert set(STATUSES) <= seen("status")
    assert set(CUSTOMER_TYPES) <= seen("customer_type")
    assert {"国内", "国外"} <= seen("region")
    assert {"满意", "基本满意"} <= seen("follow_up")
    assert {"无需审批", "待审批", "已批准"} <= seen("approval")
    assert {"是", "否", "待查"} <= seen("substantiated")
    severity = Counter(r["severity"] for r in valid)
    assert severity.most_common(1)[0][0] == "一般" and severity["一般"] > len(valid) / 2
    statuses = Counter(r["status"] for r in valid)
    assert statuses["已结案"] > len(valid) * 0.8


def test_realistic_content(demo: Any) -> None:
    rows = demo.rows
    customers = Counter(r["customer"] for r in rows)
    assert "汽车销售服务有限公司" in " ".join(customers)
    assert customers.most_common(1)[0][1] >= 15  # a few customers complain a lot
    texts = " ".join(str(r.get("description", "")) for r in rows)
    for word in ("发票", "退款", "随车文件", "合格证", "VIN", "批次", "破损"):
        assert word in texts, word
    finance_keywords = [r for r in rows if r["category"] != "财务问题"
                        and re.search("发票|收款|退款|对账", str(r.get("description")))]
    assert finance_keywords  # routed to 财务部 by the keyword rule, whatever the category
    evidence = " ".join(str(r.get("evidence", "")) for r in rows)
    assert re.search(r"IMG_\d+\.jpg", evidence) and ".mp4" in evidence
    phones = {str(r["phone"]) for r in rows}
    assert any(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert any(re.fullmatch(r"0\d{2,3}-\d{7,8}", p) for p in phones)
    assert any(p.startswith("+") for p in phones)
    assert sum(1 for r in rows if r.get("email")) > 50
    for row in rows:
        if row["category"] == "产品质量":
            assert row.get("product") and row.get("batch") and row.get("evidence")
        if row["category"] == "物流运输":
            assert isinstance(row.get("delivered_on"), date) and row.get("evidence")
    assert 5 < sum(1 for r in rows if r.get("compensation")) < 150
    assert 5 < sum(1 for r in rows if r.get("department")) < 60  # most are left to the rules
    assert 5 < sum(1 for r in rows if r.get("complained_dept")) < 60


def test_case_ids_numbered_per_month(demo: Any) -> None:
    numbered: dict[str, list[int]] = {}
    for i, row in enumerate(demo.rows):
        case_id = row.get("case_id")
        if case_id is None or i in demo.invalid:
            continue
        assert CASE_ID.fullmatch(case_id)
        assert case_id[:4] == f"{row['received_at']:%y%m}"
        numbered.setdefault(case_id[:4], []).append(int(case_id[5:]))
    for numbers in numbered.values():
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    blank = [i for i, r in enumerate(demo.rows) if "case_id" not in r]
    assert 3 <= len(blank) <= 10
    assert all(f"{demo.rows[i]['received_at']:%y%m}" == f"{AS_OF:%y%m}" for i in blank)


def test_closed_cases_are_complete(demo: Any) -> None:
    for i, row in enumerate(demo.rows):
        if i in demo.invalid:
            continue
        received = row["received_at"]
        for key in ("first_response_at", "closed_at"):
            if key in row:
                assert row[key] >= received, (i, key)
        if row["status"] == "已结案":
            assert row.get("closed_at") and row.get("resolution")
            assert row.get("follow_up") in ("满意", "基本满意")
        elif row["status"] == "无法解决":
            assert row.get("resolution")
        else:
            assert "closed_at" not in row
        if row.get("compensation") or row["severity"] in ("强烈", "重大"):
            assert row.get("approval") in ("待审批", "已批准"), i
    responded = [r for r in demo.rows if isinstance(r.get("first_response_at"), datetime)]
    quick = [r for r in responded if r["first_response_at"] - r["received_at"] < timedelta(days=1)]
    assert 0.6 < len(quick) / len(responded) < 0.98


def test_planted_repeats_and_recontacts(demo: Any) -> None:
    assert len(demo.repeats) == 12 and len(demo.recontacts) == 10
    found = relations(demo.rows)
    for first, later in demo.repeats:
        a, b = demo.rows[first], demo.rows[later]
        assert (a["customer"], a["category"], a.get("product")) == \
            (b["customer"], b["category"], b.get("product"))
        assert a["status"] == "已结案"
        assert timedelta(0) < b["received_at"] - a["closed_at"] <= timedelta(days=30)
        assert found[later] == ("repeat", first)
    for first, later in demo.recontacts:
        a, b = demo.rows[first], demo.rows[later]
        assert (a["customer"], a["category"]) == (b["customer"], b["category"])
        assert a["received_at"] < b["received_at"] < a.get("closed_at", datetime.max)
        assert found[later] == ("recontact", first)
    # Some customers chase a case that is still open today.
    assert any(demo.rows[a]["status"] not in ("已结案", "无法解决") for a, _ in demo.recontacts)


def test_planted_invalid_rows(demo: Any) -> None:
    assert set(demo.invalid.values()) == PLANTED and len(demo.invalid) == len(PLANTED)
    rows = {code: demo.rows[i] for i, code in demo.invalid.items()}
    assert rows["bad-phone"]["phone"] == "138123456"
    assert rows["bad-date"]["first_response_at"] == "2026-13-45 09:30"
    assert "description" not in rows["missing"]
    mismatch = rows["status-mismatch"]
    assert mismatch["status"] == "已结案" and "closed_at" not in mismatch
    assert rows["unhappy-closed"]["follow_up"] == "不满意"
    assert rows["bad-number"]["quantity"] == -2
    assert rows["bad-id"]["case_id"][:4] != f"{rows['bad-id']['received_at']:%y%m}"
    duplicate = rows["duplicate-id"]["case_id"]
    assert [r.get("case_id") for r in demo.rows].count(duplicate) == 2
    assert rows["future"]["closed_at"] > AS_OF
    assert rows["order"]["closed_at"] < rows["order"]["received_at"]
    assert rows["bad-enum"]["severity"] not in SEVERITIES
    (probe,) = demo.probes
    assert str(demo.rows[probe]["description"]).startswith("=")
    assert set(demo.warnings.values()) == {"late-claim"}


def test_corrective_actions_show_the_loop(demo: Any) -> None:
    today = AS_OF.date()
    recontacts = {i for i, (kind, _) in relations(demo.rows).items() if kind == "recontact"}
    closed = [r for i, r in enumerate(demo.rows) if r.get("substantiated") == "是"
              and r["status"] == "已结案" and isinstance(r.get("closed_at"), datetime)
              and i not in demo.invalid and i not in recontacts]
    older = [r for r in closed if (today - r["closed_at"].date()).days >= 14]
    analysed = [r for r in older if r.get("root_cause") and r.get("corrective_action")]
    assert 0.85 < len(analysed) / len(older) < 1  # most, not all: no-capa shows too
    assert any(not r.get("root_cause") for r in closed)
    for i, r in enumerate(demo.rows):
        if r.get("corrective_action") and i not in recontacts:
            assert r.get("substantiated") == "是" and isinstance(r.get("action_due"), date)
        done = r.get("action_done_on")
        if done is not None:
            assert r["received_at"].date() <= done <= today, i
    named = 0
    for first, later in demo.recontacts:  # the chasing call names the same analysis
        if demo.rows[first].get("corrective_action"):
            assert demo.rows[later].get("root_cause") == demo.rows[first]["root_cause"]
            assert "action_due" not in demo.rows[later]
            named += 1
    assert named > 0
    assert sorted(Counter(demo.actions.values()).items()) == [
        ("action-ineffective", 1), ("action-overdue", 4)]
    (ineffective,) = [i for i, code in demo.actions.items() if code == "action-ineffective"]
    assert any(first == ineffective for first, _ in demo.repeats)  # the complaint came back
    overdue = [demo.rows[i] for i, code in demo.actions.items() if code == "action-overdue"]
    assert all(r["action_due"] < today and "action_done_on" not in r for r in overdue)
    effects = Counter(r.get("effect") for r in demo.rows if r.get("action_done_on"))
    assert effects["有效"] > effects["待确认"] > 0


def test_summary_counts(demo: Any) -> None:
    summary = demo.summary()
    assert summary["rows"] == 420 and summary["invalid"] == 12
    assert summary["repeats"] == 12 and summary["recontacts"] == 10
    assert sum(summary["status"].values()) == 420


def test_needs_enough_rows() -> None:
    with pytest.raises(ValueError, match="at least"):
        build_demo(AS_OF, count=10)


@pytest.mark.parametrize("as_of", [AS_OF, datetime(2026, 10, 8, 17, 45), datetime(2027, 3, 1)])
def test_check_finds_exactly_what_was_planted(tmp_path: Path, as_of: datetime) -> None:
    """The real register, read and checked the way `complaints demo` does it."""
    demo = build_demo(as_of, seed=3)
    book = build_register(tmp_path / "demo.xlsx", rows=demo.rows)
    result = run_check(read_workbook(book).data, as_of)
    by_row = {r.row: r for r in result.cases}
    errors = {r.row - 2: {f.code for f in r.issues if f.level == "error"}
              for r in result.cases if any(f.level == "error" for f in r.issues)}
    assert errors == {i: {code} for i, code in demo.invalid.items()}
    for i in demo.warnings:
        assert "late-claim" in {f.code for f in by_row[i + 2].issues}
    for kind, pairs in (("repeat", demo.repeats), ("recontact", demo.recontacts)):
        for first, later in pairs:
            case = by_row[later + 2]
            assert (case.repeat_kind, case.repeat_of_row) == (kind, first + 2)
    for code in ("action-overdue", "action-ineffective"):
        found = {r.row - 2 for r in result.cases
                 if code in r.flags or code in {f.code for f in r.issues}}
        assert found == {i for i, c in demo.actions.items() if c == code}, code
    assert result.summary()["actions_overdue"] == len(
        [c for c in demo.actions.values() if c == "action-overdue"]) > 0
    flags = result.flag_counts()
    for flag in ("close-overdue", "closed-late", "responded-late", "escalated"):
        assert flags[flag] > 0, flag
    assert {r.department_source for r in result.cases} == {"rule", "manual", "complained",
                                                          "default"}
