"""Repeat complaints and re-contacts (docs/rules.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from toolkit.register import Case
from toolkit.rules.repeats import customer_key, find_repeats, phone_key

START = datetime(2026, 1, 1, 9, 0)


def at(day: float, hour: int = 9) -> datetime:
    return START.replace(hour=hour) + timedelta(days=day)


def case(row: int, day: float | None, *, closed: datetime | float | None = None,
         status: str | None = None, customer: str | None = "甲公司",
         phone: str | None = "13800138000", category: str | None = "产品质量",
         severity: str | None = "一般", product: str | None = None,
         case_id: str | None = None) -> Case:
    """A case received on `day` (days after 2026-01-01 09:00); `closed` as a day number closes
    it at 17:00 that day. Status follows: 已结案 when closed, else 处理中."""
    if isinstance(closed, (int, float)):
        closed = at(closed, 17)
    return Case(row=row, received_at=None if day is None else at(day), customer=customer,
                phone=phone, category=category, severity=severity, product=product,
                case_id=case_id, closed_at=closed,
                status=status or ("已结案" if closed else "处理中"))


Row = tuple[int, str | None, int | None, str | None]


def repeats(cases: list[Case], window: int = 30) -> list[Row]:
    found = find_repeats(cases, window)
    assert sorted(found) == sorted(c.row for c in cases)  # one entry for every case
    return [(r, i.kind, i.of_row, i.effective_severity) for r, i in sorted(found.items())]


def test_repeat_recontact_and_unrelated() -> None:
    assert repeats([
        case(2, 0, closed=1, case_id="2601-0001"),
        case(3, 10),
        case(4, 11, customer="乙公司", phone="13900139000"),
    ]) == [(2, None, None, "一般"), (3, "repeat", 2, "中级"), (4, None, None, "一般")]
    found = find_repeats([case(2, 0, closed=1, case_id="2601-0001"), case(3, 10)], 30)
    assert found[3].of_case_id == "2601-0001"


def test_recontact_while_open_is_not_escalated_and_names_the_original() -> None:
    assert repeats([
        case(2, 0),
        case(3, 2, severity="中级"),
        case(4, 3),
    ]) == [(2, None, None, "一般"), (3, "recontact", 2, "中级"), (4, "recontact", 2, "一般")]


def test_open_means_closed_after_this_was_received() -> None:
    assert repeats([
        case(2, 0, closed=5),
        case(3, 2),  # received before row 2 closed
        case(4, 6, closed=at(8, 9)),
        case(5, 8),  # received the moment row 4 closed: closed, gap 0
    ]) == [(2, None, None, "一般"), (3, "recontact", 2, "一般"), (4, "repeat", 2, "中级"),
           (5, "repeat", 4, "强烈")]


def test_window_counts_calendar_days() -> None:
    closed = at(0, 16)
    assert repeats([case(2, -3, closed=closed), case(3, 30, closed=31)]) == [
        (2, None, None, "一般"), (3, "repeat", 2, "中级")]  # day 30: inside
    assert repeats([case(2, -3, closed=closed), case(3, 31)]) == [
        (2, None, None, "一般"), (3, None, None, "一般")]  # day 31: outside
    week = [repeats([case(2, -3, closed=closed), case(3, d)], window=7)[1] for d in (7, 8)]
    assert week == [(3, "repeat", 2, "中级"), (3, None, None, "一般")]


def test_category_and_product_decide_the_matter() -> None:
    assert repeats([
        case(2, 0, closed=1, product="XC-200"),
        case(3, 5, category="服务过程"),
        case(4, 6, product="XC-300"),
        case(5, 7, product=" ｘｃ－２００ "),  # the same product typed full-width
        case(6, 8),  # no product: matches rows 2, 4 and 5; rows 4 and 5 are open, 5 is newer
    ]) == [(2, None, None, "一般"), (3, None, None, "一般"), (4, None, None, "一般"),
           (5, "repeat", 2, "中级"), (6, "recontact", 5, "一般")]


def test_product_missing_on_one_side_still_related() -> None:
    found = repeats([case(2, 0, closed=1), case(3, 5, product="XC-200")])
    assert found[1] == (3, "repeat", 2, "中级")


def test_customer_name_normalisation_and_phone_match() -> None:
    assert repeats([
        case(2, 0, closed=1, customer="ABC公司", phone="13800138000"),
        case(3, 5, closed=6, customer="ＡＢＣ 公司", phone=None),
        case(4, 10, closed=11, customer=" abc\u3000公司 ", phone="021-5555 6666"),
        case(5, 15, closed=16, customer="上海ABC有限公司", phone="+86 138 0013 8000"),
        case(6, 20, customer=None, phone="8613800138000"),
        case(7, 21, customer="丙公司", phone="13800"),  # too short to be an identity
    ]) == [(2, None, None, "一般"), (3, "repeat", 2, "中级"), (4, "repeat", 3, "强烈"),
           (5, "repeat", 2, "中级"), (6, "repeat", 5, "强烈"), (7, None, None, "一般")]


def test_name_matches_one_earlier_case_and_phone_another() -> None:
    assert repeats([
        case(2, 0, closed=1, customer="甲公司", phone="13800138000", product="A"),
        case(3, 3, closed=4, customer="乙公司", phone="13900139000", product="B"),
        case(4, 6, customer="甲公司", phone="13900139000"),
    ]) == [(2, None, None, "一般"), (3, None, None, "一般"), (4, "repeat", 3, "中级")]


def test_escalation_chain_stops_at_the_top() -> None:
    cases = [case(2 + i, 5 * i, closed=5 * i + 1) for i in range(6)]
    assert [(r, k, of, s) for r, k, of, s in repeats(cases)] == [
        (2, None, None, "一般"), (3, "repeat", 2, "中级"), (4, "repeat", 3, "强烈"),
        (5, "repeat", 4, "重大"), (6, "repeat", 5, "重大"), (7, "repeat", 6, "重大")]


def test_own_severity_higher_than_the_escalated_one_wins() -> None:
    assert repeats([
        case(2, 0, closed=1),
        case(3, 5, closed=6, severity="重大"),
        case(4, 10, severity="中级"),
    ]) == [(2, None, None, "一般"), (3, "repeat", 2, "重大"), (4, "repeat", 3, "重大")]


def test_unknown_severity_of_the_earlier_case_counts_as_the_lowest() -> None:
    assert repeats([case(2, 0, closed=1, severity=None), case(3, 5, severity="bad")]) == [
        (2, None, None, None), (3, "repeat", 2, "中级")]


def test_most_recent_earlier_case_is_named() -> None:
    assert repeats([
        case(2, 0, closed=20, product="A"),
        case(3, 2, closed=3, product="B"),
        case(4, 25),  # both are closed within the window; row 3 was received later
    ])[2] == (4, "repeat", 3, "中级")


def test_recontact_rows_are_not_earlier_cases() -> None:
    assert repeats([
        case(2, 0, closed=10),
        case(3, 2, severity="重大"),  # re-contact: the same complaint as row 2
        case(4, 12),  # relates to row 2, escalated from row 2's level, not row 3's
    ]) == [(2, None, None, "一般"), (3, "recontact", 2, "重大"), (4, "repeat", 2, "中级")]


def test_recontact_identity_leads_later_cases_to_the_original() -> None:
    # Row 3 rang from another number while row 2 was open; row 4 shares only that number.
    assert repeats([
        case(2, 0, closed=3, customer="甲公司", phone="13800138000"),
        case(3, 1, customer="甲公司", phone="13900139000"),
        case(4, 5, customer="甲公司销售部", phone="13900139000"),
    ]) == [(2, None, None, "一般"), (3, "recontact", 2, "一般"), (4, "repeat", 2, "中级")]


def test_rows_are_taken_in_received_order_ties_by_row() -> None:
    assert repeats([
        case(5, 10),
        case(2, 20),
        case(3, 0, closed=1),
        case(4, 0, closed=1),
    ]) == [(2, "recontact", 5, "一般"), (3, None, None, "一般"),
           (4, "recontact", 3, "一般"), (5, "repeat", 3, "中级")]


@pytest.mark.parametrize("closed_at", [None, 2])
def test_unresolvable_counts_as_closed(closed_at: float | None) -> None:
    # 无法解决 is closed (docs/rules.md) even without a 结案时间: never re-contacted, but repeated.
    first = case(2, 0, closed=closed_at, status="无法解决")
    assert repeats([first, case(3, 5)])[1] == (3, "repeat", 2, "中级")
    # Without a 结案时间 the window runs from its 受理时间, the earliest it can have closed.
    expected = (3, None, None, "一般") if closed_at is None else (3, "repeat", 2, "中级")
    assert repeats([first, case(3, 32)])[1] == expected


def test_closed_time_wins_over_an_open_status() -> None:
    # 结案时间 filled but 状态 still open (a status-mismatch error elsewhere): the time decides.
    found = repeats([case(2, 0, closed=1, status="处理中"), case(3, 5)])
    assert found[1] == (3, "repeat", 2, "中级")


def test_cases_that_cannot_be_matched() -> None:
    assert repeats([
        case(2, None, closed=1),
        case(3, 0, category=None, closed=1),
        case(4, 0, customer=" ", phone="无"),
        case(5, 3),  # none of the above counts as an earlier case
    ]) == [(2, None, None, "一般"), (3, None, None, "一般"), (4, None, None, "一般"),
           (5, None, None, "一般")]


def test_customer_key() -> None:
    names = ("ＡＢＣ 公司", " ABC公司 ", "abc\t公\u3000司", "", "  ", None)
    assert [customer_key(s) for s in names] == ["abc公司", "abc公司", "abc公司", None, None, None]


def test_phone_key() -> None:
    assert [phone_key(s) for s in (
        "13800138000", "+86 138-0013-8000", "8613800138000", "0086 13800138000",
        "１３８００１３８０００", "(010) 1234-5678", "+86 10 1234 5678", "+86 (0)10 1234 5678",
        "+1 415 555 0100", "001 415 555 0100", "12345", "", None,
    )] == [
        "13800138000", "13800138000", "13800138000", "13800138000",
        "13800138000", "01012345678", "01012345678", "01012345678",
        "14155550100", "14155550100", None, None, None,
    ]
