"""The style sheet editor: only ever appended to, so every existing style index stays valid."""

from __future__ import annotations

import re

from toolkit.errors import WorkbookError, bilingual
from toolkit.sheets.xlsx.xmlscan import START_TAG, Doc, attr, children, esc_attr, set_attrs, unesc

STYLE_ORDER = tuple(x.encode() for x in (
    "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors "
    "extLst").split())

_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                    "0.00%": 10, "0.00E+00": 11, "@": 49}
_BUILTIN_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
LINK_COLOR = b"FF0563C1"  # Excel's hyperlink blue


class Styles:
    def __init__(self, xml: bytes, part: str) -> None:
        self.doc = Doc(xml, part, b"styleSheet")
        self.p = self.doc.p
        self.items = {c: self._items(c) for c in (b"numFmts", b"fonts", b"cellXfs", b"dxfs")}
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
        el = self.doc.kid(container)
        if el is None:
            return []
        xml = self.doc.xml
        return [xml[k.start:k.end] for k in children(xml, el.tag_end, el.inner_end)]

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
        fid = self._xf_attr(index, b"numFmtId")
        if fid is None or not fid.isdigit():
            return False
        if int(fid) in _BUILTIN_DATE_IDS:
            return True
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", self.codes.get(int(fid), ""))
        return bool(re.search(r"[ymdhs]", code, re.I))

    def xf(self, base: int, *, num_fmt: int | None = None, font: int | None = None) -> int:
        """A cell style like `base` with the number format and/or font replaced; reuses `base`
        when it already is so, and each variant is added once."""
        xfs = self._all(b"cellXfs")
        if not xfs:
            raise WorkbookError(bilingual(
                "样式表里没有单元格格式：请在 Excel 中打开工作簿并重新保存后再运行",
                "the style sheet has no cell formats; open the workbook in "
                "Excel and save it again"))
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


def _normalise_xml(item: bytes) -> bytes:
    item = re.sub(rb">\s+<", b"><", item.strip())
    return re.sub(rb"(</?)[\w.-]+:", rb"\1", item)


def color(text: str) -> bytes:
    hexa = text.lstrip("#").upper()
    if not re.fullmatch(r"[0-9A-F]{6}|[0-9A-F]{8}", hexa):
        raise WorkbookError(bilingual(f"「{text}」不是颜色值：请写 FFC7CE 这样的十六进制颜色",
                                      f"{text!r} is not a colour (expected hex like FFC7CE)"))
    return (hexa if len(hexa) == 8 else "FF" + hexa).encode()
