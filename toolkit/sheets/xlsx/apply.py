"""Applying a WorkbookEdit to the package: the parts it changes, adds or removes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from toolkit.errors import WorkbookError, bilingual
from toolkit.sheets.xlsx.edit import WorkbookEdit
from toolkit.sheets.xlsx.owned import is_tab_selected, owned_sheet_xml
from toolkit.sheets.xlsx.package import (
    REL_DOCUMENT,
    REL_STYLES,
    STRICT_DOCUMENT,
    Package,
    add_sheet,
    drop_calc_chain,
    find_sheet,
    guard_table_headers,
    sheet_refs,
)
from toolkit.sheets.xlsx.readback import Written, sample
from toolkit.sheets.xlsx.reportparts import apply_report_sheet
from toolkit.sheets.xlsx.styles import Styles
from toolkit.sheets.xlsx.worksheet import Worksheet
from toolkit.sheets.xlsx.xmlscan import Doc


def write_package(raw: bytes, edit: WorkbookEdit, tmp: Path, path: Path,
                  clock: Callable[[str], None]) -> Written:
    pkg = Package(raw, path)
    _, root_rels = pkg.rels("")
    doc_rel = next((r for r in root_rels if r.type == REL_DOCUMENT), None)
    if doc_rel is None:
        if any(r.type == STRICT_DOCUMENT for r in root_rels):
            raise WorkbookError(bilingual(
                "工作簿保存成了 Strict Open XML 格式：请在 Excel 中另存为普通的"
                "「Excel 工作簿 (.xlsx)」或「Excel 启用宏的工作簿 (.xlsm)」后再运行",
                "the workbook is saved as Strict Open XML; save it in Excel as "
                "an ordinary Excel Workbook (.xlsx/.xlsm) and run again"), path=path)
        raise WorkbookError(bilingual(
            "不是 Excel 工作簿（文件里没有 workbook 部分）：请确认选对了文件",
            "not an Excel workbook (no workbook part)"), path=path)
    book_part = doc_rel.target
    book = Doc(pkg.read(book_part), book_part, b"workbook")
    book_rels_doc, book_rels = pkg.rels(book_part)
    sheets = sheet_refs(book, book_rels)
    date1904 = False
    pr = book.kid(b"workbookPr")
    if pr is not None and (pr.attr(b"date1904") or b"") in (b"1", b"true"):
        date1904 = True
    styles_rel = next((r for r in book_rels if r.type == REL_STYLES), None)
    if styles_rel is None or not pkg.has(styles_rel.target):
        raise WorkbookError(bilingual(
            "工作簿里没有样式表：请在 Excel 中打开工作簿并重新保存后再运行",
            "the workbook has no style sheet; open it in Excel and save it again"), path=path)
    styles = Styles(pkg.read(styles_rel.target), styles_rel.target, path)
    drop_chain = False
    written = Written(None, [], set(), [s.name for s in sheets], {})

    if edit.columns or edit.highlights:
        ref = find_sheet(sheets, edit.sheet)
        if ref is None or ref.part is None:
            raise WorkbookError(bilingual(
                f"没有名为「{edit.sheet}」的工作表：工作表可能刚被改名或删除，请重新运行",
                f"there is no worksheet named {edit.sheet}"), path=path)
        ws = Worksheet(pkg.read(ref.part), ref.part, styles, date1904)
        guard_table_headers(pkg, ref.part, edit)
        ws.write_columns(edit.columns)
        ws.set_highlights(edit.highlights)
        pkg.put(ref.part, b"".join(ws.doc.render()))
        drop_chain |= ws.overwrote_formula
        written.register = ref.name
        written.columns = {c.column for c in edit.columns}
        written.cells = sample(edit.columns)
        written.last_row = ws.scan.last_value_row(written.columns)

    new_sheets: list[bytes] = []
    for owned in edit.owned_sheets:
        ref = find_sheet(sheets, owned.name)
        xml = owned_sheet_xml(owned, styles, date1904,
                              selected=ref is not None and ref.part is not None
                              and is_tab_selected(pkg.read(ref.part)))
        if ref is not None:
            if ref.part is None:  # a chart sheet, or a broken entry
                raise WorkbookError(bilingual(
                    f"「{owned.name}」不是普通工作表（可能是图表）：请把它改名或删除后再运行",
                    f"sheet {owned.name} is not an ordinary worksheet; rename "
                    "or delete it and run again"), path=path)
            if b"<f" in pkg.read(ref.part):
                drop_chain = True  # its formulas go, so must their calculation-chain entries
            pkg.put(ref.part, xml)
        else:
            new_sheets.append(add_sheet(pkg, book, book_part, book_rels, sheets, owned.name, xml))
            written.sheets.append(owned.name)
        written.owned_rows[owned.name] = len(owned.rows)
    for report in edit.report_sheets:
        drop_chain |= apply_report_sheet(pkg, book, book_part, book_rels, sheets, styles,
                                         date1904, report, new_sheets)
        written.sheets.append(report.name)
        written.owned_rows[report.name] = report.last_value_row
    if new_sheets:
        sheets_el = book.kid(b"sheets")
        assert sheets_el is not None
        book.insert(sheets_el.inner_end, b"".join(new_sheets))
    if drop_chain:
        drop_calc_chain(pkg, book_part, book_rels_doc, book_rels)
    if book.splices:
        pkg.put(book_part, b"".join(book.render()))
    new_styles = styles.render()
    if new_styles is not None:
        pkg.put(styles_rel.target, new_styles)
    clock("edit")
    written.original = raw
    written.parts_changed = set(pkg.changed) | set(pkg.added)
    written.parts_removed = set(pkg.removed)
    pkg.write(tmp)
    clock("zip")
    return written
