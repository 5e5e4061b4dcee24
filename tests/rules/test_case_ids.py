"""Case numbers (docs/rules.md: 投诉编号, duplicate-id): duplicates and numbering blank ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from toolkit.register import STAFF_COLUMNS, Case, HeaderMap, RawRow
from toolkit.rules.case_ids import assign_case_ids, duplicate_findings
from toolkit.rules.ruleset import default_ruleset
from toolkit.rules.validate import read_case

ZH = HeaderMap.from_row([c.zh for c in STAFF_COLUMNS])
EN = HeaderMap.from_row([c.en for c in STAFF_COLUMNS])
NOV = datetime(2026, 11, 3, 9, 30)
DEC = datetime(2026, 12, 1, 8, 0)


def case(row: int, case_id: str | None, received_at: datetime | None = NOV) -> Case:
    return Case(row=row, case_id=case_id, received_at=received_at)


# --- duplicate-id ----------------------------------------------------------------------------

def test_each_later_row_reusing_a_number_is_reported() -> None:
    cases = [case(2, "2611-0001"), case(3, "2611-0002"), case(4, "2611-0001"),
             case(5, "2611-0001")]
    findings = duplicate_findings(cases, ZH, "zh")
    assert [(f.row, f.field, f.code) for f in findings] == [
        (4, "case_id", "duplicate-id"), (5, "case_id", "duplicate-id")]
    assert all(f.level == "error" for f in findings)
    # Both later rows name the first row that used the number.
    assert findings[1].message.startswith("投诉编号「2611-0001」已在第 2 行使用")


def test_duplicates_compare_trimmed_and_upper_cased() -> None:
    cases = [case(2, "a-1"), case(3, " A-1 "), case(4, "2611-0001"), case(5, "2611-0001 ")]
    assert [(f.row, f.code) for f in duplicate_findings(cases, ZH, "zh")] == [
        (3, "duplicate-id"), (5, "duplicate-id")]


def test_blank_numbers_are_not_duplicates() -> None:
    cases = [case(2, None), case(3, None), case(4, "  ")]
    assert duplicate_findings(cases, ZH, "zh") == []


def test_row_order_decides_which_row_is_later() -> None:
    cases = [case(9, "2611-0001"), case(4, "2611-0001")]
    assert [f.row for f in duplicate_findings(cases, ZH, "zh")] == [9]


def test_duplicate_message_in_english_with_english_header() -> None:
    findings = duplicate_findings([case(2, "2611-0001"), case(3, "2611-0001")], EN, "en")
    assert findings[0].message.startswith("Case ID '2611-0001' is already used on row 2")


# --- assign_case_ids -------------------------------------------------------------------------

def test_numbers_are_assigned_per_month_in_row_order() -> None:
    cases = [case(2, None), case(3, None, DEC), case(4, None), case(5, None, DEC)]
    assert assign_case_ids(cases) == {2: "2611-0001", 3: "2612-0001", 4: "2611-0002",
                                      5: "2612-0002"}


def test_numbering_continues_after_the_highest_number_leaving_gaps() -> None:
    cases = [case(2, "2611-0005"), case(3, None), case(4, "2611-0002"), case(5, None)]
    assert assign_case_ids(cases) == {3: "2611-0006", 5: "2611-0007"}


def test_duplicates_and_invalid_numbers_do_not_confuse_numbering() -> None:
    cases = [case(2, "2611-0003"), case(3, "2611-0003"), case(4, "2611-01"), case(5, "ABC"),
             case(6, "2611-9"), case(7, None)]
    assert assign_case_ids(cases) == {7: "2611-0004"}


def test_a_number_filed_under_the_wrong_month_still_counts_for_its_own_month() -> None:
    # Row 2 was received in December but carries a November number (a bad-id): giving that
    # number out again in November would make a duplicate.
    cases = [case(2, "2611-0008", DEC), case(3, None)]
    assert assign_case_ids(cases) == {3: "2611-0009"}


def test_padded_existing_numbers_count() -> None:
    assert assign_case_ids([case(2, " 2611-0004 "), case(3, "")]) == {3: "2611-0005"}


def test_rows_without_a_usable_received_time_get_no_number() -> None:
    assert assign_case_ids([case(2, None, None), case(3, None)]) == {3: "2611-0001"}


def test_assignment_follows_row_order_not_list_order() -> None:
    assert assign_case_ids([case(5, None), case(2, None)]) == {2: "2611-0001", 5: "2611-0002"}


def test_more_than_9999_in_a_month_grows_to_five_digits() -> None:
    assert assign_case_ids([case(2, "2611-9999"), case(3, None), case(4, None)]) == {
        3: "2611-10000", 4: "2611-10001"}
    assert assign_case_ids([case(2, "2611-10000"), case(3, None)]) == {3: "2611-10001"}


def test_assignment_does_not_change_the_cases() -> None:
    cases = [case(2, None)]
    before = [replace(c) for c in cases]
    assign_case_ids(cases)
    assert cases == before


def test_read_then_number_a_register() -> None:
    rules = default_ruleset()
    as_of = datetime(2026, 12, 31, 18, 0)
    rows = [
        RawRow(2, {"case_id": "2611-0002", "received_at": "2026-11-02 10:00"}),
        RawRow(3, {"case_id": None, "received_at": "2026/11/5"}),
        RawRow(4, {"case_id": "  ", "received_at": "2026年12月1日 9:00"}),
        RawRow(5, {"case_id": None, "received_at": "不详"}),
        RawRow(6, {"case_id": "2611-0002", "received_at": 46331}),
    ]
    cases = [read_case(r, ZH, rules, as_of)[0] for r in rows]
    assert assign_case_ids(cases) == {3: "2611-0003", 4: "2612-0001"}
    assert [(f.row, f.code) for f in duplicate_findings(cases, ZH, "zh")] == [(6, "duplicate-id")]
