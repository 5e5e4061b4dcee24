"""`check` end to end on the smallest workbook that shows each code and flag (docs/rules.md)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from helpers import good_row, make_register

from toolkit.errors import WorkbookError
from toolkit.jobs.check import check_workbook
from toolkit.register import CellValue

AS_OF = datetime(2026, 11, 24, 9, 0)
CLOSED = {"status": "已结案", "closed_at": datetime(2026, 11, 3, 15, 0),
          "resolution": "已道歉并重新安排上门", "follow_up": "满意",
          "first_response_at": datetime(2026, 11, 3, 10, 0)}


def codes(tmp_path: Path, rows: list[dict[str, CellValue]], as_of: datetime = AS_OF,
          **kw: object) -> list[tuple[int | None, str]]:
    book = make_register(tmp_path / "r.xlsx", rows, **kw)  # type: ignore[arg-type]
    result = check_workbook(book, as_of, dry_run=True).result
    return sorted(((f.row, f.code) for f in result.all_findings()), key=lambda x: (x[0] or 0, x[1]))


@pytest.mark.parametrize("row, expected", [
    (good_row(receiver=""), [(2, "missing")]),
    (good_row(received_at="2026-13-45"), [(2, "bad-date")]),
    (good_row(quantity=-1), [(2, "bad-number")]),
    (good_row(severity="紧急"), [(2, "bad-enum")]),
    (good_row(phone="12345"), [(2, "bad-phone")]),
    (good_row(email="wang@163"), [(2, "bad-email")]),
    (good_row(case_id="2610-0001"), [(2, "bad-id")]),
    (good_row(received_at=datetime(2026, 11, 25, 9, 0)), [(2, "future")]),
    (good_row(first_response_at=datetime(2026, 11, 2, 9, 0)), [(2, "order")]),
    (good_row(closed_at=datetime(2026, 11, 4, 9, 0)), [(2, "status-mismatch")]),
    (good_row(**{**CLOSED, "follow_up": "不满意"}), [(2, "unhappy-closed")]),
    (good_row(category="其他"), [(2, "no-route")]),
    (good_row(category="物流运输", delivered_on=datetime(2026, 10, 20), evidence="IMG_1.jpg"),
     [(2, "late-claim")]),
])
def test_each_code_from_the_smallest_workbook(tmp_path: Path, row: dict[str, CellValue],
                                              expected: list[tuple[int, str]]) -> None:
    assert codes(tmp_path, [row]) == expected


def test_duplicate_id_on_each_later_row(tmp_path: Path) -> None:
    rows = [good_row(), good_row(customer="宁波安达物流有限公司", phone="13900139000"),
            good_row(customer="温州惠民超市", phone="13700137000")]
    assert codes(tmp_path, rows) == [(3, "duplicate-id"), (4, "duplicate-id")]


def test_unknown_column_is_one_workbook_warning(tmp_path: Path) -> None:
    rows = [{**good_row(), "x": "VIP"}]
    keys = [*good_row(), "x"]
    headers = ["投诉编号", "受理时间", "受理人", "客户名称", "联系电话", "投诉类别", "投诉级别",
               "投诉内容", "状态", "备注"]
    assert codes(tmp_path, rows, keys=keys, headers=headers) == [(1, "unknown-column")]


def test_calendar_unknown_once_for_next_year(tmp_path: Path) -> None:
    rows = [good_row(received_at=datetime(2026, 12, 28, 9), category="其他", case_id="2612-0001"),
            good_row(received_at=datetime(2026, 12, 29, 9), category="财务问题",
                     description="发票开错了，要求重开", customer="甲公司", phone="13600136000",
                     case_id="2612-0002")]
    found = codes(tmp_path, rows, as_of=datetime(2026, 12, 30, 9))
    assert found.count((None, "calendar-unknown")) == 1


def flags(tmp_path: Path, row: dict[str, CellValue], as_of: datetime = AS_OF) -> list[str]:
    book = make_register(tmp_path / "r.xlsx", [row])
    return check_workbook(book, as_of, dry_run=True).result.cases[0].flags


# Received Tue 2026-11-03 09:30, 服务过程: reply and close due Wed 2026-11-04 16:30.
@pytest.mark.parametrize("row, as_of, expected", [
    (good_row(), AS_OF, ["response-overdue", "close-overdue"]),
    (good_row(first_response_at=datetime(2026, 11, 5, 9)), AS_OF,
     ["responded-late", "close-overdue"]),
    (good_row(**{**CLOSED, "closed_at": datetime(2026, 11, 6, 9)}), AS_OF, ["closed-late"]),
    (good_row(first_response_at=datetime(2026, 11, 3, 10)), datetime(2026, 11, 4, 9),
     ["due-soon"]),
    (good_row(severity="重大", first_response_at=datetime(2026, 11, 3, 10)),
     datetime(2026, 11, 3, 12), ["escalated"]),
    (good_row(**CLOSED), AS_OF, []),
])
def test_each_flag(tmp_path: Path, row: dict[str, CellValue], as_of: datetime,
                   expected: list[str]) -> None:
    assert flags(tmp_path, row, as_of) == expected


def test_repeat_escalates_and_recontact_has_no_deadlines(tmp_path: Path) -> None:
    first = good_row(**{**CLOSED, "closed_at": datetime(2026, 11, 4, 9)})
    repeat = good_row(case_id="2611-0002", received_at=datetime(2026, 11, 10, 9))
    again = good_row(case_id="2611-0003", received_at=datetime(2026, 11, 11, 9),
                     description="又打电话来催促处理进度")
    book = make_register(tmp_path / "r.xlsx", [first, repeat, again])
    doc = check_workbook(book, AS_OF, dry_run=True).result.to_json()
    cases = [(c["repeat_kind"], c["repeat_of"], c["effective_severity"], c["due_close"])
             for c in doc["cases"]]
    assert cases == [
        (None, None, "一般", "2026-11-04T16:30:00"),
        ("repeat", "2611-0001", "中级", "2026-11-11T16:30:00"),
        ("recontact", "2611-0002", "一般", None),
    ]
    assert doc["summary"]["repeats"] == 1 and doc["summary"]["recontacts"] == 1


def test_english_settings_switch_messages_and_report(tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row(phone="12345")],
                         extra_sheets={"设置": [["项目", "值"], ["语言", "en"]]})
    outcome = check_workbook(book, AS_OF)
    message = outcome.result.cases[0].issues[0].message
    assert message.isascii() or "phone" in message.lower()
    import openpyxl
    wb = openpyxl.load_workbook(book, read_only=True)
    report = list(wb["校验报告"].iter_rows(values_only=True))
    assert report[0][:3] == ("Row", "Case ID", "Column")
    wb.close()


def test_libreoffice_reads_what_check_wrote(tmp_path: Path, libreoffice) -> None:  # type: ignore[no-untyped-def]
    book = make_register(tmp_path / "r.xlsx", [good_row(case_id=None),
                                               good_row(case_id=None, phone="12345",
                                                        customer="乙公司",
                                                        description="=HYPERLINK(\"x\")危险")])
    check_workbook(book, AS_OF)
    sheets = libreoffice.sheets_as_csv(book, tmp_path / "csv")
    register = sheets["投诉记录"]
    header = register[0]
    first = dict(zip(header, register[1], strict=False))
    second = dict(zip(header, register[2], strict=False))
    assert first["投诉编号"] == "2611-0001" and second["投诉编号"] == "2611-0002"
    assert first["回复时限"].startswith("2026-11-04 16:30")
    assert "回复逾期" in first["逾期标记"]
    assert second["投诉内容"] == '=HYPERLINK("x")危险'  # text stays text
    assert "[联系电话]" in second["校验结果"]
    assert any("bad-phone" in r for r in sheets["校验报告"])


def test_second_run_changes_nothing_with_every_kind_of_route(tmp_path: Path) -> None:
    import hashlib
    rows = [good_row(case_id=None, category="其他"),  # default department: left blank, warned
            good_row(case_id=None, customer="丙公司", phone="13500135000",
                     complained_dept="销售部"),
            good_row(case_id=None, customer="丁公司", phone="13400134000",
                     category="财务问题", description="退款一直没有到账")]
    book = make_register(tmp_path / "r.xlsx", rows, keys=[*good_row(), "complained_dept",
                                                          "department"])
    first = check_workbook(book, AS_OF)
    assert first.save is not None and first.save.changed
    assert [c.department_source for c in first.result.cases] == ["default", "complained", "rule"]
    written = hashlib.sha256(book.read_bytes()).hexdigest()
    second = check_workbook(book, AS_OF)
    assert second.save is not None and not second.save.changed
    assert hashlib.sha256(book.read_bytes()).hexdigest() == written
    assert [c.department for c in second.result.cases] == ["客服部", "销售部", "财务部"]
    assert [f.code for f in second.result.cases[0].issues] == ["no-route"]


def test_appended_headers_look_like_the_staff_headers(tmp_path: Path) -> None:
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    book = make_register(tmp_path / "r.xlsx", [good_row()])
    wb = openpyxl.load_workbook(book)
    ws = wb.active
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFDDEBF7")
    wb.save(book)
    check_workbook(book, AS_OF)
    ws = openpyxl.load_workbook(book).active
    header = {c.value: c for c in ws[1]}
    assert header["校验结果"].font.b and header["回复时限"].fill.fgColor.rgb == "FFDDEBF7"
    assert ws["J2"].number_format == "yyyy-mm-dd hh:mm"  # data cells keep their own format


def test_text_too_long_for_a_cell_is_cut_visibly_and_kept_whole_in_the_report(
        tmp_path: Path) -> None:
    """Excel counts a cell's length in UTF-16 units: 16,390 emoji are 32,780 of them."""
    from toolkit.findings import Finding
    from toolkit.jobs.check import toolkit_values
    from toolkit.report.sheet import report_sheet
    from toolkit.sheets.xlsx.cells import MAX_TEXT, excel_length

    book = make_register(tmp_path / "r.xlsx", [good_row(phone="12345")])
    outcome = check_workbook(book, AS_OF, dry_run=True)
    case = outcome.result.cases[0]
    long = "😀" * 16_390
    case.issues = [Finding("bad-phone", long, 2, "phone"), Finding("bad-email", "短", 2, "email")]
    headers = {k: outcome.workbook.data.headers.header(k) for k in ("phone", "email")}
    cell = toolkit_values(case, headers, "zh")["check"]
    assert isinstance(cell, str) and MAX_TEXT - 1 <= excel_length(cell) <= MAX_TEXT
    assert cell.endswith("😀…（超出 Excel 单元格长度，全文见「校验报告」）")
    rows = report_sheet(outcome.result, outcome.workbook.data).rows[1:]
    assert [(r[0], r[4]) for r in rows] == [(2, "bad-phone"), (2, "bad-phone"), (2, "bad-email")]
    first, rest = str(rows[0][5]), str(rows[1][5])
    assert excel_length(first) <= MAX_TEXT and first.endswith("😀…")
    assert first[:-1] + rest == long  # the message, continued on the next row


@pytest.mark.parametrize("sheets, where", [
    ({"时限规则": [["类别", "回复时限", "结案时限"], ["*", "1d", "两天"]]},
     "r.xlsx: 时限规则: row 2: "),
    ({"设置": [["项目", "值"], ["国家/地区", "XX"]]}, "r.xlsx: 设置: "),
])
def test_a_bad_rule_sheet_names_the_file_sheet_and_row(tmp_path: Path, sheets: dict[
        str, list[list[CellValue]]], where: str) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row()], extra_sheets=sheets)
    with pytest.raises(WorkbookError) as caught:
        check_workbook(book, AS_OF, dry_run=True)
    assert str(caught.value).startswith(str(book.parent) + "/" + where)
