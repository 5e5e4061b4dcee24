"""Adding the button path to a workbook: the VBA project, form buttons and the xlwings.conf
sheet, as an additive operation of the lossless writer (docs/excel.md).

Every part it has no reason to touch is copied byte for byte. It adds xl/vbaProject.bin, the
button drawing (VML), the Excel 2010 form controls and their ctrlProps parts, and a hidden
xlwings.conf sheet; it changes only the content type of the workbook part (to macro-enabled),
the relationships and content types it must extend, the workbook's sheet list and code name,
each worksheet's code name, and the register sheet's references to the buttons.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import WorkbookError, bilingual
from toolkit.register import column_letter
from toolkit.sheets.xlsx.cells import inline
from toolkit.sheets.xlsx.package import (
    NS_MAIN,
    NS_REL,
    REL_DOCUMENT,
    Package,
    Rel,
    add_sheet,
    find_sheet,
    sheet_refs,
)
from toolkit.sheets.xlsx.worksheet import WS_ORDER
from toolkit.sheets.xlsx.xmlscan import ATTR, Doc, esc, esc_attr, set_attrs, unesc

NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = NS_REL + "/vmlDrawing"
REL_CTRL = NS_REL + "/ctrlProp"
CT_MACRO_BOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_CTRL = "application/vnd.ms-excel.controlproperties+xml"
CONFIG_SHEET = "xlwings.conf"
CONFIG_CODE_NAME = "xlwingsConf"
WORKBOOK_CODE_NAME = "ThisWorkbook"
_BOOK_ORDER = tuple(x.encode() for x in (
    "fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
    "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches smartTagPr "
    "smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst").split())
# A button is 2 columns wide and 2 rows high, in points as Excel measures default cells.
_COL_PT, _ROW_PT = 48, 15


@dataclass(frozen=True)
class Button:
    caption: str  # shown on the button
    macro: str  # the VBA Sub it runs


@dataclass
class MacroRequest:
    vba_project: bytes  # xl/vbaProject.bin
    sheet: str  # the register sheet that gets the buttons
    buttons: Sequence[Button]
    first_column: int  # 1-based column of the first button (right of the register's columns)
    config: Sequence[tuple[str, str, str]]  # xlwings.conf rows: key, value, note


@dataclass
class MacroPlan:
    """What the VBA project needs from the workbook: the code names of its document modules."""

    workbook_code_name: str
    sheet_code_names: list[str]  # one per worksheet, in the workbook's order


def code_names(raw: bytes, path: Path) -> MacroPlan:
    """The code names the workbook has, or will get, for the workbook and each worksheet."""
    pkg = Package(raw, path)
    book_part, book, rels_doc, rels = _book(pkg)
    pr = book.kid(b"workbookPr")
    wb_name = unesc((pr.attr(b"codeName") if pr is not None else None) or b"") or \
        WORKBOOK_CODE_NAME
    names: list[str] = []
    for ref in sheet_refs(book, rels):
        if ref.part is None:
            continue
        names.append(_sheet_code_name(pkg.read(ref.part)) or "")
    taken = {n.casefold() for n in names if n} | {wb_name.casefold()}
    n = 1
    for i, name in enumerate(names):
        if not name:
            while f"sheet{n}" in taken:
                n += 1
            names[i] = f"Sheet{n}"
            taken.add(f"sheet{n}")
    return MacroPlan(wb_name, names)


def check_upgradable(raw: bytes, path: Path, sheet: str) -> None:
    """Refuse, before any work, a workbook the buttons cannot be added to without loss."""
    pkg = Package(raw, path)
    _, book, _, rels = _book(pkg)
    if any(r.type == REL_VBA for r in rels):
        raise WorkbookError(bilingual(
            "这个工作簿已经带有宏（VBA 工程）：为免覆盖，请从不带宏的 .xlsx 升级",
            "the workbook already has a VBA project; upgrade from an .xlsx without macros "
            "so that no macro is overwritten"), path=path)
    sheets = sheet_refs(book, rels)
    if find_sheet(sheets, CONFIG_SHEET) is not None:
        raise WorkbookError(bilingual(
            f"工作簿里已经有「{CONFIG_SHEET}」工作表：请删除或改名后再升级",
            f"the workbook already has a sheet {CONFIG_SHEET}; delete or rename it first"),
            path=path)
    register = find_sheet(sheets, sheet)
    if register is None or register.part is None:
        raise WorkbookError(bilingual(f"没有名为「{sheet}」的工作表",
                                      f"there is no worksheet named {sheet}"), path=path)


def add_macro(raw: bytes, path: Path, request: MacroRequest,
              date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The workbook `raw` (an .xlsx) with the button path added; returns the new package, its
    entries stamped `date_time`."""
    pkg = Package(raw, path)
    book_part, book, _, rels = _book(pkg)
    sheets = sheet_refs(book, rels)
    check_upgradable(raw, path, request.sheet)
    register = find_sheet(sheets, request.sheet)
    assert register is not None and register.part is not None
    plan = code_names(raw, path)

    # The VBA project and the macro-enabled workbook content type.
    folder = posixpath.dirname(book_part)
    vba_part = posixpath.join(folder, "vbaProject.bin")
    pkg.put(vba_part, request.vba_project)
    rels.append(Rel(_add_rel(pkg, book_part, REL_VBA, "vbaProject.bin"), REL_VBA, vba_part,
                    False))  # so that the sheet added below takes another Id
    types = Doc(pkg.read("[Content_Types].xml"), "[Content_Types].xml", b"Types")
    for el in types.all(b"Override"):
        if unesc(el.attr(b"PartName") or b"").lstrip("/") == book_part:
            types.replace(el, set_attrs(types.text(el), ContentType=CT_MACRO_BOOK.encode()))
    _override(types, vba_part, CT_VBA)
    pkg.put("[Content_Types].xml", b"".join(types.render()))

    # Code names: the workbook's and each worksheet's, matching the VBA document modules.
    pr = book.kid(b"workbookPr")
    if pr is None:
        book.insert_in_order(b"workbookPr", b"<%sworkbookPr codeName=\"%s\"/>" % (
            book.p, plan.workbook_code_name.encode()), _BOOK_ORDER)
    elif pr.attr(b"codeName") is None:
        book.replace(pr, set_attrs(book.text(pr), codeName=plan.workbook_code_name.encode()))
    names = iter(plan.sheet_code_names)
    for ref in sheets:
        if ref.part is None:
            continue
        name = next(names)
        xml = pkg.read(ref.part)
        if _sheet_code_name(xml) is None:
            pkg.put(ref.part, _set_sheet_code_name(xml, ref.part, name))

    _add_buttons(pkg, register.part, request)

    # The hidden xlwings.conf sheet, last.
    entry = add_sheet(pkg, book, book_part, rels, sheets, CONFIG_SHEET, _config_xml(request.config))
    entry = entry.replace(b"/>", b' state="hidden"/>', 1)
    sheets_el = book.kid(b"sheets")
    assert sheets_el is not None
    book.insert(sheets_el.inner_end, entry)
    pkg.put(book_part, b"".join(book.render()))
    return pkg.to_bytes(date_time)


def _book(pkg: Package) -> tuple[str, Doc, Doc | None, list[Rel]]:
    _, root_rels = pkg.rels("")
    doc_rel = next((r for r in root_rels if r.type == REL_DOCUMENT), None)
    if doc_rel is None:
        raise WorkbookError(bilingual("不是 Excel 工作簿（文件里没有 workbook 部分）",
                                      "not an Excel workbook (no workbook part)"), path=pkg.path)
    book = Doc(pkg.read(doc_rel.target), doc_rel.target, b"workbook")
    rels_doc, rels = pkg.rels(doc_rel.target)
    return doc_rel.target, book, rels_doc, rels


def _sheet_code_name(xml: bytes) -> str | None:
    doc = Doc(xml, "sheet", b"worksheet", jump=frozenset({b"sheetData"}))
    pr = doc.kid(b"sheetPr")
    value = pr.attr(b"codeName") if pr is not None else None
    return unesc(value) if value else None


def _set_sheet_code_name(xml: bytes, part: str, name: str) -> bytes:
    doc = Doc(xml, part, b"worksheet", jump=frozenset({b"sheetData"}))
    pr = doc.kid(b"sheetPr")
    if pr is None:
        doc.insert_in_order(b"sheetPr", b'<%ssheetPr codeName="%s"/>' % (doc.p, name.encode()),
                            WS_ORDER)
    else:
        doc.replace(pr, set_attrs(doc.text(pr), codeName=name.encode()))
    return b"".join(doc.render())


def _add_rel(pkg: Package, source: str, rtype: str, target: str) -> str:
    """Add a relationship from `source`; returns its new Id."""
    name = pkg.rels_name(source)
    if not pkg.has(name):
        pkg.put(name, (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                       b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       b'relationships"></Relationships>'))
    doc = Doc(pkg.read(name), name, b"Relationships")
    used = {unesc(el.attr(b"Id") or b"") for el in doc.all(b"Relationship")}
    k = len(used) + 1
    while f"rId{k}" in used:
        k += 1
    doc.insert(doc.root.inner_end, (f'<{doc.p.decode()}Relationship Id="rId{k}" '
                                    f'Type="{rtype}" Target="{esc_attr(target)}"/>').encode())
    pkg.put(name, b"".join(doc.render()))
    return f"rId{k}"


def _override(types: Doc, part: str, content_type: str) -> None:
    types.insert(types.root.inner_end, (f'<{types.p.decode()}Override PartName="/{part}" '
                                        f'ContentType="{content_type}"/>').encode())


def _free_name(pkg: Package, pattern: str) -> tuple[int, str]:
    n = 1
    while pkg.has(pattern.format(n)):
        n += 1
    return n, pattern.format(n)


def _add_buttons(pkg: Package, part: str, request: MacroRequest) -> None:
    sheet = Doc(pkg.read(part), part, b"worksheet", jump=frozenset({b"sheetData"}))
    folder = posixpath.dirname(posixpath.dirname(part))  # xl/
    types = Doc(pkg.read("[Content_Types].xml"), "[Content_Types].xml", b"Types")
    legacy = sheet.kid(b"legacyDrawing")
    if legacy is not None:
        # Comments (and older buttons) already have a VML drawing: the buttons join it.
        rid = next((v for k, v in _attrs(legacy.attrs) if k.endswith(b":id")), b"").decode()
        _, rels = pkg.rels(part)
        rel = next((r for r in rels if r.id == rid and not r.external), None)
        if rel is None or not pkg.has(rel.target):
            raise WorkbookError(bilingual(
                f"工作表「{request.sheet}」的批注绘图已损坏：请在 Excel 中打开并重新保存后再升级",
                f"the drawing of sheet {request.sheet} is damaged; open and save it in Excel"),
                path=pkg.path)
        vml_part, vml = rel.target, pkg.read(rel.target)
        first = max((int(n) for n in re.findall(rb"_x0000_s(\d+)", vml)), default=0) + 1
    else:
        # VML shape ids come in blocks of 1024 per drawing; take a block no drawing uses.
        blocks = {0}
        for info in pkg.infos:
            if info.filename.lower().endswith(".vml"):
                for m in re.finditer(rb'data="([\d,]+)"', pkg.read(info.filename)):
                    blocks |= {int(x) for x in m.group(1).split(b",") if x}
        block = max(blocks) + 1
        first = block * 1024 + 1
        _, vml_part = _free_name(pkg, posixpath.join(folder, "drawings/vmlDrawing{}.vml"))
        vml = _vml(block)
        rid = _add_rel(pkg, part, REL_VML, "../" + posixpath.relpath(vml_part, folder))
        if not any((el.attr(b"Extension") or b"").lower() == b"vml"
                   for el in types.all(b"Default")):
            types.insert(types.root.inner_end, (f'<{types.p.decode()}Default Extension="vml" '
                                                f'ContentType="{CT_VML}"/>').encode())
        sheet.insert_in_order(b"legacyDrawing", (
            f'<{sheet.p.decode()}legacyDrawing xmlns:r="{NS_REL}" r:id="{rid}"/>').encode(),
            WS_ORDER)
    shapes, controls = [], []
    for i, button in enumerate(request.buttons):
        spid = first + i
        col = request.first_column - 1 + 2 * i  # 0-based, two columns per button
        _, ctrl_part = _free_name(pkg, posixpath.join(folder, "ctrlProps/ctrlProp{}.xml"))
        pkg.put(ctrl_part, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                b'<formControlPr xmlns="' + NS_X14.encode() + b'" objectType="Button" '
                b'lockText="1"/>')
        _override(types, ctrl_part, CT_CTRL)
        ctrl_rid = _add_rel(pkg, part, REL_CTRL, "../" + posixpath.relpath(ctrl_part, folder))
        shapes.append(_vml_shape(button, spid, col, i))
        controls.append(_control(button, spid, ctrl_rid, col, i))
    pkg.put("[Content_Types].xml", b"".join(types.render()))
    pkg.put(vml_part, _add_shapes(vml, first, first + len(shapes) - 1, "".join(shapes)))
    data = sheet.kid(b"sheetData")
    close = re.compile(rb"</(?:[\w.-]+:)?controls>").search(
        sheet.xml, data.end if data is not None else sheet.root.tag_end)
    if close is not None:  # the sheet has form controls already: ours join them
        sheet.insert(close.start(), "".join(controls).encode())
    else:
        p = sheet.p.decode()
        sheet.insert_in_order(b"controls", (
            f'<mc:AlternateContent xmlns:mc="{NS_MC}"><mc:Choice xmlns:x14="{NS_X14}" '
            f'Requires="x14"><{p}controls>' + "".join(controls)
            + f"</{p}controls></mc:Choice></mc:AlternateContent>").encode(), WS_ORDER)
    pkg.put(part, b"".join(sheet.render()))


def _attrs(raw: bytes) -> list[tuple[bytes, bytes]]:
    return [(m.group(1), m.group(2) if m.group(2) is not None else m.group(3) or b"")
            for m in ATTR.finditer(raw)]


def _add_shapes(vml: bytes, first: int, last: int, shapes: str) -> bytes:
    """`vml` with the button shapes appended, the button shape type declared once and the
    drawing's id blocks covering the new shape ids."""
    end = vml.rfind(b"</xml>")
    if end < 0 or b"urn:schemas-microsoft-com:vml" not in vml:
        raise WorkbookError(bilingual("工作表的批注绘图不是 Excel 的 VML 格式",
                                      "the sheet's drawing is not Excel VML"))
    extra = shapes.encode()
    if b'id="_x0000_t201"' not in vml:
        extra = _SHAPETYPE.encode() + extra
    vml = vml[:end] + extra + vml[end:]
    needed = {first // 1024, last // 1024}
    m = re.search(rb'(<o:idmap\b[^>]*\bdata=")([\d,]*)(")', vml)
    if m is not None:
        have = {int(x) for x in m.group(2).split(b",") if x}
        if not needed <= have:
            data = ",".join(str(b) for b in sorted(have | needed)).encode()
            vml = vml[:m.start(2)] + data + vml[m.end(2):]
    return vml


def _anchor(col: int) -> tuple[int, int, int, int]:
    return col, 0, col + 2, 2  # from column, from row, to column, to row (0-based)


def _vml_shape(button: Button, spid: int, col: int, i: int) -> str:
    c1, r1, c2, r2 = _anchor(col)
    style = (f"position:absolute;margin-left:{c1 * _COL_PT}pt;margin-top:{r1 * _ROW_PT}pt;"
             f"width:{(c2 - c1) * _COL_PT}pt;height:{(r2 - r1) * _ROW_PT}pt;z-index:{i + 1};"
             "mso-wrap-style:tight")
    return (
        f'<v:shape id="_x0000_s{spid}" type="#_x0000_t201" style="{style}" o:button="t" '
        'fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
        '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
        '<o:lock v:ext="edit" rotation="t"/>'
        '<v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
        '<div style="text-align:center"><font face="Calibri" size="220" color="#000000">'
        f"{esc(button.caption)}</font></div></v:textbox>"
        f'<x:ClientData ObjectType="Button"><x:Anchor>{c1}, 0, {r1}, 0, {c2}, 0, {r2}, 0'
        "</x:Anchor><x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
        f"<x:FmlaMacro>[0]!{esc(button.macro)}</x:FmlaMacro>"
        "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign>"
        "</x:ClientData></v:shape>")


_SHAPETYPE = (
    '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
    '<o:lock v:ext="edit" shapetype="t"/></v:shapetype>')


def _vml(block: int) -> bytes:
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
        'office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        "</xml>").encode()


def _control(button: Button, spid: int, rid: str, col: int, i: int) -> str:
    c1, r1, c2, r2 = _anchor(col)

    def point(c: int, r: int) -> str:
        return (f"<xdr:col>{c}</xdr:col><xdr:colOff>0</xdr:colOff>"
                f"<xdr:row>{r}</xdr:row><xdr:rowOff>0</xdr:rowOff>")

    return (
        f'<mc:AlternateContent xmlns:mc="{NS_MC}"><mc:Choice xmlns:x14="{NS_X14}" '
        f'xmlns:xdr="{NS_XDR}" xmlns:r="{NS_REL}" Requires="x14">'
        f'<control shapeId="{spid}" r:id="{rid}" '
        f'name="Button {spid % 1024}"><controlPr defaultSize="0" print="0" autoFill="0" '
        'autoPict="0" '
        f'macro="[0]!{esc_attr(button.macro)}"><anchor moveWithCells="1">'
        f"<from>{point(c1, r1)}</from><to>{point(c2, r2)}</to></anchor></controlPr></control>"
        "</mc:Choice></mc:AlternateContent>")


def _config_xml(rows: Sequence[tuple[str, str, str]]) -> bytes:
    """The xlwings.conf sheet: keys in A from row 1 with no header (xlwings reads A1 down to the
    first blank), values in B, a note for people in C."""
    body = []
    for r, (key, value, note) in enumerate(rows, start=1):
        cells = b"".join(inline(b"", f"{column_letter(c)}{r}".encode(), 0, text)
                         for c, text in enumerate((key, value, note), start=1) if text)
        body.append(b'<row r="%d">%s</row>' % (r, cells))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheetPr codeName="{CONFIG_CODE_NAME}"/>'
        f'<dimension ref="A1:C{max(len(rows), 1)}"/><sheetViews><sheetView workbookViewId="0"/>'
        '</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>'
        '<col min="1" max="1" width="24" customWidth="1"/>'
        '<col min="2" max="2" width="60" customWidth="1"/>'
        '<col min="3" max="3" width="70" customWidth="1"/></cols><sheetData>'
    ).encode() + b"".join(body) + (
        b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        b'footer="0.3"/></worksheet>')


def stamp(raw: bytes, path: Path, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The package with every entry and the document properties' created/modified dates set to
    `date_time`, so that a build from the same sources gives the same bytes."""
    pkg = Package(raw, path)
    core = "docProps/core.xml"
    if pkg.has(core):
        fixed = "{:04d}-{:02d}-{:02d}T00:00:00Z".format(*date_time[:3]).encode()
        pkg.put(core, re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                             lambda m: m.group(1) + fixed, pkg.read(core)))
    return pkg.to_bytes(date_time)
