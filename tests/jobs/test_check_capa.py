"""The corrective-action loop through `check` (docs/capa.md): flags and warnings in the written
register, its highlights and 校验报告, summary.actions_overdue, and a register without the
columns left alone."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from helpers import good_row, make_register, sheet_rows

from toolkit.jobs.check import check_workbook
from toolkit.register import BY_KEY, COLUMNS, CellValue, column_letter
from toolkit.sheets.template import build_register

AS_OF = datetime(2026, 11, 24, 9, 0)
CLOSED: dict[str, CellValue] = {
    "status": "已结案", "substantiated": "是", "closed_at": datetime(2026, 11, 4, 15, 0),
    "resolution": "已道歉并重新安排上门", "follow_up": "满意",
    "first_response_at": datetime(2026, 11, 3, 10, 0)}
CAPA: dict[str, CellValue] = {"root_cause": "派工未考虑路程时间",
                              "corrective_action": "派工单增加路程预估，每周复盘迟到记录"}


def rows() -> list[dict[str, CellValue]]:
    """Five customers, one matter each: analysed and done; overdue (due yesterday); due today;
    closed without analysis; action found not to work."""
    def row(n: int, **kw: CellValue) -> dict[str, CellValue]:
        return good_row(case_id=f"2611-{n:04d}", customer=f"客户{n}", phone=f"1380013800{n}",
                        **{**CLOSED, **kw})
    return [
        row(1, **CAPA, action_due=date(2026, 11, 20), action_done_on=date(2026, 11, 18),
            effect="有效"),
        row(2, **CAPA, action_due=date(2026, 11, 23)),
        row(3, **CAPA, action_due=date(2026, 11, 24)),
        row(4),
        row(5, **CAPA, action_due=date(2026, 11, 10), action_done_on=date(2026, 11, 9),
            effect="无效"),
    ]


def test_the_loop_in_the_written_register(tmp_path: Path) -> None:
    book = build_register(tmp_path / "r.xlsx", rows=rows())
    outcome = check_workbook(book, AS_OF)
    result = outcome.result
    assert [c.flags for c in result.cases] == [[], ["action-overdue"], [], [], []]
    assert [[(f.field, f.code) for f in c.issues] for c in result.cases] == [
        [], [], [], [("root_cause", "no-capa")], [("effect", "action-ineffective")]]
    doc = result.to_json()
    assert doc["summary"]["actions_overdue"] == 1
    assert doc["summary"]["overdue"] == 0  # the complaint itself was closed on time
    assert doc["summary"]["warnings"] == 2 and doc["summary"]["errors"] == 0

    register = sheet_rows(book, "投诉记录")
    header = register[0]
    flags_col = header.index("逾期标记")
    assert register[2][flags_col] == "整改逾期"
    report = sheet_rows(book, "校验报告")
    listed = {(r[0], r[2], r[4]): r[5] for r in report[1:]}
    assert set(listed) == {(5, "原因分析", "no-capa"), (6, "效果确认", "action-ineffective")}
    assert "请写明问题发生的根本原因" in listed[(5, "原因分析", "no-capa")]
    assert "新的纠正措施" in listed[(6, "效果确认", "action-ineffective")]

    # The missed due date is highlighted, keyed on 逾期标记 as the other overdue highlights.
    due = column_letter(header.index("整改期限") + 1)
    flags = column_letter(flags_col + 1)
    xml = _sheet_xml(book)
    rule = re.search(rf'<conditionalFormatting sqref="{due}2:{due}1048576">(.*?)'
                     r"</conditionalFormatting>", xml)
    assert rule is not None
    assert f'ISNUMBER(SEARCH("整改逾期",${flags}2))' in rule.group(1)


def test_english_register_labels_and_highlight(tmp_path: Path) -> None:
    book = build_register(tmp_path / "r.xlsx", rows=rows(), english=True)
    check_workbook(book, AS_OF)
    register = sheet_rows(book, "投诉记录")
    assert register[2][register[0].index("Flags")] == "action overdue"
    due = column_letter(register[0].index("Action due") + 1)
    rule = re.search(rf'<conditionalFormatting sqref="{due}2:{due}1048576">(.*?)'
                     r"</conditionalFormatting>", _sheet_xml(book))
    assert rule is not None and 'ISNUMBER(SEARCH("action overdue",' in rule.group(1)
    # 校验报告 in English: what is wrong and how to fix it, under the sheet's own headers.
    report = sheet_rows(book, "校验报告")
    lines = {r[4]: r for r in report[1:]}
    assert set(lines) == {"no-capa", "action-ineffective"}
    assert lines["no-capa"][2] == "Root cause" and lines["no-capa"][3] == "warning"
    assert lines["no-capa"][5].startswith("Root cause is empty: the complaint is substantiated")
    assert "原因分析 and 纠正措施" in lines["no-capa"][6]
    assert lines["action-ineffective"][5].startswith("Effect verified is 无效 (not effective)")


def test_a_register_without_the_columns_gets_none_of_it(tmp_path: Path) -> None:
    keys = list(dict.fromkeys([*good_row(), *CLOSED]))
    book = make_register(tmp_path / "r.xlsx", [good_row(**CLOSED)], keys=keys)
    outcome = check_workbook(book, AS_OF)
    assert outcome.result.all_findings() == []
    assert outcome.result.to_json()["summary"]["actions_overdue"] == 0
    # Only the six toolkit columns were appended; no 整改期限 highlight anywhere.
    header = sheet_rows(book, "投诉记录")[0]
    assert header == [BY_KEY[k].zh for k in keys] + [c.zh for c in COLUMNS if c.toolkit]
    assert "整改逾期" not in _sheet_xml(book)


def test_a_recontact_never_carries_the_action(tmp_path: Path) -> None:
    # The customer calls again while the first case is open; both rows name the same overdue
    # action: only the original case is flagged and counted.
    first = good_row(**CAPA, action_due=date(2026, 11, 20), substantiated="是")
    again = good_row(**CAPA, action_due=date(2026, 11, 20), substantiated="是",
                     case_id="2611-0002", received_at=datetime(2026, 11, 5, 9, 0),
                     description="再次来电催促处理进度")
    book = make_register(tmp_path / "r.xlsx", [first, again])
    result = check_workbook(book, AS_OF, dry_run=True).result
    assert [c.repeat_kind for c in result.cases] == [None, "recontact"]
    assert ["action-overdue" in c.flags for c in result.cases] == [True, False]
    assert result.summary()["actions_overdue"] == 1


def test_a_repeat_complaint_carries_its_own_action(tmp_path: Path) -> None:
    # Unlike a re-contact, a repeat is a new complaint: its own overdue action is flagged.
    first = good_row(**{**CLOSED, **CAPA}, action_due=date(2026, 11, 10),
                     action_done_on=date(2026, 11, 9), effect="无效")
    repeat = good_row(**CAPA, case_id="2611-0002", received_at=datetime(2026, 11, 12, 9, 0),
                      substantiated="是", action_due=date(2026, 11, 23))
    book = make_register(tmp_path / "r.xlsx", [first, repeat])
    result = check_workbook(book, AS_OF, dry_run=True).result
    assert [c.repeat_kind for c in result.cases] == [None, "repeat"]
    assert ["action-overdue" in c.flags for c in result.cases] == [False, True]
    assert [[f.code for f in c.issues] for c in result.cases] == [["action-ineffective"], []]


def test_terminal_report_counts_the_flag(tmp_path: Path) -> None:
    from toolkit.report.terminal import human_report
    book = build_register(tmp_path / "r.xlsx", rows=rows())
    lines = human_report(check_workbook(book, AS_OF, dry_run=True))
    assert any(re.fullmatch(r"\s*action-overdue\s+整改逾期\s+1", line) for line in lines)
    assert any(re.fullmatch(r"\s*no-capa\s+警告\s+1", line) for line in lines)


def test_json_carries_the_count_and_the_findings(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from toolkit.cli import cli
    book = build_register(tmp_path / "r.xlsx", rows=rows())
    run = CliRunner().invoke(cli, ["check", str(book), "--as-of", "2026-11-24T09:00",
                                   "--dry-run", "--json"])
    assert run.exit_code == 0, run.output  # warnings and flags only: nothing to fix first
    doc = json.loads(run.stdout)
    assert doc == check_workbook(book, AS_OF, dry_run=True).result.to_json()
    assert doc["summary"]["actions_overdue"] == 1
    assert [c["flags"] for c in doc["cases"]] == [[], ["action-overdue"], [], [], []]
    assert [(c["row"], i["field"], i["code"], i["level"]) for c in doc["cases"]
            for i in c["issues"]] == [(5, "root_cause", "no-capa", "warning"),
                                      (6, "effect", "action-ineffective", "warning")]


def test_staff_values_survive_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    book = build_register(tmp_path / "r.xlsx", rows=rows())
    before = sheet_rows(book, "投诉记录")
    first = check_workbook(book, AS_OF)
    assert first.save is not None and first.save.changed
    after = sheet_rows(book, "投诉记录")
    header = after[0]
    # Every staff cell as it was, but the blank 责任部门 check fills in.
    kept = [i for i, c in enumerate(COLUMNS) if not c.toolkit and c.key != "department"]
    assert [[r[i] for i in kept] for r in after] == [[r[i] for i in kept] for r in before]
    assert {r[header.index("责任部门")] for r in after[1:]} == {"客服部"}
    assert after[2][header.index("整改期限")] == date(2026, 11, 23)  # still a date cell
    second = check_workbook(book, AS_OF)
    assert second.save is not None and not second.save.changed
    # The day after, the action due today is late too; once done, the flag goes.
    later = check_workbook(book, datetime(2026, 11, 25, 8, 0), dry_run=True).result
    assert [c.flags for c in later.cases][:3] == [[], ["action-overdue"], ["action-overdue"]]


@pytest.mark.libreoffice
def test_libreoffice_shows_the_loop(tmp_path: Path, libreoffice) -> None:  # type: ignore[no-untyped-def]
    book = build_register(tmp_path / "r.xlsx", rows=rows())
    check_workbook(book, AS_OF)
    sheets = libreoffice.sheets_as_csv(book, tmp_path / "csv")
    register = [dict(zip(sheets["投诉记录"][0], r, strict=False)) for r in sheets["投诉记录"][1:]]
    assert [r["整改期限"] for r in register] == [
        "2026-11-20", "2026-11-23", "2026-11-24", "", "2026-11-10"]
    assert [r["逾期标记"] for r in register] == ["", "整改逾期", "", "", ""]
    assert register[4]["效果确认"] == "无效"
    report = sheets["校验报告"]
    assert sorted(r[4] for r in report[1:]) == ["action-ineffective", "no-capa"]


TEMPLATES = Path(__file__).resolve().parents[2] / "workbook_templates"


@pytest.mark.parametrize("name, headers", [
    ("投诉登记台账.xlsx", ["状态", "原因分析", "纠正措施", "整改期限", "整改完成", "效果确认"]),
    ("complaint-register-en.xlsx",
     ["Status", "Root cause", "Corrective action", "Action due", "Action done",
      "Effect verified"]),
])
def test_the_templates_carry_the_columns_after_status(name: str, headers: list[str]) -> None:
    # Read-only inspection of the committed template; nothing is saved.
    wb = openpyxl.load_workbook(TEMPLATES / name)
    ws = wb["投诉记录"]
    row = [c.value for c in ws[1]]
    at = row.index(headers[0])
    assert row[at: at + 6] == headers
    letter = {key: column_letter(at + 2 + i) for i, key in enumerate(
        ("root_cause", "corrective_action", "action_due", "action_done_on", "effect"))}
    for key in ("action_due", "action_done_on"):
        assert ws.column_dimensions[letter[key]].number_format == "yyyy-mm-dd"
    lists = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    effect = lists[f"{letter['effect']}2:{letter['effect']}1048576"]
    assert effect.type == "list" and effect.formula1 == '"有效,无效,待确认"'
    assert effect.showErrorMessage
    # The free-text and date columns have no drop-down.
    for key in ("root_cause", "corrective_action", "action_due", "action_done_on"):
        assert not any(ref.startswith(letter[key] + "2:") for ref in lists)
    wb.close()


def _sheet_xml(book: Path) -> str:
    with zipfile.ZipFile(book) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")
