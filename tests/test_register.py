from __future__ import annotations

from datetime import date, datetime

from toolkit.register import (
    BY_KEY,
    COLUMNS,
    REQUIRED_HEADERS,
    STAFF_COLUMNS,
    TOOLKIT_COLUMNS,
    HeaderMap,
    RawRow,
    RegisterRows,
    column,
    column_for_header,
    column_letter,
    row_numbers,
)


def test_column_table_matches_spec() -> None:
    assert len(STAFF_COLUMNS) == 36 and len(TOOLKIT_COLUMNS) == 6
    assert [c.zh for c in REQUIRED_HEADERS] == [
        "投诉编号", "受理时间", "受理人", "客户名称", "联系电话", "投诉类别", "投诉级别",
        "投诉内容", "状态"]
    assert [c.key for c in TOOLKIT_COLUMNS] == [
        "due_response", "due_close", "flags", "repeat_of", "effective_severity", "check"]
    assert BY_KEY["severity"].choices == ("一般", "中级", "强烈", "重大")
    assert BY_KEY["status"].choices == ("新建", "处理中", "待回访", "已结案", "无法解决")
    # The corrective-action columns follow 状态, in the order of the loop (docs/capa.md).
    keys = [c.key for c in STAFF_COLUMNS]
    assert keys[keys.index("status") + 1:] == [
        "root_cause", "corrective_action", "action_due", "action_done_on", "effect"]
    assert [c.zh for c in STAFF_COLUMNS[-5:]] == ["原因分析", "纠正措施", "整改期限", "整改完成",
                                                  "效果确认"]
    assert BY_KEY["effect"].choices == ("有效", "无效", "待确认")
    for attr in ("key", "zh", "en"):
        values = [getattr(c, attr) for c in COLUMNS]
        assert len(values) == len(set(values)), attr


def test_headers_match_in_chinese_english_any_case_and_width() -> None:
    assert column_for_header("投诉编号") is BY_KEY["case_id"]
    assert column_for_header(" case id ") is BY_KEY["case_id"]
    assert column_for_header("RESPONSIBLE DEPT") is BY_KEY["department"]
    assert column_for_header("投诉 编号") is BY_KEY["case_id"]
    assert column_for_header("备注") is None


def test_header_map_reports_unknown_and_repeated_headers() -> None:
    h = HeaderMap.from_row(["状态", None, "Case ID", "备注", "投诉编号"])
    assert h.index == {"status": 0, "case_id": 2}
    assert h.unknown == [(3, "备注"), (4, "投诉编号")]
    assert h.width == 5
    assert [c.key for c in h.missing_required()] == [
        "received_at", "receiver", "customer", "phone", "category", "severity", "description"]
    assert h.header("case_id") == "Case ID" and h.header("phone") == "联系电话"


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 703, 16384)] == [
        "A", "Z", "AA", "AZ", "AAA", "XFD"]


def test_register_rows_make_each_row_as_read_and_give_whole_columns() -> None:
    index = {"case_id": 0, "received_at": 1, "quantity": 3}
    cells = [["2611-0001", date(2026, 11, 3), "x", 2.0], [" ", "", "", ""]]
    rows = RegisterRows([2, 5], cells, index)
    assert len(rows) == 2 and row_numbers(rows) == [2, 5]
    # A row's dict: "" is no value, a date cell is a datetime, unknown columns are left out.
    assert rows[0] == RawRow(2, {"case_id": "2611-0001",
                                 "received_at": datetime(2026, 11, 3), "quantity": 2.0})
    assert rows[1] == RawRow(5, {"case_id": " "})
    assert rows[0] is rows[0] and rows[-1].row == 5 and [r.row for r in rows[:1]] == [2]
    assert column(rows, "received_at") == [datetime(2026, 11, 3), None]
    assert column(rows, "email") == [None, None]  # not a column of this sheet
    assert column(list(rows), "received_at") == column(rows, "received_at")
    assert rows.cells_of("quantity") == [2.0, ""]  # as read, for the rules' own coercion
    assert rows.columns() == {"case_id": ("2611-0001", " "),
                              "received_at": (date(2026, 11, 3), ""), "quantity": (2.0, "")}
    assert RegisterRows([], [], index).columns() == {"case_id": (), "received_at": (),
                                                     "quantity": ()}
