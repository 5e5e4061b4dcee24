"""`complaints forms` end to end: real workbooks in, Word files read back with python-docx."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from formdocs import custom_template, form_tables, identifier, page_breaks, paragraphs
from helpers import good_row, make_register

from toolkit.cli import cli
from toolkit.errors import UsageError
from toolkit.forms.fields import BLANK
from toolkit.forms.template import TEMPLATE_NAME
from toolkit.jobs.forms import run_forms

AS_OF = datetime(2026, 11, 24, 9, 0)
SETTINGS = [["项目", "值"], ["公司名称", "杭州某某汽车配件有限公司"]]
TEXT = "=SUM(A1)+1 客户说：<b>刹车异响</b> & {{ 投诉编号 }} {_{ x }_}\n第二行写明时间"


def full_row(**overrides: object) -> dict[str, object]:
    row = good_row(
        case_id="2611-0003", received_at=datetime(2026, 11, 3, 9, 30), channel="电话",
        receiver="王丽", customer="杭州顺达汽车销售服务有限公司", contact="张伟",
        phone="13800138000", customer_type="经销商", region="国内", category="产品质量",
        severity="强烈", description=TEXT, product="刹车片 BP-48", batch="P2610-003",
        order_no="SO20261030001", quantity=12, evidence="照片3张", substantiated="是",
        department="质量部", handler="吴磊", first_response_at=datetime(2026, 11, 3, 14, 0),
        resolution="更换刹车片，补发 12 套", compensation=1200.5, approval="待审批",
        status="处理中")
    row.update(overrides)  # type: ignore[arg-type]
    return row


def book_with(tmp_path: Path, rows: list[dict[str, object]], name: str = "台账.xlsx") -> Path:
    return make_register(tmp_path / name, rows, extra_sheets={"设置": SETTINGS})  # type: ignore[arg-type]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--as-of", "2026-11-24T09:00"])
    return result.exit_code, result.output


def test_every_field_of_a_form(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row()])
    code, out = invoke("forms", str(book))
    assert code == 0, out
    form = tmp_path / "审批表" / "2611-0003_杭州顺达汽车销售服务有限公司.docx"
    assert str(tmp_path / "审批表") in out.splitlines()[-1] and "1" in out.splitlines()[-1]
    first, second = form_tables(form)
    assert first == second
    expected = {
        "投诉编号": "2611-0003", "受理时间": "2026年11月3日 09:30", "受理渠道": "电话",
        "受理人": "王丽", "客户名称": "杭州顺达汽车销售服务有限公司", "联系人": "张伟",
        "联系电话": "13800138000", "客户类型": "经销商", "区域": "国内",
        "产品名称": "刹车片 BP-48", "生产批次": "P2610-003", "数量": "12",
        "订单号": "SO20261030001", "投诉类别": "产品质量", "有效级别": "强烈",
        "投诉内容": TEXT, "是否属实": "是", "证据": "照片3张", "责任部门": "质量部",
        "处理人": "吴磊", "处理方案": "更换刹车片，补发 12 套", "赔偿金额（元）": "1,200.50",
        "金额大写": "人民币壹仟贰佰元伍角整",
        # 产品质量: reply 1 day, closure 2 days from the receipt day, at the 16:30 cut-off.
        "回复时限": "2026年11月4日 16:30", "结案时限": "2026年11月5日 16:30",
        "逾期状态": "结案逾期", "原因分析": BLANK, "纠正措施": BLANK, "整改期限": BLANK,
    }
    assert {k: first[k] for k in expected} == expected
    for signer in ("部门负责人意见", "主管副总意见", "总经理意见"):
        assert "签字" in first[signer] and "日期" in first[signer]
    texts = paragraphs(form)
    assert texts.count("杭州某某汽车配件有限公司") == 2  # 设置 公司名称, on each copy
    assert texts.count("客诉问题处理审批表") == 2
    assert any(t.startswith("第一联 存档") and t.endswith("编号：2611-0003") for t in texts)
    assert any(t.startswith("第二联 责任部门") for t in texts)
    assert page_breaks(form) == 1
    assert (identifier(form) or "").startswith("complaint-toolkit form sha256:")
    assert not any("None" in v for v in first.values())


def test_corrective_action_on_the_form(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row(root_cause="装配漏检", corrective_action="增加终检",
                                         action_due=date(2026, 12, 15))])
    outcome = run_forms(book, as_of=AS_OF)
    first = form_tables(outcome.forms[0].path)[0]
    assert (first["原因分析"], first["纠正措施"], first["整改期限"]) == \
        ("装配漏检", "增加终检", "2026年12月15日")


def test_invalid_fields_are_left_blank_and_listed(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row(phone="138123", quantity=-2)])
    code, out = invoke("forms", str(book))
    assert code == 1, out
    form = tmp_path / "审批表" / "2611-0003_杭州顺达汽车销售服务有限公司.docx"
    first = form_tables(form)[0]
    assert first["联系电话"] == BLANK and first["数量"] == BLANK
    assert first["客户名称"] == "杭州顺达汽车销售服务有限公司"
    assert "联系电话(bad-phone)" in out and "数量(bad-number)" in out


def test_rewritten_only_when_the_case_changed(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row(), full_row(case_id="2611-0004", customer="李丽")])
    first = run_forms(book, as_of=AS_OF)
    assert [f.status for f in first.forms] == ["written", "written"]
    a, b = (f.path for f in first.forms)
    a_bytes = a.read_bytes()

    again = run_forms(book, as_of=AS_OF)
    assert [f.status for f in again.forms] == ["unchanged", "unchanged"]
    assert a.read_bytes() == a_bytes

    # The second case changes in the register: only its form is replaced.
    book = book_with(tmp_path, [full_row(), full_row(case_id="2611-0004", customer="李丽",
                                                     resolution="退款")])
    changed = run_forms(book, as_of=AS_OF)
    assert [f.status for f in changed.forms] == ["unchanged", "replaced"]
    assert form_tables(b)[0]["处理方案"] == "退款"

    # A file the toolkit did not write is never overwritten, unless --force.
    Document().save(str(a))
    code, out = invoke("forms", str(book))
    assert code == 1 and a.name in out and "--force" in out
    code, out = invoke("forms", str(book), "--force")
    assert code == 0, out
    assert form_tables(a)[0]["投诉编号"] == "2611-0003"


def test_cases_by_number(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row(), good_row(case_id="2611-0009", customer="A/B:C?")])
    out_dir = tmp_path / "out"
    code, out = invoke("forms", str(book), "--case", "2611-0009", "--out", str(out_dir))
    assert code == 0, out
    assert [p.name for p in out_dir.iterdir()] == ["2611-0009_A_B_C_.docx"]


def test_unknown_case_is_an_error_naming_it(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row()])
    code, out = invoke("forms", str(book), "--case", "2611-0003", "--case", "2699-0001")
    assert code == 2
    assert "2699-0001" in out and "Traceback" not in out
    assert not (tmp_path / "审批表").exists()


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    code, out = invoke("forms", str(bad))
    assert code == 2 and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "审批表").exists()


def test_no_case_needs_approval(tmp_path: Path) -> None:
    book = book_with(tmp_path, [good_row()])
    code, out = invoke("forms", str(book))
    assert code == 0 and "没有需要审批的投诉" in out
    assert not (tmp_path / "审批表").exists()


def test_same_number_and_customer_twice(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row(), full_row()])
    outcome = run_forms(book, as_of=AS_OF)
    stem = "2611-0003_杭州顺达汽车销售服务有限公司"
    assert [f.path.name for f in outcome.forms] == [f"{stem}.docx", f"{stem}_第3行.docx"]


def test_a_custom_template_with_another_layout(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row()])
    custom_template(tmp_path / TEMPLATE_NAME)  # beside the workbook: used by default
    outcome = run_forms(book, as_of=AS_OF)
    assert outcome.template == str(tmp_path / TEMPLATE_NAME)
    doc = Document(str(outcome.forms[0].path))
    texts = [p.text for p in doc.paragraphs]
    assert ("客户：杭州顺达汽车销售服务有限公司，编号 2611-0003，"
            "金额 1,200.50 元（人民币壹仟贰佰元伍角整）") in texts
    table = doc.tables[0]
    assert table.cell(0, 1).text == TEXT and table.cell(1, 1).text == "P2610-003"

    # Editing the template refreshes the forms.
    custom_template(tmp_path / TEMPLATE_NAME, split=False)
    assert run_forms(book, as_of=AS_OF).forms[0].status == "replaced"


def test_a_template_with_an_unknown_placeholder(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row()])
    template = tmp_path / "mine.docx"
    doc = Document()
    doc.add_paragraph("{{ 投诉编码 }} {{ 客户名称 }}")
    doc.save(str(template))
    code, out = invoke("forms", str(book), "--template", str(template))
    assert code == 2 and "{{ 投诉编码 }}" in out and "docs/forms.md" in out
    assert not (tmp_path / "审批表").exists()
    doc = Document()
    doc.add_paragraph("{{ 客户名称 }")
    doc.save(str(template))
    code, out = invoke("forms", str(book), "--template", str(template))
    assert code == 2 and str(template) in out


def test_pdf_without_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    book = book_with(tmp_path, [full_row()])
    code, out = invoke("forms", str(book), "--pdf")
    assert code == 2 and "LibreOffice" in out
    assert not (tmp_path / "审批表").exists()


def test_rows_for_the_excel_button_and_english_messages(tmp_path: Path) -> None:
    settings = [["项目", "值"], ["公司名称", "Acme Ltd"], ["语言", "en"]]
    book = make_register(tmp_path / "r.xlsx", [good_row(), full_row()],  # type: ignore[list-item]
                         extra_sheets={"设置": settings})
    outcome = run_forms(book, as_of=AS_OF, rows=[2])  # a case that needs no approval
    assert [f.case_id for f in outcome.forms] == ["2611-0001"]
    assert "Acme Ltd" in paragraphs(outcome.forms[0].path)
    from toolkit.report.forms import closing_line
    assert closing_line(outcome).startswith("1 approval forms: 1 new")
    with pytest.raises(UsageError, match="row 9"):
        run_forms(book, as_of=AS_OF, rows=[9])


def test_a_template_that_is_not_a_word_document(tmp_path: Path) -> None:
    book = book_with(tmp_path, [full_row()])
    (tmp_path / TEMPLATE_NAME).write_text("not a docx", encoding="utf-8")
    code, out = invoke("forms", str(book))
    assert code == 2 and TEMPLATE_NAME in out and ".docx" in out
    assert not (tmp_path / "审批表").exists()
