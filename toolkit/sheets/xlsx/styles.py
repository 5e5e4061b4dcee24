"""The style sheet editor: only ever appended to, so every existing style index stays valid."""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.errors import WorkbookError, bilingual
from toolkit.sheets.xlsx.xmlscan import (
    START_TAG,
    Doc,
    El,
    attr,
    children,
    esc_attr,
    set_attrs,
    unesc,
)

STYLE_ORDER = tuple(x.encode() for x in (
    "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors "
    "extLst").split())

_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                    "0.00%": 10, "0.00E+00": 11, "@": 49}
_BUILTIN_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
LINK_COLOR = b"FF0563C1"  # Excel's hyperlink blue


class Styles:
    def __init__(self, xml: bytes, part: str, path: Path | None = None) -> None:
        self.path = path  # the workbook, for messages
        self.doc = Doc(xml, part, b"styleSheet")
        self.p = self.doc.p
        self.items = {c: self._items(c) for c in (b"numFmts", b"fonts", b"fills", b"borders",
                                                   b"cellXfs", b"dxfs")}
        self.new: dict[bytes, list[bytes]] = {c: [] for c in self.items}
        self.formats: dict[str, int] = {}
        for el in self.items[b"numFmts"]:
            m = START_TAG.match(el)
            if m:
                code, fid = attr(m.group(2), b"formatCode"), attr(m.group(2), b"numFmtId")
                if code is not None and fid is not None and fid.isdigit():
                    self.formats.setdefault(unesc(code), int(fid))
        self.codes = {v: k for k, v in self.formats.items()}
        self.cache: dict[tuple[object, ...], int] = {}
        self.norms: dict[bytes, list[bytes]] = {}

    def _items(self, container: bytes) -> list[bytes]:
        """The entries of a list, each as Excel counts it: an mc:AlternateContent (Hancom
        Hancell wraps fonts and cell formats in them) is one entry, read as its Fallback."""
        el = self.doc.kid(container)
        if el is None:
            return []
        xml = self.doc.xml
        return [_chosen(xml, k) for k in children(xml, el.tag_end, el.inner_end)]

    def _count(self, container: bytes) -> int:
        return len(self.items[container]) + len(self.new[container])

    def _all(self, container: bytes) -> list[bytes]:
        return self.items[container] + self.new[container]

    def _add(self, container: bytes, item: bytes) -> int:
        """Append `item`, or reuse an identical one (a re-run adds no style twice)."""
        if container != b"numFmts":
            if container not in self.norms:
                self.norms[container] = [_normalise_xml(x) for x in self._all(container)]
            norm = _normalise_xml(item)
            if norm in self.norms[container]:
                return self.norms[container].index(norm)
            self.norms[container].append(norm)
        self.new[container].append(item)
        return self._count(container) - 1

    def add(self, container: bytes, item: bytes) -> int:
        """Append a font, fill, border or cell format (reusing an identical one): its index.
        Used by the report-sheet writer, which composes its own styles (reportstyles.py)."""
        return self._add(container, item)

    def first(self, container: bytes) -> bytes | None:
        """The first existing item of a container (font 0 is the workbook's default font)."""
        items = self._all(container)
        return items[0] if items else None

    def _xf_attr(self, index: int, name: bytes) -> bytes | None:
        xfs = self._all(b"cellXfs")
        m = START_TAG.match(xfs[index]) if 0 <= index < len(xfs) else None
        return attr(m.group(2), name) if m else None

    def num_fmt_id(self, code: str) -> int:
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        if code not in self.formats:
            fid = max([163, *self.formats.values()]) + 1
            self.formats[code] = fid
            self.codes[fid] = code
            self._add(b"numFmts", f'<{self.p.decode()}numFmt numFmtId="{fid}" '
                                  f'formatCode="{esc_attr(code)}"/>'.encode())
        return self.formats[code]

    def is_date(self, index: int) -> bool:
        return self._is_date_format(self._xf_attr(index, b"numFmtId"))

    def _is_date_format(self, fid: bytes | None) -> bool:
        if fid is None or not fid.isdigit():
            return False
        if int(fid) in _BUILTIN_DATE_IDS:
            return True
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", self.codes.get(int(fid), ""))
        return bool(re.search(r"[ymdhs]", code, re.I))

    def date_styles(self) -> list[bool]:
        """Whether each cell format shows a date, as Excel counts the formats."""
        return [self.is_date(i) for i in range(len(self.items[b"cellXfs"]))]

    def date_styles_as_calamine_counts(self) -> list[bool]:
        """The same as python-calamine counts the formats: every <xf> inside cellXfs, the
        Choice and the Fallback of an mc:AlternateContent both, so that every format after
        one is shifted."""
        el = self.doc.kid(b"cellXfs")
        if el is None or el.closed:
            return []
        xml = self.doc.xml
        out = []
        for m in START_TAG.finditer(xml, el.tag_end, el.inner_end):
            if m.group(1).rpartition(b":")[2] == b"xf":
                out.append(self._is_date_format(attr(m.group(2), b"numFmtId")))
        return out

    def xf(self, base: int, *, num_fmt: int | None = None, font: int | None = None) -> int:
        """A cell style like `base` with the number format and/or font replaced; reuses `base`
        when it already is so, and each variant is added once."""
        xfs = self._all(b"cellXfs")
        if not xfs:
            raise self._no_cell_formats()
        base = base if 0 <= base < len(xfs) else 0
        want: dict[str, bytes | None] = {}
        if num_fmt is not None and self._xf_attr(base, b"numFmtId") != str(num_fmt).encode():
            want.update(numFmtId=str(num_fmt).encode(), applyNumberFormat=b"1")
        if font is not None and self._xf_attr(base, b"fontId") != str(font).encode():
            want.update(fontId=str(font).encode(), applyFont=b"1")
        if not want:
            return base
        key = (base, num_fmt, font)
        if key not in self.cache:
            self.cache[key] = self._add(b"cellXfs", set_attrs(xfs[base], **want))
        return self.cache[key]

    def _no_cell_formats(self) -> WorkbookError:
        part = self.doc.part
        if not self.doc.kids:
            return WorkbookError(bilingual(
                f"工作簿的样式表 {part} 是空的（<styleSheet/> 里没有字体、填充、边框，也没有"
                "单元格格式 cellXfs），写入的日期和表头无处设置格式：请在 Excel 中打开工作簿"
                "并重新保存（Excel 会写出完整的样式表）后再运行",
                f"the style sheet {part} is empty (an empty <styleSheet/>: no fonts, fills, "
                "borders or cell formats), so written dates and headers have no format to "
                "take; open the workbook in Excel and save it again (Excel writes a full "
                "style sheet)"), path=self.path)
        return WorkbookError(bilingual(
            f"工作簿的样式表 {part} 里没有单元格格式（cellXfs）：请在 Excel 中打开工作簿"
            "并重新保存后再运行",
            f"the style sheet {part} has no cell formats (cellXfs); open the workbook in "
            "Excel and save it again"), path=self.path)

    def font(self, kind: str) -> int:
        """Font 0 made bold ("bold") or made a blue underlined link ("link")."""
        key = ("font", kind)
        if key in self.cache:
            return self.cache[key]
        fonts = self.items[b"fonts"]
        p = self.p
        base = fonts[0] if fonts else b"<" + p + b"font/>"
        m = START_TAG.match(base)
        assert m is not None
        inner = b"" if m.group(3) else base[m.end(): base.rfind(b"</")]
        if kind == "bold":
            inner = b"<" + p + b"b/>" + inner
        else:
            inner = re.sub(rb"<(?:[\w.-]+:)?(?:color|u)\b[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?"
                           rb"(?:color|u)>)", b"", inner, flags=re.S)
            inner = b"<" + p + b"u/>" + inner + b"<" + p + b'color rgb="' + LINK_COLOR + b'"/>'
        font = b"<" + m.group(1) + m.group(2) + b">" + inner + b"</" + m.group(1) + b">"
        self.cache[key] = self._add(b"fonts", font)
        return self.cache[key]

    def dxf(self, fill: str, font_color: str | None) -> int:
        """The differential format of a highlight, shared with an identical existing one."""
        p = self.p
        parts = [b"<" + p + b"dxf>"]
        if font_color:
            parts.append(b"<%sfont><%scolor rgb=\"%s\"/></%sfont>"
                         % (p, p, color(font_color), p))
        parts.append(b"<%sfill><%spatternFill><%sbgColor rgb=\"%s\"/></%spatternFill></%sfill>"
                     % (p, p, p, color(fill), p, p))
        parts.append(b"</" + p + b"dxf>")
        return self._add(b"dxfs", b"".join(parts))

    def render(self) -> bytes | None:
        if not any(self.new.values()):
            return None
        doc, p = self.doc, self.p
        for container, items in self.new.items():
            if not items:
                continue
            count = str(self._count(container)).encode()
            el = doc.kid(container)
            if el is None:
                doc.insert_in_order(container, b"<%s%s count=\"%s\">%s</%s%s>" % (
                    p, container, count, b"".join(items), p, container), STYLE_ORDER)
            elif el.closed:
                start = set_attrs(doc.text(el), count=count)
                doc.replace(el, start[:-2].rstrip() + b">" + b"".join(items)
                            + b"</" + el.qname + b">")
            else:
                start = set_attrs(doc.xml[el.start:el.tag_end], count=count)
                doc.splices.append((el.start, el.tag_end, start))
                doc.insert(el.inner_end, b"".join(items))
        return b"".join(doc.render())


def _chosen(xml: bytes, el: El) -> bytes:
    """An entry as a reader that knows no extensions takes it: an mc:AlternateContent's
    Fallback content (else its first Choice's), any other element as it is."""
    if el.local != b"AlternateContent" or el.closed:
        return xml[el.start:el.end]
    branches = children(xml, el.tag_end, el.inner_end)
    for branch in sorted(branches, key=lambda b: b.local != b"Fallback"):
        inner = children(xml, branch.tag_end, branch.inner_end)
        if inner:
            return xml[inner[0].start:inner[0].end]
    return xml[el.start:el.end]


def _normalise_xml(item: bytes) -> bytes:
    item = re.sub(rb">\s+<", b"><", item.strip())
    return re.sub(rb"(</?)[\w.-]+:", rb"\1", item)


def color(text: str) -> bytes:
    hexa = text.lstrip("#").upper()
    if not re.fullmatch(r"[0-9A-F]{6}|[0-9A-F]{8}", hexa):
        raise WorkbookError(bilingual(f"「{text}」不是颜色值：请写 FFC7CE 这样的十六进制颜色",
                                      f"{text!r} is not a colour (expected hex like FFC7CE)"))
    return (hexa if len(hexa) == 8 else "FF" + hexa).encode()
