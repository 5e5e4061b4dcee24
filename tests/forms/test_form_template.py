"""The default approval-form template: reproducible, committed as built, fonts and copies."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from toolkit.forms.fields import PLACEHOLDERS
from toolkit.forms.fill import FormTemplate
from toolkit.forms.template import COPIES, SIGNERS, TEMPLATE_NAME, build_form_template

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "workbook_templates" / TEMPLATE_NAME


def parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def test_build_is_reproducible() -> None:
    a, b = build_form_template(), build_form_template()
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core


def test_committed_template_is_a_fresh_build() -> None:
    # Part by part: the zip's compressed bytes also depend on the zlib build.
    assert parts(COMMITTED.read_bytes()) == parts(build_form_template()), \
        "run scripts/build-form-template"


def test_template_contents() -> None:
    data = build_form_template()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        document = z.read("word/document.xml").decode()
        styles = z.read("word/styles.xml").decode()
    text = re.sub(r"<[^>]+>", "", document)
    for copy in COPIES:
        assert copy in text
    for signer in SIGNERS:
        assert signer in text
    # Two copies, the second on a page of its own.
    assert document.count("<w:pageBreakBefore/>") == 1
    assert document.count("<w:tbl>") == 2
    # Chinese text in SimSun (宋体), marked as zh-CN so other systems pick a Chinese font.
    assert 'w:eastAsia="SimSun"' in styles and 'w:eastAsia="zh-CN"' in styles
    used = set(re.findall(r"\{\{ (\S+) \}\}", text))
    assert used <= set(PLACEHOLDERS)
    assert {"公司名称", "投诉编号", "受理时间", "结案时限", "逾期状态", "客户名称", "联系人",
            "产品名称", "生产批次", "数量", "订单号", "投诉内容", "是否属实", "责任部门", "处理人",
            "处理方案", "原因分析", "纠正措施", "整改期限", "赔偿金额"} <= used
    FormTemplate(data, "built-in").check()


def test_docs_list_every_placeholder() -> None:
    doc = (ROOT / "docs" / "forms.md").read_text(encoding="utf-8")
    missing = [p for p in PLACEHOLDERS if "{{ " + p + " }}" not in doc]
    assert not missing, f"docs/forms.md does not list {missing}"


# ECMA-376 CT_TcPr: Word refuses a cell whose properties are out of this order (LibreOffice
# does not mind, so only the order itself can be tested here).
TC_PR_ORDER = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
               "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers",
               "cellIns", "cellDel", "cellMerge", "tcPrChange")


def test_cell_properties_in_schema_order() -> None:
    with zipfile.ZipFile(io.BytesIO(build_form_template())) as z:
        document = z.read("word/document.xml").decode()
    cells = re.findall(r"<w:tcPr>(.*?)</w:tcPr>", document)
    assert cells
    for cell in cells:
        names = re.findall(r"<w:(\w+)", cell)
        order = [TC_PR_ORDER.index(n) for n in names]
        assert order == sorted(order), names
