"""The mail's words: subject counts, escaping, languages."""

from __future__ import annotations

from pathlib import Path

from mailbook import AS_OF, morning_register

from toolkit.report.mail_body import days_text, mail_body
from toolkit.rules.engine import run_check
from toolkit.rules.overdue import select_overdue
from toolkit.sheets.reader import read_workbook


def _selection(tmp_path: Path, customer: str = "甲公司"):  # type: ignore[no-untyped-def]
    book = morning_register(tmp_path / "r.xlsx", customer_1=customer)
    return select_overdue(run_check(read_workbook(book).data, AS_OF))


def test_every_workbook_value_is_escaped_in_html(tmp_path: Path) -> None:
    nasty = '<img src=x onerror="alert(1)">&amp;'
    selection = _selection(tmp_path, nasty)
    service = selection.department("客服部")
    assert service is not None
    body = mail_body(service, AS_OF, attachment="a<b>.xlsx", without_email=("<i>部</i>",))
    assert "<img" not in body.html and "<i>" not in body.html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;amp;" in body.html
    assert nasty in body.text  # the text part shows it as typed
    assert body.html.count("</tr>") == 4  # header and three cases
    # Overdue lines red, the one due today amber, as in the register's highlights.
    assert body.html.count('<tr bgcolor="#FFC7CE">') == 2
    assert body.html.count('<tr bgcolor="#FFEB9C">') == 1


def test_summary_has_the_department_column_and_names_departments_without_email(
        tmp_path: Path) -> None:
    selection = _selection(tmp_path)
    body = mail_body(selection.summary, AS_OF, summary=True, without_email=("质量部",))
    assert body.subject == "【投诉逾期汇总】2026-11-24：逾期3件，今日到期1件，重大升级1件"
    assert "投诉编号 | 责任部门 | 受理时间" in body.text
    assert "未单独发送，请转告：质量部" in body.text
    assert "整改逾期" not in body.text  # no overdue actions: no empty section


def test_english_register_gets_english_mail(tmp_path: Path) -> None:
    selection = _selection(tmp_path)
    service = selection.department("客服部")
    assert service is not None
    body = mail_body(service, AS_OF, "en")
    assert body.subject == "[Complaints overdue] 客服部 2026-11-24: 2 overdue, 1 due today"
    assert "Case ID | Received | Customer" in body.text and "close 2026-11-17 16:30" in body.text


def test_days_text() -> None:
    assert [days_text(d, "zh") for d in (3, 0, -2, None)] == ["3", "今日到期", "还剩 2 天", "—"]


def test_a_line_break_in_a_department_name_cannot_break_the_subject(tmp_path: Path) -> None:
    service = _selection(tmp_path).department("客服部")
    assert service is not None
    service.department = "客服\r\nBcc: all@example.com"
    assert "\n" not in mail_body(service, AS_OF).subject


def test_long_subjects_survive_the_trip_through_mime(tmp_path: Path) -> None:
    from email import policy
    from email.parser import BytesParser

    from toolkit.mail.message import build_message

    selection = _selection(tmp_path)
    for d in (*selection.departments, selection.summary):
        for name in (d.department, "总经理办公室质量管理委员会秘书处"):
            d.department = name
            body = mail_body(d, AS_OF)
            msg = build_message(sender="a@example.com", to=["b@example.com"],
                                subject=body.subject, text=body.text, html=body.html)
            back = BytesParser(policy=policy.default).parsebytes(msg.as_bytes())
            assert back["Subject"] == body.subject
