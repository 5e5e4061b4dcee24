"""What python-calamine is given to read, and the two places it needs help (docs/verification.md).

- An Excel 4.0 macro sheet (xl/macrosheets/, in old .xlsm files) makes calamine refuse the
  whole workbook ("Unrecognized sheet:type"). It is read past: calamine gets a copy of the
  package whose sheet list leaves the macro and dialog sheets out; the register is elsewhere.
- Hancom Hancell wraps some cell formats in mc:AlternateContent; calamine counts the Choice
  and the Fallback both, so every format after the first wrapper is shifted and a date cell
  can read as a number (or a number as a date). The cells concerned are read from the XML.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import python_calamine as calamine
from defusedxml import DefusedXmlException, ElementTree

from toolkit.errors import ToolkitError
from toolkit.register import CellValue
from toolkit.sheets.xlsx.cells import REF_RE, column_number
from toolkit.sheets.xlsx.package import sheet_rel_id
from toolkit.sheets.xlsx.styles import Styles
from toolkit.sheets.xlsx.xmlscan import START_TAG, Doc, attr, children

log = logging.getLogger("toolkit.sheets")

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_REL = "{" + _REL + "}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Sheet kinds calamine refuses to open a workbook with.
_UNREADABLE = ("/xlMacrosheet", "/xlIntlMacrosheet", "/dialogsheet")


@dataclass
class BookInfo:
    """What the workbook part and its relationships say, read with a namespace-aware parser."""

    book_part: str = "xl/workbook.xml"
    date1904: bool = False
    sheet_parts: dict[str, str] = field(default_factory=dict)  # worksheet name -> zip part
    styles_part: str | None = None
    unreadable: dict[str, str] = field(default_factory=dict)  # macro/dialog sheet -> rel id
    misread: dict[int, bool] = field(default_factory=dict)  # see misread_styles

    @classmethod
    def of(cls, z: zipfile.ZipFile) -> BookInfo:
        info = cls()
        lower = {n.lower(): n for n in z.namelist()}
        try:
            root_rels = ElementTree.fromstring(z.read(lower.get("_rels/.rels", "_rels/.rels")))
            target = next((r.get("Target") for r in root_rels.iter(f"{_NS_PKG}Relationship")
                           if (r.get("Type") or "").endswith("/officeDocument")), None)
            if target:
                info.book_part = lower.get(resolve_target("", target).lower(), info.book_part)
            book = ElementTree.fromstring(z.read(info.book_part))
            rels_name = posixpath.join(posixpath.dirname(info.book_part), "_rels",
                                       posixpath.basename(info.book_part) + ".rels")
            rels = ElementTree.fromstring(z.read(lower.get(rels_name.lower(), rels_name)))
        except (KeyError, ElementTree.ParseError, DefusedXmlException, zipfile.BadZipFile,
                OSError, EOFError, ValueError, zlib.error):
            return info  # calamine's own error says more than a guess here would
        by_id = {r.get("Id"): r for r in rels.iter(f"{_NS_PKG}Relationship")}
        pr = book.find(f"{_NS_MAIN}workbookPr")
        info.date1904 = pr is not None and (pr.get("date1904") or "") in ("1", "true")
        for rel in by_id.values():
            if (rel.get("Type") or "").endswith("/styles"):
                info.styles_part = lower.get(
                    resolve_target(info.book_part, rel.get("Target") or "").lower())
        for sheet in book.iter(f"{_NS_MAIN}sheet"):
            rid = sheet.get(f"{_NS_REL}id")
            rel = by_id.get(rid)
            if rel is None or rid is None:
                continue
            kind = rel.get("Type") or ""
            name = sheet.get("name") or ""
            if kind.endswith(_UNREADABLE):
                info.unreadable[name] = rid
            elif kind.endswith("/worksheet"):
                part = resolve_target(info.book_part, rel.get("Target") or "")
                info.sheet_parts[name] = lower.get(part.lower(), part)
        info.misread = misread_styles(z, info)
        return info


def resolve_target(source: str, target: str) -> str:
    """The part a relationship's Target names, as seen from the part `source`."""
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def open_book(path: Path) -> tuple[calamine.CalamineWorkbook, BookInfo]:
    """calamine's reading of the workbook at `path`, and what its workbook part says. Macro and
    dialog sheets are left out of calamine's view (it refuses them); everything else is read
    from the file itself."""
    with zipfile.ZipFile(path) as z:
        info = BookInfo.of(z)
        if not info.unreadable:
            return calamine.CalamineWorkbook.from_path(str(path)), info
        log.info("%s: reading past the Excel 4.0 macro or dialog sheet(s) %s", path,
                 ", ".join(info.unreadable))
        view = _without_sheets(z, info)
    return calamine.CalamineWorkbook.from_filelike(io.BytesIO(view)), info


def _without_sheets(z: zipfile.ZipFile, info: BookInfo) -> bytes:
    """A copy of the package whose sheet list leaves out the sheets calamine refuses."""
    book = Doc(z.read(info.book_part), info.book_part, b"workbook")
    sheets = book.kid(b"sheets")
    hide = set(info.unreadable.values())
    if sheets is not None:
        for el in children(book.xml, sheets.tag_end, sheets.inner_end):
            if el.local == b"sheet" and sheet_rel_id(book, sheets, el) in hide:
                book.replace(el, b"")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for item in z.infolist():
            if item.filename.endswith("/"):
                continue
            data = (b"".join(book.render()) if item.filename == info.book_part
                    else z.read(item.filename))
            copy.writestr(item.filename, data)
    return out.getvalue()


# -- cells calamine reads with a shifted cell format ---------------------------------------


def misread_styles(z: zipfile.ZipFile, info: BookInfo) -> dict[int, bool]:
    """Cell format indices whose date-ness calamine gets wrong, with the right answer."""
    if info.styles_part is None:
        return {}
    try:
        xml = z.read(info.styles_part)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return {}  # a damaged style sheet is reported by whoever reads it next
    if b"AlternateContent" not in xml:
        return {}
    try:
        styles = Styles(xml, info.styles_part)
    except ToolkitError:
        return {}
    right, seen = styles.date_styles(), styles.date_styles_as_calamine_counts()
    return {i: is_date for i, is_date in enumerate(right)
            if is_date != (seen[i] if i < len(seen) else False)}


_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s>/]")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)<")


def corrections(path: Path, info: BookInfo, sheet: str) -> dict[tuple[int, int], CellValue]:
    """(row, column) (1-based) -> the right value, for the number cells of `sheet` that
    calamine reads through a shifted cell format. Empty for nearly every workbook."""
    wrong = info.misread
    part = info.sheet_parts.get(sheet)
    if not wrong or part is None:
        return {}
    with zipfile.ZipFile(path) as z:
        xml = z.read(part)
    out: dict[tuple[int, int], CellValue] = {}
    for m in _CELL.finditer(xml):
        tag = START_TAG.match(xml, m.start())
        if tag is None:
            continue
        s = attr(tag.group(2), b"s")
        if s is None or not s.isdigit() or int(s) not in wrong:
            continue
        if (attr(tag.group(2), b"t") or b"n") != b"n" or tag.group(3):
            continue
        ref = REF_RE.fullmatch((attr(tag.group(2), b"r") or b"").decode())
        end = _CELL_END.search(xml, tag.end()) if ref else None
        v = _VALUE.search(xml, tag.end(), end.start()) if end else None  # after any <f>
        if ref is None or v is None:
            continue
        try:
            serial = float(v.group(1))
        except ValueError:
            continue
        key = (int(ref.group(2)), column_number(ref.group(1)))
        out[key] = from_serial(serial, info.date1904) if wrong[int(s)] else serial
    return out


def from_serial(serial: float, date1904: bool) -> datetime | float:
    """The date Excel shows for a serial in a date format (the serial itself if out of range)."""
    if not 0 <= serial < 2958466:
        return serial
    if date1904:
        return datetime(1904, 1, 1) + timedelta(seconds=round(serial * 86400))
    # Serials below 61 count the 29 February 1900 that never was.
    base = datetime(1899, 12, 31) if serial < 61 else datetime(1899, 12, 30)
    return base + timedelta(seconds=round(serial * 86400))


def apply_corrections(rows: list[list[Any]], fixes: dict[tuple[int, int], CellValue]) -> None:
    """Put the corrected values into rows as the reader holds them (row 1 at index 0)."""
    for (r, c), value in fixes.items():
        if r - 1 < len(rows):
            row = rows[r - 1]
            if c - 1 >= len(row):
                row.extend([""] * (c - len(row)))
            row[c - 1] = value
