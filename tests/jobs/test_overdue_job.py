"""The morning mail end to end: a real register, a real SMTP server on loopback."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from mailbook import AS_OF, morning_register
from smtpserver import smtp_server

from toolkit.cli import cli
from toolkit.jobs.overdue import run_overdue

INJECTION = "=HYPERLINK(\"http://evil\",\"x\")"


def _attachment(msg: EmailMessage) -> tuple[str, list[list[object]], list[str]]:
    (part,) = list(msg.iter_attachments())
    data = part.get_content()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    types = [c.data_type for c in ws[2]]
    return str(part.get_filename()), rows, types


def test_who_receives_what(tmp_path: Path) -> None:
    book = morning_register(tmp_path / "台账.xlsx", customer_1="<b>x</b>")
    with smtp_server() as server:
        server.inbox.refuse_rcpt = {"gone@example.com"}
        outcome = run_overdue(book, as_of=AS_OF, config=server.config(tmp_path / "c.toml"))
        inbox = server.inbox

    # 客服部 (two addresses in one cell), 总经理办公室 (one refused), the summary; 质量部 has
    # no address: a warning names it and its case is in the summary. 技术部 has nothing.
    assert sorted(tuple(sorted(r.rcpt_tos)) for r in inbox.received) == [
        ("desk@example.com",), ("gm@example.com",), ("lead@example.com", "service@example.com")]
    assert inbox.to("tech@example.com") == []
    assert any("质量部" in w and "no email address" in w for w in outcome.warnings)
    assert outcome.sent_keys == ["客服部", "总经理办公室", "汇总"]
    assert not outcome.ok and outcome.retry_keys == []  # gone@ refused for good: reported
    assert outcome.report is not None
    assert any("gone@example.com" in p for p in outcome.report.problems())

    (service,) = inbox.to("service@example.com")
    assert service["Subject"] == "【投诉逾期提醒】客服部（2026-11-24）：逾期2件，今日到期1件"
    html = service.get_body(("html",)).get_content()
    text = service.get_body(("plain",)).get_content()
    # The customer typed as <b>x</b> reads as typed: escaped in HTML, verbatim in text.
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    line = ("2611-0001 | 2026-11-16 10:00 | <b>x</b> | 服务过程 | 一般 | "
            "结案 2026-11-17 16:30 | 5 | 张三")
    assert line in text
    assert html.index("2611-0001") < html.index("2611-0007") < html.index("2611-0002")

    name, rows, _types = _attachment(service)
    assert name == "逾期投诉_客服部_2026-11-24.xlsx"
    assert [r[0] for r in rows] == ["投诉编号", "2611-0001", "2611-0007", "2611-0002"]
    assert rows[1][2] == "<b>x</b>" and rows[1][6] == 5 and rows[1][7] == "张三"

    (summary,) = inbox.to("desk@example.com")
    assert summary["Subject"] == ("【投诉逾期汇总】2026-11-24："
                                  "逾期3件，今日到期1件，重大升级1件")
    summary_text = summary.get_body(("plain",)).get_content()
    assert "2611-0003 | 质量部" in summary_text and "未单独发送，请转告：质量部" in summary_text
    _name, rows, _ = _attachment(summary)
    assert [r[0] for r in rows[1:]] == ["2611-0001", "2611-0007", "2611-0003", "2611-0002",
                                         "2611-0006"]
    (gm,) = inbox.to("gm@example.com")
    assert "2611-0006" in gm.get_body(("plain",)).get_content()


def test_workbook_text_never_becomes_a_formula_in_the_attachment(tmp_path: Path) -> None:
    book = morning_register(tmp_path / "r.xlsx", customer_1=INJECTION)
    with smtp_server() as server:
        run_overdue(book, as_of=AS_OF, config=server.config(tmp_path / "c.toml"))
        (msg,) = server.inbox.to("service@example.com")
    _name, rows, types = _attachment(msg)
    assert rows[1][2] == INJECTION and types[2] == "s"


def test_overdue_actions_have_their_own_section(tmp_path: Path) -> None:
    from toolkit.jobs.overdue import mail_result
    from toolkit.rules.engine import run_check
    from toolkit.sheets.reader import read_workbook

    book = morning_register(tmp_path / "r.xlsx")
    result = run_check(read_workbook(book).data, AS_OF)
    closed = next(r for r in result.cases if r.case_id == "2611-0004")
    closed.flags.append("action-overdue")
    closed.case.corrective_action = "<script>换供应商</script>"
    from datetime import date

    closed.case.action_due = date(2026, 11, 20)
    with smtp_server() as server:
        mail_result(result, book, config=server.config(tmp_path / "c.toml"))
        (service,) = server.inbox.to("service@example.com")
        (summary,) = server.inbox.to("desk@example.com")
    assert service["Subject"].endswith("整改逾期1件")
    html = service.get_body(("html",)).get_content()
    assert "<h3>整改逾期 (1)</h3>" in html and "&lt;script&gt;换供应商" in html
    assert "2611-0004 | 丁公司 | <script>换供应商</script> | 2026-11-20 | 2 |" in \
        service.get_body(("plain",)).get_content()
    assert "整改逾期" in summary.get_body(("plain",)).get_content()
    assert [ws.title for ws in openpyxl.load_workbook(io.BytesIO(
        next(service.iter_attachments()).get_content())).worksheets] == ["投诉", "整改逾期"]


def test_reads_while_the_workbook_is_open_in_excel(tmp_path: Path) -> None:
    book = morning_register(tmp_path / "r.xlsx")
    (tmp_path / "~$r.xlsx").write_bytes(b"\x05someone" + b" " * 100)
    outcome = run_overdue(book, as_of=AS_OF, config=None, dry_run=True, out_dir=tmp_path / "o")
    assert [m.key for m in outcome.mails] == ["客服部", "总经理办公室"]


def test_cli_dry_run_writes_one_eml_per_message(tmp_path: Path) -> None:
    book = morning_register(tmp_path / "r.xlsx")
    config = tmp_path / "c.toml"
    config.write_text('[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\nfrom = "a@example.com"\n'
                      '[mail]\nsummary_to = ["desk@example.com"]\n[workbook]\npath = "r.xlsx"\n',
                      encoding="utf-8")
    out = tmp_path / "eml"
    result = CliRunner().invoke(cli, ["overdue", "--config", str(config), "--as-of",
                                      "2026-11-24T09:00", "--dry-run", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "2026-11-24_客服部.eml", "2026-11-24_总经理办公室.eml", "2026-11-24_汇总.eml"]
    assert "3 messages written as .eml files" in result.output
    assert "质量部" in result.output  # the warning about the department without an address
    assert book.exists()


def test_cli_sends_and_reports_a_server_that_is_down(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from smtpserver import free_port

    import toolkit.mail.smtp as smtp

    monkeypatch.setattr(smtp, "BACKOFF", ())  # no waiting between attempts in the test
    book = morning_register(tmp_path / "r.xlsx")
    config = tmp_path / "c.toml"
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n'
                      'from = "a@example.com"\n', encoding="utf-8")
    monkeypatch.setenv("COMPLAINTS_CONFIG", str(config))
    result = CliRunner().invoke(cli, ["overdue", str(book), "--as-of", "2026-11-24T09:00"])
    assert result.exit_code == 1, result.output
    assert "cannot reach the mail server 127.0.0.1" in result.output
    assert "Traceback" not in result.output
    assert "sent 0 of 2" in result.output


def test_cli_config_errors_name_the_key_and_file(tmp_path: Path) -> None:
    book = morning_register(tmp_path / "r.xlsx")
    config = tmp_path / "c.toml"
    config.write_text('[smtp]\nhost = "h"\nfrom = "a@b.c"\npasword_env = "X"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["overdue", str(book), "--config", str(config)])
    assert result.exit_code == 2
    assert "pasword_env" in result.output and str(config) in result.output


@pytest.mark.libreoffice
def test_libreoffice_opens_the_attachment(tmp_path: Path, libreoffice: Any) -> None:
    book = morning_register(tmp_path / "r.xlsx", customer_1=INJECTION)
    outcome = run_overdue(book, as_of=AS_OF, config=None, dry_run=True, out_dir=tmp_path / "o")
    (part,) = list(outcome.mails[0].message.iter_attachments())
    xlsx = tmp_path / "attachment.xlsx"
    xlsx.write_bytes(part.get_content())
    sheets = libreoffice.sheets_as_csv(xlsx, tmp_path / "csv")
    rows = next(iter(sheets.values()))
    assert rows[0][0] == "投诉编号"
    assert rows[1][:3] == ["2611-0001", "2026-11-16 10:00", INJECTION]


def test_overdue_actions_from_a_real_register(tmp_path: Path) -> None:
    from datetime import date, datetime

    from helpers import good_row, make_register

    closed = {"status": "已结案", "closed_at": datetime(2026, 11, 10, 10),
              "first_response_at": datetime(2026, 11, 2, 11), "resolution": "已更换",
              "follow_up": "满意", "substantiated": "是", "root_cause": "供应商来料不良"}
    rows = [
        good_row(case_id="2611-0001", customer="甲", phone="13800000001",
                 received_at=datetime(2026, 11, 2, 10), corrective_action="更换供应商",
                 action_due=date(2026, 11, 20), **closed),   # 2 working days overdue
        good_row(case_id="2611-0002", customer="乙", phone="13800000002",
                 received_at=datetime(2026, 11, 2, 10), corrective_action="培训",
                 action_due=date(2026, 11, 24), **closed),   # due today: not yet overdue
        good_row(case_id="2611-0003", customer="丙", phone="13800000003",
                 received_at=datetime(2026, 11, 2, 10), corrective_action="改流程",
                 action_due=date(2026, 11, 20), action_done_on=date(2026, 11, 19), **closed),
    ]
    book = make_register(tmp_path / "r.xlsx", rows, extra_sheets={"部门": [
        ["部门名称", "负责人", "邮箱", "接收升级"], ["客服部", "", "service@example.com", "否"]]})
    outcome = run_overdue(book, as_of=AS_OF, config=None, dry_run=True, out_dir=tmp_path / "o")
    (mail,) = [m for m in outcome.mails if m.key == "客服部"]
    assert mail.body.subject == "【投诉逾期提醒】客服部（2026-11-24）：整改逾期1件"
    assert "2611-0001 | 甲 | 更换供应商 | 2026-11-20 | 2 |" in mail.body.text
    assert "2611-0002" not in mail.body.text and "2611-0003" not in mail.body.text


def test_working_days_only_sends_nothing_on_a_holiday(tmp_path: Path) -> None:
    from datetime import datetime

    book = morning_register(tmp_path / "r.xlsx")
    with smtp_server() as server:
        config = server.config(tmp_path / "c.toml")
        holiday = run_overdue(book, as_of=datetime(2026, 10, 1, 8, 30), config=config,
                              working_days_only=True)
        assert server.inbox.received == [] and holiday.ok
        assert "is not a working day" in holiday.closing_line()
        workday = run_overdue(book, as_of=AS_OF, config=config, working_days_only=True)
        assert len(server.inbox.received) == 3 and workday.sent_keys
