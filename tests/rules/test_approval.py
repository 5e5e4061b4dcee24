"""Which cases need an approval form: 赔偿金额 > 0, 有效级别 强烈/重大, 审批状态 待审批."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from helpers import good_row, make_register

from toolkit.jobs.forms import select_cases
from toolkit.rules.approval import needs_approval
from toolkit.rules.engine import run_check
from toolkit.sheets.reader import read_workbook

AS_OF = datetime(2026, 11, 24, 9, 0)


def test_selection_rule_on_a_small_register(tmp_path: Path) -> None:
    closed = dict(status="已结案", closed_at=datetime(2026, 11, 4, 15, 0),
                  resolution="已道歉并回访", follow_up="满意")
    rows = [
        good_row(case_id="2611-0001"),                                   # 2: nothing
        good_row(case_id="2611-0002", compensation=0),                   # 3: zero money
        good_row(case_id="2611-0003", compensation=200.5),               # 4: money
        good_row(case_id="2611-0004", severity="强烈"),                   # 5: 强烈
        good_row(case_id="2611-0005", severity="重大"),                   # 6: 重大
        good_row(case_id="2611-0006", approval="待审批"),                 # 7: pending
        good_row(case_id="2611-0007", approval="已批准", severity="中级"),  # 8: approved, 中级
        good_row(case_id="2611-0008", compensation="三百"),               # 9: unusable money
        # 10 closed 中级, then 11 the same matter again within 30 days: a repeat one level up.
        good_row(case_id="2611-0009", customer="宁波天和汽车销售服务有限公司", severity="中级",
                 received_at=datetime(2026, 11, 2, 9, 0), **closed),
        good_row(case_id="2611-0010", customer="宁波天和汽车销售服务有限公司", severity="中级",
                 received_at=datetime(2026, 11, 10, 9, 0)),
    ]
    book = make_register(tmp_path / "r.xlsx", rows)
    result = run_check(read_workbook(book).data, AS_OF)
    by_row = {r.row: r for r in result.cases}
    assert by_row[11].repeat_kind == "repeat" and by_row[11].effective_severity == "强烈"
    assert [r.row for r in result.cases if needs_approval(r)] == [4, 5, 6, 7, 11]
    assert [r.case_id for r in select_cases(result)] == [
        "2611-0003", "2611-0004", "2611-0005", "2611-0006", "2611-0010"]
    # Asked for by number or row, any case is selected, in row order.
    chosen = select_cases(result, case_ids=["2611-0008", " 2611-0001 "], rows=[8])
    assert [r.row for r in chosen] == [2, 8, 9]
