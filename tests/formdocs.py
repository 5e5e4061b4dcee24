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
