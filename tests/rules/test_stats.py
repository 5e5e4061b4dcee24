"""Monthly statistics on a small register whose every figure is computed by hand below."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from helpers import good_row, make_register

from toolkit.register import Case
from toolkit.rules.engine import CaseResult, CheckResult, run_check
from toolkit.rules.stats import BLANK, FIGURES, Month, figures, monthly_stats
from toolkit.sheets.reader import read_workbook

AS_OF = datetime(2026, 11, 24, 9, 0)
OCT = Month(2026, 10)


def row(case_id: str, customer: str, phone: str, received: datetime, **more: object
        ) -> dict[str, object]:
    return good_row(case_id=case_id, customer=customer, phone=phone, received_at=received,
                    **more)


# 服务过程 closes in 1 day (16:30 cut-off), 其他 in 7 days, 产品质量 in 2 days.
ROWS = [
    # A: closed on time (due 10-13 16:30), first reply after 2 h, 25 h to close
    row("2610-0001", "甲公司", "13800000001", datetime(2026, 10, 12, 9), channel="电话",
        substantiated="是", first_response_at=datetime(2026, 10, 12, 11), resolution="已处理",
        closed_at=datetime(2026, 10, 13, 10), follow_up="满意", status="已结案"),
    # B: closed late (due 10-15 16:30), reply after 4 h, 144 h to close, unhappy
    row("2610-0002", "乙公司", "13800000002", datetime(2026, 10, 14, 9), channel="邮件",
        substantiated="否", first_response_at=datetime(2026, 10, 14, 13), resolution="已处理",
        closed_at=datetime(2026, 10, 20, 9), follow_up="不满意", status="已结案"),
    # C: open, due 10-27 16:30: overdue at the end of October
    row("2610-0003", "丙公司", "13800000003", datetime(2026, 10, 26, 10)),
    # D: 其他, due 11-04: open at month end but not overdue
    row("2610-0004", "丁公司", "13800000004", datetime(2026, 10, 28, 10), category="其他"),
    # E: C's customer calls again while C is open: a re-contact, never counted
    row("2610-0005", "丙公司", "13800000003", datetime(2026, 10, 27, 10)),
    # F: unresolvable (closed for deadlines, counted apart; not 已结案)
    row("2610-0006", "戊公司", "13800000006", datetime(2026, 10, 15, 9),
        closed_at=datetime(2026, 10, 16, 9), resolution="无法处理", status="无法解决"),
    # G: received in September, closed late in October, follow-up 基本满意, 600 h to close
    row("2609-0001", "己公司", "13800000007", datetime(2026, 9, 10, 9), resolution="已处理",
        closed_at=datetime(2026, 10, 5, 9), follow_up="基本满意", status="已结案"),
    # H: received in September, still open: overdue at both month ends
    row("2609-0002", "庚公司", "13800000008", datetime(2026, 9, 20, 9)),
    # I: A's customer again a week after A closed: a repeat, escalated to 中级, overdue
    row("2610-0007", "甲公司", "13800000001", datetime(2026, 10, 20, 9)),
    # J: 产品质量 received after the cut-off on the last evening: due 11-03, not overdue
    row("2610-0008", "辛公司", "13800000010", datetime(2026, 10, 31, 23), category="产品质量"),
    # K: due 10-30 16:30, closed only in November: open and overdue at the end of October
    row("2610-0009", "壬公司", "13800000011", datetime(2026, 10, 29, 9), substantiated="是",
        resolution="已处理", closed_at=datetime(2026, 11, 2, 9), follow_up="满意",
        status="已结案"),
]


@pytest.fixture
def result(tmp_path: Path) -> CheckResult:
    book = read_workbook(make_register(tmp_path / "r.xlsx", ROWS))
    return run_check(book.data, AS_OF)


def test_october_figures_by_hand(result: CheckResult) -> None:
    stats = monthly_stats(result, OCT)
    assert stats.figures == {
        "received": 8,  # A B C D F I J K (E is a re-contact)
        "substantiated": 2,  # A K
        "closed": 3,  # A B G (F is 无法解决, K closed in November)
        "closed_on_time": 1,  # A
        "on_time_rate": 0.3333,
        "open_at_end": 6,  # C D H I J K
        "overdue_at_end": 4,  # C H I K
        "repeats": 1,  # I
        "unresolvable": 1,  # F
        "followed_up": 3,
        "follow_up_rate": 1.0,
        "satisfaction_rate": 0.6667,  # 满意 + 基本满意 of 3
        "mean_response_hours": 3.0,  # (2 + 4) / 2
        "mean_close_hours": 256.3,  # (25 + 144 + 600) / 3
        "capa_done": None,  # the register has no 原因分析 / 纠正措施 columns
        "capa_rate": None,
        "actions_overdue_at_end": None,
    }
    assert list(stats.figures) == list(FIGURES)


def test_september_is_the_previous_month(result: CheckResult) -> None:
    stats = monthly_stats(result, OCT)
    prev = stats.previous
    assert (prev["received"], prev["closed"], prev["open_at_end"], prev["overdue_at_end"]) \
        == (2, 0, 2, 2)
    assert prev["on_time_rate"] is None and prev["follow_up_rate"] is None
    assert prev["mean_response_hours"] is None and prev["mean_close_hours"] is None
    assert stats.change("received") == 6
    assert stats.change("on_time_rate") is None  # no rate last month to compare with
    assert stats.to_json()["previous"] == prev


def test_breakdowns_lists_and_trend(result: CheckResult) -> None:
    stats = monthly_stats(result, OCT)
    assert {k: v for k, v in stats.by_category.items() if v} == \
        {"服务过程": 6, "产品质量": 1, "其他": 1}
    assert set(stats.by_category) >= {"产品质量", "物流运输", "其他"}  # zeros listed too
    assert {k: v for k, v in stats.by_department.items() if v} == {"客服部": 7, "质量部": 1}
    assert stats.by_severity == {"一般": 7, "中级": 1, "强烈": 0, "重大": 0}
    assert stats.by_channel["电话"] == 1 and stats.by_channel["邮件"] == 1
    assert stats.by_channel[BLANK] == 6
    assert stats.by_customer_type == {"经销商": 0, "终端客户": 0, "重点客户": 0, BLANK: 8}
    assert stats.matrix["服务过程"]["客服部"] == 6 and stats.matrix["产品质量"]["质量部"] == 1
    assert stats.top_customers[0] == ("甲公司", 2)
    assert sum(n for _, n in stats.top_customers) == 8
    doc = stats.to_json()
    assert doc["overdue_at_end"] == ["2609-0002", "2610-0007", "2610-0003", "2610-0009"]
    assert [c.case_id for c in stats.unresolvable] == ["2610-0006"]
    assert [t["month"] for t in doc["trend"]][0] == "2025-11"
    assert doc["trend"][-2:] == [{"month": "2026-09", "received": 2, "closed": 0},
                                 {"month": "2026-10", "received": 8, "closed": 3}]
    assert len(doc["trend"]) == 12
    assert set(doc) == {"month", "figures", "previous", "by_category", "by_department",
                        "by_severity", "by_channel", "by_customer_type", "top_customers",
                        "overdue_at_end", "trend"}
    assert stats.in_range and stats.data_range == (Month(2026, 9), Month(2026, 10))


def test_an_empty_month_gives_zeros_and_null_rates(result: CheckResult) -> None:
    stats = monthly_stats(result, Month(2026, 3))
    f = stats.figures
    assert f["received"] == f["closed"] == f["open_at_end"] == 0
    assert f["on_time_rate"] is f["follow_up_rate"] is f["satisfaction_rate"] is None
    assert f["mean_close_hours"] is None
    assert not stats.in_range
    assert sum(stats.by_category.values()) == 0 and stats.top_customers == []


def test_open_across_the_month_end_counts_until_closed(result: CheckResult) -> None:
    # K was closed on 2 November: open at the end of October, not at the end of November.
    nov = monthly_stats(result, Month(2026, 11))
    assert "2610-0009" in monthly_stats(result, OCT).to_json()["overdue_at_end"]
    assert "2610-0009" not in nov.to_json()["overdue_at_end"]
    assert nov.figures["closed"] == 1 and nov.figures["closed_on_time"] == 0


def _capa_case(row: int, **values: object) -> CaseResult:
    case = Case(row=row, case_id=f"2610-{row:04d}", received_at=datetime(2026, 10, 5, 9),
                status="已结案", closed_at=datetime(2026, 10, 6, 9), substantiated="是")
    for key, value in values.items():
        setattr(case, key, value)  # the corrective-action fields of the register
    return CaseResult(case)


def test_corrective_action_figures() -> None:
    cases = [
        _capa_case(2, root_cause="焊点虚焊", corrective_action="增加焊点检验"),
        _capa_case(3, root_cause="焊点虚焊"),  # no action: not done
        _capa_case(4, substantiated="否", root_cause="x", corrective_action="y"),  # not counted
        # overdue at the end of October: due 10-31, not done by 11-01
        _capa_case(5, root_cause="r", corrective_action="a", action_due=date(2026, 10, 31)),
        # done on 11-01: "before the first day of M+1" fails, so still overdue
        _capa_case(6, corrective_action="a", action_due=date(2026, 10, 20),
                   action_done_on=date(2026, 11, 1)),
        # done in time, or due next month: not overdue
        _capa_case(7, corrective_action="a", action_due=date(2026, 10, 20),
                   action_done_on=date(2026, 10, 30)),
        _capa_case(8, corrective_action="a", action_due=date(2026, 11, 1)),
    ]
    f = figures(cases, OCT, has_capa=True)
    assert f["capa_done"] == 2  # rows 2 and 5 (row 7 and 8 have no 原因分析)
    assert f["capa_rate"] == round(2 / 6, 4)  # substantiated closed: rows 2 3 5 6 7 8
    assert f["actions_overdue_at_end"] == 2  # rows 5 and 6
    assert figures(cases, OCT, has_capa=False)["capa_rate"] is None


def test_month_arithmetic() -> None:
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 12).end == datetime(2027, 1, 1)
    assert Month.parse("2026-3") == Month(2026, 3) and str(Month(2026, 3)) == "2026-03"
    for bad in ("2026-13", "26-01", "2026/01", "x"):
        with pytest.raises(ValueError):
            Month.parse(bad)
