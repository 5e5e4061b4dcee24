"""Flags (docs/rules.md) and their boundaries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from toolkit.findings import FLAGS
from toolkit.register import SEVERITIES, Case
from toolkit.rules.calendar import WorkCalendar
from toolkit.rules.deadlines import compute_deadlines
from toolkit.rules.flags import case_flags
from toolkit.rules.ruleset import default_ruleset

RECEIVED = datetime(2026, 11, 2, 10, 0)
DUE_R = datetime(2026, 11, 3, 16, 30)
DUE_C = datetime(2026, 11, 4, 16, 30)
SECOND = timedelta(seconds=1)
DAY = timedelta(hours=24)


def case(**kw: object) -> Case:
    values: dict[str, object] = {"received_at": RECEIVED, "category": "产品质量",
                                 "severity": "一般", "status": "处理中"}
    values.update(kw)
    return Case(row=2, **values)  # type: ignore[arg-type]


def flags(c: Case, as_of: datetime, effective: str | None = "一般", *,
          recontact: bool = False) -> list[str]:
    return case_flags(c, DUE_R, DUE_C, effective, as_of, recontact=recontact)


def test_fresh_open_case_has_no_flags() -> None:
    assert flags(case(), RECEIVED) == []


def test_response_overdue_boundary() -> None:
    # Exactly at the response deadline is not overdue (and closure is then 24 h away).
    assert flags(case(), DUE_R) == ["due-soon"]
    assert flags(case(), DUE_R + SECOND) == ["response-overdue"]


def test_responded_late_boundary() -> None:
    assert flags(case(first_response_at=DUE_R), RECEIVED + SECOND) == []
    late = case(first_response_at=DUE_R + SECOND)
    assert flags(late, DUE_R + SECOND) == ["responded-late", "due-soon"]
    assert flags(late, DUE_C) == ["responded-late"]


def test_close_overdue_boundary() -> None:
    answered = case(first_response_at=RECEIVED + timedelta(hours=1))
    assert flags(answered, DUE_C) == []
    assert flags(answered, DUE_C + SECOND) == ["close-overdue"]
    assert flags(case(), DUE_C + SECOND) == ["response-overdue", "close-overdue"]


def test_due_soon_boundaries() -> None:
    answered = case(first_response_at=RECEIVED + timedelta(hours=1))
    assert flags(answered, DUE_C - DAY - SECOND) == []
    assert flags(answered, DUE_C - DAY) == ["due-soon"]
    assert flags(answered, DUE_C - SECOND) == ["due-soon"]
    # Not while the response is overdue: the case is already late, not "soon".
    assert flags(case(), DUE_R + SECOND) == ["response-overdue"]
    # Not for a closed case.
    closed = case(status="已结案", first_response_at=RECEIVED, closed_at=RECEIVED + DAY)
    assert flags(closed, DUE_C - SECOND) == []


def test_closed_late_boundary() -> None:
    on_time = case(status="已结案", first_response_at=RECEIVED, closed_at=DUE_C)
    late = case(status="已结案", first_response_at=RECEIVED, closed_at=DUE_C + SECOND)
    as_of = DUE_C + 30 * DAY
    assert flags(on_time, as_of) == []
    assert flags(late, as_of) == ["closed-late"]


def test_closed_case_without_first_response_is_judged_by_its_closing() -> None:
    as_of = DUE_C + 30 * DAY
    assert flags(case(status="已结案", closed_at=DUE_R), as_of) == []
    assert flags(case(status="已结案", closed_at=DUE_R + SECOND), as_of) == ["responded-late"]
    assert flags(case(status="已结案", closed_at=DUE_C + SECOND), as_of) == [
        "responded-late", "closed-late"]


def test_unresolvable_counts_as_closed() -> None:
    as_of = DUE_C + 30 * DAY
    assert flags(case(status="无法解决"), as_of) == []
    assert flags(case(status="无法解决", first_response_at=RECEIVED,
                      closed_at=DUE_C + DAY), as_of) == ["closed-late"]


def test_open_status_with_a_closing_time_is_still_open() -> None:
    # 状态 says open (a status-mismatch error elsewhere): the clock keeps running.
    c = case(first_response_at=RECEIVED, closed_at=DUE_C - DAY)
    assert flags(c, DUE_C + SECOND) == ["close-overdue"]


def test_escalated() -> None:
    assert flags(case(), RECEIVED, "中级") == ["escalated"]
    assert flags(case(severity="重大"), RECEIVED, "重大") == ["escalated"]
    assert flags(case(severity=None), RECEIVED, "重大") == ["escalated"]
    assert flags(case(severity="强烈"), RECEIVED, "强烈") == []
    assert flags(case(severity=None), RECEIVED, "中级") == []
    assert flags(case(), RECEIVED, None) == []


def test_flags_keep_the_findings_order() -> None:
    assert flags(case(severity="强烈"), DUE_C + SECOND, "重大") == [
        "response-overdue", "close-overdue", "escalated"]
    late = case(first_response_at=DUE_R + SECOND)
    assert flags(late, DUE_C + SECOND, "中级") == ["responded-late", "close-overdue", "escalated"]


_MOMENTS = st.one_of(st.none(), st.sampled_from(
    [RECEIVED, DUE_R - SECOND, DUE_R, DUE_R + SECOND, DUE_C - DAY, DUE_C, DUE_C + SECOND,
     DUE_C + 30 * DAY]))


@given(status=st.sampled_from(["处理中", "已结案", "无法解决", "待处理"]),
       responded=_MOMENTS, closed=_MOMENTS, as_of=_MOMENTS.filter(lambda m: m is not None),
       due_r=_MOMENTS, due_c=_MOMENTS,
       severity=st.sampled_from([*SEVERITIES, None]),
       effective=st.sampled_from([*SEVERITIES, None]),
       action=st.booleans(), action_due=st.one_of(st.none(), st.just(date(2026, 11, 3))),
       done=st.one_of(st.none(), st.just(date(2026, 11, 5))))
def test_flags_come_once_each_in_the_order_of_flags(
        status: str, responded: datetime | None, closed: datetime | None, as_of: datetime,
        due_r: datetime | None, due_c: datetime | None, severity: str | None,
        effective: str | None, action: bool, action_due: date | None,
        done: date | None) -> None:
    c = case(status=status, first_response_at=responded, closed_at=closed, severity=severity,
             corrective_action="加强检验" if action else None, action_due=action_due,
             action_done_on=done)
    found = case_flags(c, due_r, due_c, effective, as_of)
    assert found == [code for code in FLAGS if code in found]  # in order, none twice


def test_recontact_has_no_flags() -> None:
    assert flags(case(severity="重大"), DUE_C + 30 * DAY, "重大", recontact=True) == []
    assert case_flags(case(), None, None, "重大", DUE_C, recontact=True) == []


def test_no_deadlines_only_escalation() -> None:
    assert case_flags(case(), None, None, "一般", DUE_C + 30 * DAY) == []
    assert case_flags(case(), None, None, "重大", DUE_C + 30 * DAY) == ["escalated"]


def test_with_computed_deadlines_over_national_day() -> None:
    # Received Wed 09-30: both deadlines move past the holiday to Thu 10-08 16:30.
    c = case(received_at=datetime(2026, 9, 30, 10, 0), category="服务过程")
    due_r, due_c = compute_deadlines(c, default_ruleset(), WorkCalendar(), "一般")
    assert (due_r, due_c) == (datetime(2026, 10, 8, 16, 30), datetime(2026, 10, 8, 16, 30))
    assert case_flags(c, due_r, due_c, "一般", datetime(2026, 10, 5, 9, 0)) == []
    assert case_flags(c, due_r, due_c, "一般", datetime(2026, 10, 8, 9, 0)) == ["due-soon"]
    assert case_flags(c, due_r, due_c, "一般", datetime(2026, 10, 8, 16, 31)) == [
        "response-overdue", "close-overdue"]
