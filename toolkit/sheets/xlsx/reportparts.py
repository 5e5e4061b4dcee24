"""Adding or replacing a report sheet in the package: the worksheet, its drawing and chart
parts, their relationships and content types, and the print area and print titles.

On a re-run everything the old sheet owned (its drawing, charts, chart styles, printer
settings …) is removed unless another part still refers to it, and part names are reused, so
running twice leaves one sheet and one set of charts; no other part is touched
(docs/statistics.md)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from toolkit.errors import WorkbookError, bilingual
from toolkit.sheets.xlsx.charts import (
    CT_CHART,
    CT_DRAWING,
    REL_CHART,
    REL_DRAWING,
    chart_xml,
    drawing_xml,
    relationships_xml,
)
from toolkit.sheets.xlsx.owned import is_tab_selected
from toolkit.sheets.xlsx.package import Package, Rel, SheetRef, add_sheet, find_sheet
from toolkit.sheets.xlsx.reportsheet import report_sheet_xml
from toolkit.sheets.xlsx.reportspec import ReportSheet
from toolkit.sheets.xlsx.reportstyles import ReportStyles
from toolkit.sheets.xlsx.styles import Styles
from toolkit.sheets.xlsx.xmlscan import Doc, children, esc, unesc

WORKBOOK_ORDER = tuple(x.encode() for x in (
    "fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
    "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
    "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst").split())
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
PRINT_NAMES = ("_xlnm.Print_Area", "_xlnm.Print_Titles")


def apply_report_sheet(pkg: Package, book: Doc, book_part: str, book_rels: list[Rel],
                       sheets: list[SheetRef], styles: Styles, date1904: bool,
                       report: ReportSheet, new_sheets: list[bytes]) -> bool:
    """Write `report` into the package (added after the existing sheets, or replacing the
    sheet of that name). Returns True when the replaced sheet held formulas (the caller then
    drops the calculation chain)."""
    _check_name(report.name)
    ref = find_sheet(sheets, report.name)
    stale: set[str] = set()
    had_formulas = selected = False
    if ref is not None:
        if ref.part is None:
            raise WorkbookError(bilingual(
                f"「{report.name}」不是普通工作表（可能是图表）：请把它改名或删除后再运行",
                f"sheet {report.name} is not an ordinary worksheet; rename or delete it "
                "and run again"), path=pkg.path)
        old = pkg.read(ref.part)
        selected = is_tab_selected(old)
        had_formulas = b"<f>" in old or b"<f " in old
        stale = owned_parts(pkg, ref.part)
        part = ref.part
    else:
        new_sheets.append(add_sheet(pkg, book, book_part, book_rels, sheets, report.name, b""))
        part = sheets[-1].part or ""
    index = next(i for i, s in enumerate(sheets) if s.part == part)

    folder = posixpath.dirname(part)
    xl = posixpath.dirname(folder)
    new_parts: dict[str, bytes] = {}
    types: dict[str, str] = {}
    drawing_rid = None
    if report.charts:
        taken: set[str] = set()
        drawing = _free_name(pkg, xl + "/drawings/drawing{}.xml", stale, taken)
        charts = [_free_name(pkg, xl + "/charts/chart{}.xml", stale, taken)
                  for _ in report.charts]
        new_parts[drawing] = drawing_xml(report.charts)
        types[drawing] = CT_DRAWING
        new_parts[Package.rels_name(drawing)] = relationships_xml(
            [(REL_CHART, _relative(c, drawing)) for c in charts])
        for name, chart in zip(charts, report.charts, strict=True):
            new_parts[name] = chart_xml(report.name, chart)
            types[name] = CT_CHART
        new_parts[Package.rels_name(part)] = relationships_xml(
            [(REL_DRAWING, _relative(drawing, part))])
        drawing_rid = "rId1"
    new_parts[part] = report_sheet_xml(report, ReportStyles(styles), date1904,
                                       selected=selected, drawing_rid=drawing_rid)

    gone = stale - set(new_parts)
    for name in stale:
        if name not in new_parts:
            pkg.remove(name)
        rels = Package.rels_name(name)
        if rels not in new_parts and pkg.has(rels):
            pkg.remove(rels)
            gone.add(rels)
    sheet_rels = Package.rels_name(part)
    if sheet_rels not in new_parts and pkg.has(sheet_rels):
        pkg.remove(sheet_rels)
        gone.add(sheet_rels)
    for name, data in new_parts.items():
        _put(pkg, name, data)
    # Some producers (LibreOffice 3.x) name every .rels part in an Override instead of one
    # Default for the extension: a new .rels part then needs its own Override too.
    types.update({name: CT_RELS for name in new_parts if name.endswith(".rels")})
    _content_types(pkg, gone, types)
    _print_names(book, report, index)
    return had_formulas


def owned_parts(pkg: Package, part: str) -> set[str]:
    """The parts reachable from a sheet's relationships that no other part refers to."""
    reach: set[str] = set()
    todo = [part]
    while todo:
        _, rels = pkg.rels(todo.pop())
        for rel in rels:
            if not rel.external and rel.target not in reach and rel.target != part \
                    and pkg.has(rel.target):
                reach.add(rel.target)
                todo.append(rel.target)
    own_rels = {Package.rels_name(p) for p in reach | {part}}
    elsewhere: set[str] = set()
    for name in _rels_parts(pkg):
        if name in own_rels:
            continue
        source = _source_of(name)
        _, rels = pkg.rels(source)
        elsewhere.update(r.target for r in rels if not r.external)
    return {p for p in reach if p not in elsewhere}


def _rels_parts(pkg: Package) -> Iterable[str]:
    names = [i.filename for i in pkg.infos if i.filename not in pkg.removed]
    return [n for n in names + list(pkg.added) if n.endswith(".rels")]


def _source_of(rels_name: str) -> str:
    """xl/worksheets/_rels/sheet1.xml.rels -> xl/worksheets/sheet1.xml ("" for the package)."""
    folder, base = posixpath.split(rels_name)
    return posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])


def _free_name(pkg: Package, pattern: str, reusable: set[str], taken: set[str]) -> str:
    n = 1
    while True:
        name = pattern.format(n)
        if name not in taken and (name in reusable or not pkg.has(name)):
            taken.add(name)
            return name
        n += 1


def _relative(target: str, source: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source))


def _put(pkg: Package, name: str, data: bytes) -> None:
    real = pkg.by_lower.get(name.lower())
    if real is not None:
        pkg.removed.discard(real)  # a part of the old sheet, reused under the same name
    pkg.put(name, data)


def _content_types(pkg: Package, gone: set[str], types: dict[str, str]) -> None:
    doc = Doc(pkg.read("[Content_Types].xml"), "[Content_Types].xml", b"Types")
    gone_lower = {g.lower() for g in gone}
    defaults = {unesc(el.attr(b"Extension") or b"").lower() for el in doc.all(b"Default")}
    want = {k.lower(): (k, v) for k, v in types.items()
            if not (v == CT_RELS and "rels" in defaults)}
    changed = False
    for el in doc.all(b"Override"):
        shown = unesc(el.attr(b"PartName") or b"").lstrip("/")
        if shown.lower() in gone_lower:
            doc.replace(el, b"")
            changed = True
        elif shown.lower() in want:
            _, ctype = want.pop(shown.lower())
            if unesc(el.attr(b"ContentType") or b"") != ctype:
                doc.replace(el, _override(doc.p, shown, ctype))
                changed = True
    added = b"".join(_override(doc.p, name, ctype) for name, ctype in want.values())
    if added:
        doc.insert(doc.root.inner_end, added)
        changed = True
    if changed:
        pkg.put("[Content_Types].xml", b"".join(doc.render()))


def _override(p: bytes, name: str, ctype: str) -> bytes:
    return (f'<{p.decode()}Override PartName="/{esc(name)}" ContentType="{ctype}"/>').encode()


def _print_names(book: Doc, report: ReportSheet, index: int) -> None:
    """Print area and print titles as the sheet-local defined names Excel uses, replacing the
    sheet's old ones and keeping every other name byte for byte."""
    p = book.p.decode()
    quoted = "'" + report.name.replace("'", "''") + "'"
    names = []
    if report.print_area:
        area = ":".join("$" + "".join(ch for ch in c if ch.isalpha()) + "$"
                        + "".join(ch for ch in c if ch.isdigit())
                        for c in report.print_area.split(":"))
        names.append((PRINT_NAMES[0], f"{quoted}!{area}"))
    if report.print_title_rows:
        first, last = report.print_title_rows
        names.append((PRINT_NAMES[1], f"{quoted}!${first}:${last}"))
    new = "".join(f'<{p}definedName name="{n}" localSheetId="{index}">{esc(v)}</{p}definedName>'
                  for n, v in names).encode()
    el = book.kid(b"definedNames")
    whole = f"<{p}definedNames>".encode() + new + f"</{p}definedNames>".encode()
    if el is None:
        if new:
            book.insert_in_order(b"definedNames", whole, WORKBOOK_ORDER)
        return
    if el.closed:
        book.replace(el, whole)
        return
    drop, kept = [], 0
    for k in children(book.xml, el.tag_end, el.inner_end):
        if k.local == b"definedName" and unesc(k.attr(b"name") or b"") in PRINT_NAMES \
                and (k.attr(b"localSheetId") or b"") == str(index).encode():
            drop.append(k)
        else:
            kept += 1
    if not kept and not new:
        book.replace(el, b"")  # an empty <definedNames> is not valid
        return
    for k in drop:
        book.replace(k, b"")
    if new:
        book.insert(el.inner_end, new)


def _check_name(name: str) -> None:
    if not (0 < len(name) <= 31 and not set(name) & set("[]:*?/\\")
            and not name.startswith("'") and not name.endswith("'")):
        raise WorkbookError(bilingual(f"「{name}」不是有效的 Excel 工作表名称",
                                      f"{name!r} is not a valid Excel sheet name"))
