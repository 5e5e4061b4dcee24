"""The fast filler (template prepared once per run) makes the document docxtpl makes.

Each case is filled both ways, by docxtpl from the whole template (fill_form, the reference)
and by FormFiller, and the packages are compared: the same members in the same order, the
parts without values the same bytes, the parts with values the same XML once canonicalised
(C14N: docxtpl writes an empty <w:t/> where the fast path writes <w:t></w:t>)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import docxtpl
import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from formdocs import custom_template, form_tables
from helpers import good_row, make_register
from lxml import etree

from toolkit.forms import fast
from toolkit.forms.fields import BLANK, PLACEHOLDERS, FormData
from toolkit.forms.fill import FormTemplate, fill_form
from toolkit.forms.package import Entry, zip_bytes
from toolkit.jobs.forms import run_forms

AS_OF = datetime(2026, 11, 24, 9, 0)
FINGERPRINT = "ab" * 32

AWKWARD = [
    "=SUM(A1)+1 客户说：<b>刹车异响</b> & {{ 投诉编号 }} {_{ x }_} {% if %} {# c #}",
    "第一行\n第二行\n\n第四行（空行之前）\n",
    "\n开头是换行",
    "制表\t符\t\t两个",
    "混合\t和\n换行\n\t",
    'quotes "double" and \'single\' ]]> --> <!-- -->',
    "emoji 😀 and 𠀀 (outside the BMP), ½ ß é, RTL שלום",
    "very long " + "长文本，" * 3000,
    BLANK,
    "",
    " leading and trailing spaces ",
    "a_}_}_ {_% x %_} _{{_",
]


def form(i: int, text: str) -> FormData:
    """Every placeholder gets a value; the awkward text goes into several of them (one in the
    running text, one in a table cell, one printed twice in the default template)."""
    values = {name: f"{name}{i}" for name in PLACEHOLDERS}
    for name in ("投诉内容", "客户名称", "处理方案", "投诉编号", "生产批次", "赔偿金额大写"):
        values[name] = text
    return FormData(i + 2, f"2611-{i:04d}", "客户", values)


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return [(i.filename, z.read(i)) for i in z.infolist()]


def canonical(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for tag in ("created", "modified"):  # made a moment apart
        for node in root.iter("{http://purl.org/dc/terms/}" + tag):
            node.text = "2026-01-01T00:00:00Z"
    return etree.tostring(root, method="c14n")


# The parts that hold values; every other part must be the same bytes.
VALUE_PARTS = re.compile(r"word/(document|header\d+|footer\d+)\.xml|docProps/core\.xml")


def assert_same_document(fast_docx: bytes, reference: bytes) -> None:
    ours, theirs = members(fast_docx), members(reference)
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    for (name, a), (_, b) in zip(ours, theirs, strict=True):
        if a != b:
            assert VALUE_PARTS.fullmatch(name), name
            assert canonical(a) == canonical(b), name


def fancy_template(path: Path) -> Path:
    """Placeholders split the nastier ways Word splits them (between the braces, around
    spell-check marks), in bold runs (a tab then repeats the bold), in a header and a footer."""
    doc = Document()
    p = doc.add_paragraph("编号：")
    p.add_run("{")
    p.add_run("{ 投诉")
    p._p.append(OxmlElement("w:proofErr"))
    p._p[-1].set(qn("w:type"), "spellStart")
    p.add_run("编号 }").italic = True
    p.add_run("}")
    bold = doc.add_paragraph().add_run("内容：{{ 投诉内容 }} / {{ 处理方案 }}")
    bold.bold = True
    doc.add_paragraph("{{ 客户名称 }}{{ 客户名称 }}")  # twice, nothing in between
    section = doc.sections[0]
    section.header.paragraphs[0].text = "页眉 {{ 投诉编号 }} {{ 公司名称 }}"
    section.footer.paragraphs[0].text = "页脚 {{ 客户名称 }}"
    doc.save(str(path))
    return path


def templates(tmp_path: Path) -> list[FormTemplate]:
    return [FormTemplate.default(),
            FormTemplate.load(custom_template(tmp_path / "split.docx")),
            FormTemplate.load(fancy_template(tmp_path / "fancy.docx"))]


def test_the_same_document_as_docxtpl(tmp_path: Path) -> None:
    for template in templates(tmp_path):
        filler = fast.FormFiller(template)
        assert filler.fast, template.source
        for i, text in enumerate(AWKWARD):
            f = form(i, text)
            assert_same_document(filler.fill(f, FINGERPRINT),
                                 fill_form(template, f, FINGERPRINT))


def test_byte_for_byte_when_no_text_element_is_left_empty() -> None:
    template = FormTemplate.default()
    f = form(0, AWKWARD[0] + "\n第二行\t制表")
    ours, theirs = (members(x) for x in (fast.FormFiller(template).fill(f, FINGERPRINT),
                                         fill_form(template, f, FINGERPRINT)))
    for (name, a), (_, b) in zip(ours, theirs, strict=True):
        if name == "docProps/core.xml":
            a, b = (re.sub(rb"\d{4}-\d\d-\d\dT[\d:]+Z", b"T", x) for x in (a, b))
        assert a == b, name


def test_values_are_printed_as_typed(tmp_path: Path) -> None:
    # Read back independently of both fillers: python-docx shows line breaks as "\n".
    filler = fast.FormFiller(FormTemplate.default())
    for i, text in enumerate(AWKWARD[:8]):
        path = tmp_path / f"{i}.docx"
        path.write_bytes(filler.fill(form(i, text), FINGERPRINT))
        first, second = form_tables(path)
        assert first["投诉内容"] == text and second["处理方案"] == text


def test_a_template_with_more_than_placeholders_is_filled_by_docxtpl(tmp_path: Path) -> None:
    texts = {
        "if": "{% if 赔偿金额 != '" + BLANK + "' %}赔偿 {{ 赔偿金额 }}{% endif %}",
        "filter": "{{ 客户名称|upper }}",
        "for": "{% for c in 客户名称 %}{{ c }}·{% endfor %}",
        "set": "{% set x = 客户名称 %}{{ x }}",
    }
    for kind, text in texts.items():
        doc = Document()
        doc.add_paragraph(text)
        path = tmp_path / f"{kind}.docx"
        doc.save(str(path))
        template = FormTemplate.load(path)
        filler = fast.FormFiller(template)
        assert not filler.fast, kind
        f = form(1, "abc <i>")
        assert_same_document(filler.fill(f, FINGERPRINT), fill_form(template, f, FINGERPRINT))


def test_a_placeholder_outside_the_text_is_filled_by_docxtpl(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("{{ 客户名称 }}")
    doc.core_properties.subject = "投诉 {{ 投诉编号 }}"  # docxtpl fills the properties too
    path = tmp_path / "subject.docx"
    doc.save(str(path))
    template = FormTemplate.load(path)
    filler = fast.FormFiller(template)
    assert not filler.fast
    data = filler.fill(form(3, "x"), FINGERPRINT)
    assert Document(io.BytesIO(data)).core_properties.subject == "投诉 x"


def test_unusual_characters_are_left_to_docxtpl(monkeypatch: pytest.MonkeyPatch) -> None:
    template = FormTemplate.default()
    filler = fast.FormFiller(template)
    assert filler.fast
    calls: list[str] = []
    monkeypatch.setattr(fast, "fill_form", lambda t, f, fp: calls.append(f.values["客户名称"])
                        or fill_form(t, f, fp))
    for text in ("a\rb", "bell\a", "page\f", "nul\x00"):
        filler.fill(form(1, text), FINGERPRINT)
    filler.fill(form(1, "ordinary\n\t"), FINGERPRINT)
    assert calls == ["a\rb", "bell\a", "page\f", "nul\x00"]


def test_the_template_is_rendered_once_per_run(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    renders: list[int] = []
    render = docxtpl.DocxTemplate.render

    def counting(self: docxtpl.DocxTemplate, *args: object, **kwargs: object) -> None:
        renders.append(1)
        render(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(docxtpl.DocxTemplate, "render", counting)
    rows = [good_row(case_id=f"2611-{i:04d}", customer=f"客户{i}", approval="待审批")
            for i in range(1, 6)]
    book = make_register(tmp_path / "台账.xlsx", rows)
    outcome = run_forms(book, as_of=AS_OF)
    assert [f.status for f in outcome.forms] == ["written"] * 5
    assert len(renders) == 1
    assert form_tables(outcome.forms[4].path)[0]["客户名称"] == "客户5"
    renders.clear()
    again = run_forms(book, as_of=AS_OF)  # nothing changed: nothing to fill
    assert [f.status for f in again.forms] == ["unchanged"] * 5 and renders == []


def test_zip_container_read_by_zipfile() -> None:
    entries = [Entry.deflate("[Content_Types].xml", b"<Types/>"),
               Entry.deflate("word/文档.xml", "中文".encode() * 1000, level=1),
               Entry.deflate("empty", b"")]
    data = zip_bytes(entries, when=datetime(2026, 11, 24, 9, 30, 15).timestamp())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        assert [(i.filename, i.date_time, i.compress_type) for i in z.infolist()] == [
            ("[Content_Types].xml", (2026, 11, 24, 9, 30, 14), zipfile.ZIP_DEFLATED),
            ("word/文档.xml", (2026, 11, 24, 9, 30, 14), zipfile.ZIP_DEFLATED),
            ("empty", (2026, 11, 24, 9, 30, 14), zipfile.ZIP_DEFLATED)]
        assert z.read("word/文档.xml") == "中文".encode() * 1000 and z.read("empty") == b""
