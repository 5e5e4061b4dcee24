"""Reading filled approval forms back with python-docx, independently of the filler."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn


def form_tables(path: Path) -> list[dict[str, str]]:
    """Each copy's table as {label: value}: cells alternate label, value along a row (a merged
    cell is counted once)."""
    doc = Document(str(path))
    copies = []
    for table in doc.tables:
        fields: dict[str, str] = {}
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if not cells or cell._tc is not cells[-1]._tc:
                    cells.append(cell)
            for label, value in zip(cells[::2], cells[1::2], strict=False):
                fields[label.text.replace("\n", "")] = value.text
        copies.append(fields)
    return copies


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def page_breaks(path: Path) -> int:
    """Paragraphs that start a new page, and explicit page breaks."""
    body = Document(str(path)).element.body
    before = len(body.findall(".//" + qn("w:pageBreakBefore")))
    breaks = [b for b in body.iter(qn("w:br")) if b.get(qn("w:type")) == "page"]
    return before + len(breaks)


def identifier(path: Path) -> str | None:
    return Document(str(path)).core_properties.identifier


def custom_template(path: Path, *, split: bool = True) -> Path:
    """A team's own layout: no company line, fields in running text and a two-column table,
    one placeholder split across runs the way Word does it while editing."""
    doc = Document()
    doc.add_heading("投诉审批单（本部门格式）", level=1)
    p = doc.add_paragraph("客户：")
    if split:
        p.add_run("{{ 客户")
        p.add_run("名称 }}").bold = True
    else:
        p.add_run("{{ 客户名称 }}")
    p.add_run("，编号 {{ 投诉编号 }}，金额 {{ 赔偿金额 }} 元（{{ 赔偿金额大写 }}）")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "问题", "{{ 投诉内容 }}"
    table.cell(1, 0).text, table.cell(1, 1).text = "批次", "{{ 生产批次 }}"
    doc.save(str(path))
    return path
