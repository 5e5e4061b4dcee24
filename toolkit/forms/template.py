"""The default Word template of the approval form, built from code so that it can be reviewed
and rebuilt byte for byte (scripts/build-form-template writes it to workbook_templates/).
Staff may edit the built file in Word; see docs/forms.md."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell

from toolkit.forms.fields import placeholder

TEMPLATE_NAME = "客诉问题处理审批表.docx"
TITLE = "客诉问题处理审批表"
COPIES = ("第一联 存档", "第二联 责任部门")
SIGNERS = ("部门负责人", "主管副总", "总经理")

# 宋体 for Chinese (Windows; LibreOffice on Linux falls back to Noto CJK for zh-CN text),
# Times New Roman for Latin letters and digits, as Chinese office forms are usually set.
EAST_ASIA_FONT = "SimSun"
LATIN_FONT = "Times New Roman"
# A fixed moment for the document properties and the zip entries: the same source gives the
# same bytes.
FIXED = datetime(2026, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

PAGE_WIDTH = 16.6  # cm between the margins of an A4 page with 2.2 cm side margins
LABEL, VALUE = 3.1, 5.2  # cm; label | value | label | value


def build_form_template() -> bytes:
    """The default template: two copies of the form, each on its own page."""
    doc = Document()
    _set_page(doc)
    _set_fonts(doc)
    for i, copy in enumerate(COPIES):
        _add_copy(doc, copy, first=i == 0)
    _set_properties(doc)
    _drop_unused_parts(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


def _set_page(doc: object) -> None:
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(1.6)
    section.left_margin = section.right_margin = Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.0)


def _set_fonts(doc: object) -> None:
    normal = doc.styles["Normal"]  # type: ignore[attr-defined]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)  # 五号
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIA_FONT)
    fonts.set(qn("w:hint"), "eastAsia")
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    # The document defaults too, without their theme fonts (a theme font attribute would win
    # over the named one on the same level): every paragraph, in a table or not, is covered.
    defaults = doc.styles.element.find(qn("w:docDefaults"))  # type: ignore[attr-defined]
    for node in defaults.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            node.attrib.pop(qn(attr), None)
        node.attrib.update(fonts.attrib)
    for node in defaults.iter(qn("w:lang")):
        node.set(qn("w:eastAsia"), "zh-CN")
    for node in defaults.iter(qn("w:spacing")):
        node.set(qn("w:after"), "0")
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.15
    # The table style's own paragraph spacing would add room under every cell line.
    grid = doc.styles["Table Grid"]  # type: ignore[attr-defined]
    grid.paragraph_format.space_after = Pt(0)


def _add_copy(doc: object, copy: str, *, first: bool) -> None:
    company = doc.add_paragraph()  # type: ignore[attr-defined]
    company.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if not first:
        company.paragraph_format.page_break_before = True
    _run(company, placeholder("公司名称"), size=14, bold=True)

    title = doc.add_paragraph()  # type: ignore[attr-defined]
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(4)
    title.paragraph_format.space_after = Pt(8)
    _run(title, TITLE, size=18, bold=True)

    meta = doc.add_paragraph()  # type: ignore[attr-defined]
    meta.paragraph_format.tab_stops.add_tab_stop(Cm(PAGE_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
    meta.paragraph_format.space_after = Pt(4)
    _run(meta, copy, bold=True)
    _run(meta, "\t编号：" + placeholder("投诉编号"))

    table = doc.add_table(rows=0, cols=4)  # type: ignore[attr-defined]
    table.style = doc.styles["Table Grid"]  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _pair_row(table, "投诉编号", "受理时间")
    _pair_row(table, "受理渠道", "受理人")
    _wide_row(table, "客户名称")
    _pair_row(table, "联系人", "联系电话")
    _pair_row(table, "客户类型", "区域")
    _pair_row(table, "产品名称", "生产批次")
    _pair_row(table, "数量", "订单号")
    _pair_row(table, "投诉类别", "有效级别")
    _wide_row(table, "投诉内容", height=2.4)
    _pair_row(table, "是否属实", "证据")
    _pair_row(table, "责任部门", "处理人")
    _wide_row(table, "处理方案", height=1.5)
    _wide_row(table, "原因分析", height=1.2)
    _wide_row(table, "纠正措施", height=1.2)
    _pair_row(table, "整改期限", "赔偿金额", second_label="赔偿金额（元）")
    _wide_row(table, "赔偿金额大写", label="金额大写")
    _pair_row(table, "回复时限", "结案时限")
    _wide_row(table, "逾期状态")
    for signer in SIGNERS:
        _signature_row(table, signer)
    _fix_grid(table)

    note = doc.add_paragraph()  # type: ignore[attr-defined]
    note.paragraph_format.space_before = Pt(4)
    _run(note, "注：本表一式两联，第一联存档，第二联交责任部门。", size=9)


def _run(paragraph: object, text: str, *, size: float | None = None,
         bold: bool = False) -> None:
    run = paragraph.add_run(text)  # type: ignore[attr-defined]
    run.bold = bold or None
    if size:
        run.font.size = Pt(size)


def _label(cell: _Cell, text: str) -> None:
    cell.width = Cm(LABEL)
    # Word insists on the schema's order inside tcPr (tcW, …, shd, …, vAlign): the shading
    # goes in before python-docx adds vAlign, which it places correctly itself.
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "F2F2F2")
    cell._tc.get_or_add_tcPr().append(shading)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, bold=True)


def _value(cell: _Cell, name: str, width: float) -> None:
    cell.width = Cm(width)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _run(cell.paragraphs[0], placeholder(name))


def _pair_row(table: Table, left: str, right: str, *, second_label: str | None = None) -> None:
    row = table.add_row()
    row.height = Cm(0.7)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = row.cells
    _label(cells[0], left)
    _value(cells[1], left, VALUE)
    _label(cells[2], second_label or right)
    _value(cells[3], right, VALUE)


def _wide_row(table: Table, name: str, *, height: float = 0.7,
              label: str | None = None) -> None:
    row = table.add_row()
    row.height = Cm(height)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = row.cells
    _label(cells[0], label or name)
    merged = cells[1].merge(cells[3])
    _value(merged, name, PAGE_WIDTH - LABEL)
    merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP if height > 1 else \
        WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _signature_row(table: Table, signer: str) -> None:
    row = table.add_row()
    row.height = Cm(1.8)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = row.cells
    _label(cells[0], f"{signer}\n意见")
    merged = cells[1].merge(cells[3])
    merged.width = Cm(PAGE_WIDTH - LABEL)
    merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    p = merged.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(p, "签字：______________    日期：________年_____月_____日")


def _fix_grid(table: Table) -> None:
    """Column widths in the table grid too: LibreOffice lays out by the grid, Word by cells."""
    widths = (LABEL, VALUE, LABEL, VALUE)
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Cm(width)


def _set_properties(doc: object) -> None:
    props = doc.core_properties  # type: ignore[attr-defined]
    props.title = TITLE
    props.subject = "客户投诉审批"
    props.author = props.last_modified_by = "complaint-toolkit"
    props.keywords = ""
    props.comments = ("审批表模板：双花括号中的占位符由 complaints forms 按登记表填写，"
                      "见 docs/forms.md")
    props.revision = 1
    props.created = props.modified = props.last_printed = FIXED
    props.language = "zh-CN"


def _drop_unused_parts(doc: object) -> None:
    """python-docx's blank template ships a thumbnail of another document and a Word 2010
    copy of its 430 KB style sheet (stylesWithEffects); a form needs neither, and every form
    would otherwise parse and compress them again."""
    for rels, reltype in ((doc.part.package.rels, RT.THUMBNAIL),  # type: ignore[attr-defined]
                          (doc.part.rels, _STYLES_WITH_EFFECTS)):  # type: ignore[attr-defined]
        for r_id, rel in list(rels.items()):
            if rel.reltype == reltype:
                rels.pop(r_id)


def _normalise_zip(data: bytes) -> bytes:
    """Re-pack with fixed entry times and attributes (zipfile stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, src.read(item.filename), compresslevel=9)
    return out.getvalue()
