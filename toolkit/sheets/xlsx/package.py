"""The zip package: its parts, relationships and content types, and the workbook's sheet list."""

from __future__ import annotations

import io
import logging
import os
import posixpath
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import WorkbookError, bilingual
from toolkit.register import column_letter
from toolkit.sheets.xlsx.cells import parse_range
from toolkit.sheets.xlsx.edit import WorkbookEdit
from toolkit.sheets.xlsx.xmlscan import ATTR, Doc, El, children, esc_attr, unesc

log = logging.getLogger("toolkit.sheets")

NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_DOCUMENT = NS_REL + "/officeDocument"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_STYLES = NS_REL + "/styles"
REL_CALCCHAIN = NS_REL + "/calcChain"
REL_TABLE = NS_REL + "/table"
STRICT_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"


@dataclass
class Rel:
    id: str
    type: str
    target: str  # resolved part name, no leading slash
    external: bool


# Deflate level of the parts a write puts in the zip. 5 against zlib's default 6: a 113 MB
# register sheet (100,000 rows) deflates in 1.6 s instead of 2.7 s, into 15.4 MB instead of
# 15.1 MB (docs/performance.md).
_LEVEL = 5


class Package:
    """The zip parts, read lazily, with the replacements made so far."""

    def __init__(self, raw: bytes, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(raw))
        except (zipfile.BadZipFile, ValueError):
            raise WorkbookError(bilingual(
                "文件已损坏或不是 Excel 工作簿：请确认选对了文件；若能在 Excel 中打开，"
                "请另存为 .xlsx 后再运行",
                "the file is damaged or not an Excel workbook (not a valid .xlsx package)"),
                path=path) from None
        self.infos = self.zip.infolist()
        self.by_lower = {i.filename.lower(): i.filename for i in self.infos}
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.removed: set[str] = set()

    def has(self, name: str) -> bool:
        return name.lower() in self.by_lower or name in self.added

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        if name in self.added:
            return self.added[name]
        real = self.by_lower.get(name.lower())
        if real is None:
            raise WorkbookError(bilingual(
                f"工作簿文件里缺少 {name}：请在 Excel 中打开工作簿并重新保存后再运行",
                f"the workbook has no part {name}; open it in Excel and save it again"),
                path=self.path)
        try:
            return self.zip.read(real)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise WorkbookError(bilingual(
                f"工作簿文件里的 {name} 已损坏：请在 Excel 中打开工作簿并重新保存后再运行",
                f"the part {name} is damaged ({e}); open the workbook in Excel "
                "and save it again"), path=self.path) from None

    def put(self, name: str, data: bytes) -> None:
        real = self.by_lower.get(name.lower())
        if real is not None:
            self.changed[real] = data
        else:
            self.added[name] = data

    def remove(self, name: str) -> None:
        real = self.by_lower.get(name.lower())
        if real is not None:
            self.removed.add(real)

    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> tuple[Doc | None, list[Rel]]:
        name = self.rels_name(part)
        if not self.has(name):
            return None, []
        doc = Doc(self.read(name), name, b"Relationships")
        out = []
        for el in doc.all(b"Relationship"):
            rid, rtype, target = (unesc(el.attr(a) or b"") for a in (b"Id", b"Type", b"Target"))
            external = (el.attr(b"TargetMode") or b"") == b"External"
            if not external:
                base = "" if target.startswith("/") else posixpath.dirname(part)
                target = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
            out.append(Rel(rid, rtype, target, external))
        return doc, out

    def write(self, tmp: Path) -> None:
        now = time.localtime()[:6]
        with tmp.open("xb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as out:
                for info in self.infos:
                    if info.filename in self.removed:
                        continue
                    data = self.changed.get(info.filename)
                    if data is None:
                        data = self.read(info.filename)
                    zi = zipfile.ZipInfo(info.filename, info.date_time)
                    zi.compress_type = (zipfile.ZIP_STORED if info.compress_type ==
                                        zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED)
                    zi.external_attr = info.external_attr
                    out.writestr(zi, data, compresslevel=_LEVEL)
                for name, data in self.added.items():
                    zi = zipfile.ZipInfo(name, now)
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(zi, data, compresslevel=_LEVEL)
                out.comment = self.zip.comment
            fh.flush()
            os.fsync(fh.fileno())

    def to_bytes(self, date_time: tuple[int, int, int, int, int, int]) -> bytes:
        """The package as zip bytes with every entry stamped `date_time`, for a build that must
        give the same bytes each time (the .xlsm template)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            names = [i.filename for i in self.infos if i.filename not in self.removed]
            for name in names + list(self.added):
                zi = zipfile.ZipInfo(name, date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(zi, self.read(name))
        return out.getvalue()


@dataclass
class SheetRef:
    name: str
    sheet_id: int
    rel_id: str
    part: str | None  # None when the relationship is missing
    element: El


def sheet_refs(book: Doc, rels: list[Rel]) -> list[SheetRef]:
    sheets_el = book.kid(b"sheets")
    if sheets_el is None:
        raise WorkbookError(bilingual(
            "工作簿里没有列出任何工作表：请在 Excel 中打开工作簿并重新保存后再运行",
            "the workbook lists no sheets; open it in Excel and save it again"))
    by_id = {r.id: r for r in rels}
    out = []
    for el in children(book.xml, sheets_el.tag_end, sheets_el.inner_end):
        if el.local != b"sheet":
            continue
        rid = sheet_rel_id(book, sheets_el, el)
        rel = by_id.get(rid)
        out.append(SheetRef(unesc(el.attr(b"name") or b""), int(el.attr(b"sheetId") or 0),
                             rid, rel.target if rel and rel.type == REL_WORKSHEET else None, el))
    return out


def sheet_rel_id(book: Doc, sheets_el: El, el: El) -> str:
    """The r:id of a <sheet>, whatever prefix the file binds the relationships namespace to
    and wherever it declares it (openpyxl and some Open XML SDK programs declare it on each
    <sheet>, tealeg/xlsx calls it ns:)."""
    scope = book.scope(sheets_el, el)
    for m in ATTR.finditer(el.attrs):
        prefix, _, local = m.group(1).decode().rpartition(":")
        if local == "id" and prefix and prefix != "xmlns" and scope.get(prefix) == NS_REL:
            return unesc(m.group(2) if m.group(2) is not None else m.group(3) or b"")
    return ""


def find_sheet(sheets: list[SheetRef], name: str) -> SheetRef | None:
    # Excel treats sheet names case-insensitively.
    return next((s for s in sheets if s.name == name), None) or next(
        (s for s in sheets if s.name.casefold() == name.casefold()), None)


def add_sheet(pkg: Package, book: Doc, book_part: str, rels: list[Rel],
              sheets: list[SheetRef], name: str, xml: bytes) -> bytes:
    """Add a worksheet part after the existing sheets; return its <sheet> entry."""
    folder = posixpath.dirname(book_part)
    n = 1
    while pkg.has(posixpath.join(folder, f"worksheets/sheet{n}.xml")):
        n += 1
    part = posixpath.join(folder, f"worksheets/sheet{n}.xml")
    pkg.put(part, xml)
    used = {r.id for r in rels}
    k = len(used) + 1
    while f"rId{k}" in used:
        k += 1
    rid = f"rId{k}"
    rels.append(Rel(rid, REL_WORKSHEET, part, False))
    rels_name = pkg.rels_name(book_part)
    rels_doc = Doc(pkg.read(rels_name), rels_name, b"Relationships")
    p = _child_prefix(rels_doc, NS_PKG_REL)
    rels_doc.insert(rels_doc.root.inner_end, (
        f'<{p}Relationship Id="{rid}" Type="{REL_WORKSHEET}" '
        f'Target="worksheets/sheet{n}.xml"/>').encode())
    pkg.put(rels_name, b"".join(rels_doc.render()))
    types = Doc(pkg.read("[Content_Types].xml"), "[Content_Types].xml", b"Types")
    p = _child_prefix(types, NS_TYPES)
    types.insert(types.root.inner_end, (f'<{p}Override PartName="/{part}" '
                                        f'ContentType="{CT_WORKSHEET}"/>').encode())
    pkg.put("[Content_Types].xml", b"".join(types.render()))
    sheet_id = max((s.sheet_id for s in sheets), default=0) + 1
    sheets.append(SheetRef(name, sheet_id, rid, part, book.root))
    sheets_el = book.kid(b"sheets")
    assert sheets_el is not None
    p = _child_prefix(book, book.namespace(), sheets_el)
    # The relationships prefix as the file spells it where the entry goes; where the file
    # declares it only on each <sheet> (openpyxl), or not at all, the entry declares it too.
    r = book.attribute_prefix(NS_REL, sheets_el)
    declare = "" if r else f' xmlns:r="{NS_REL}"'
    return (f'<{p}sheet{declare} name="{esc_attr(name)}" sheetId="{sheet_id}" '
            f'{r or "r"}:id="{rid}"/>').encode()


def _child_prefix(doc: Doc, ns: str, *path: El) -> str:
    """The prefix (with colon) a new element of namespace `ns` takes inside the last element of
    `path` (the root when empty), spelled as the file spells it."""
    p = doc.element_prefix(ns, *path)
    if p is None:
        where = path[-1].local.decode() if path else doc.root.local.decode()
        raise WorkbookError(bilingual(
            f"无法修改工作簿文件里的 {doc.part}：它的 <{where}> 不在标准的命名空间里，"
            "请在 Excel 中打开工作簿并重新保存后再运行",
            f"cannot edit the part {doc.part}: its <{where}> element is not in the "
            "namespace Excel uses; open the workbook in Excel and save it again"))
    return p.decode()


def drop_calc_chain(pkg: Package, book_part: str, rels_doc: Doc | None,
                    rels: list[Rel]) -> None:
    """Remove the calculation chain after a formula cell was overwritten: a chain naming a cell
    without a formula makes Excel "repair" the file, a missing one is simply rebuilt."""
    chain = next((r for r in rels if r.type == REL_CALCCHAIN), None)
    if chain is None or rels_doc is None:
        return
    pkg.remove(chain.target)
    rels_name = pkg.rels_name(book_part)
    current = Doc(pkg.read(rels_name), rels_name, b"Relationships")
    for el in current.all(b"Relationship"):
        if unesc(el.attr(b"Type") or b"") == REL_CALCCHAIN:
            current.replace(el, b"")
    pkg.put(rels_name, b"".join(current.render()))
    types = Doc(pkg.read("[Content_Types].xml"), "[Content_Types].xml", b"Types")
    for el in types.all(b"Override"):
        if unesc(el.attr(b"PartName") or b"").lstrip("/").lower() == chain.target.lower():
            types.replace(el, b"")
    pkg.put("[Content_Types].xml", b"".join(types.render()))
    log.info("removed the calculation chain (Excel rebuilds it) after overwriting a formula")


def guard_table_headers(pkg: Package, part: str, edit: WorkbookEdit) -> None:
    """A table's header cells must match its column names, or Excel repairs the file."""
    _, rels = pkg.rels(part)
    for rel in rels:
        if rel.type != REL_TABLE or rel.external or not pkg.has(rel.target):
            continue
        table = Doc(pkg.read(rel.target), rel.target, b"table")
        box = parse_range((table.root.attr(b"ref") or b"").decode())
        if box is None or (table.root.attr(b"headerRowCount") or b"1") == b"0":
            continue
        r1, c1, _, c2 = box
        for c in edit.columns:
            if c1 <= c.column <= c2 and r1 in c.values:
                name = unesc(table.root.attr(b"displayName") or table.root.attr(b"name") or b"")
                cell = f"{column_letter(c.column)}{r1}"
                raise WorkbookError(bilingual(
                    f"无法写入表头单元格 {cell}：它属于表格「{name}」，请改在 Excel 中修改该列标题",
                    f"cannot write the header cell {cell}: it belongs to the table {name}; "
                    "rename the column in Excel instead"), path=pkg.path)

