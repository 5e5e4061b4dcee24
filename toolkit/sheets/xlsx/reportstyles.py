"""Cell formats for a report sheet, appended to the workbook's style sheet: existing style
indexes never move, and a re-run reuses the formats it added before (docs/statistics.md)."""

from __future__ import annotations

import re

from toolkit.sheets.xlsx.reportspec import CellStyle
from toolkit.sheets.xlsx.styles import Styles, color

BORDER_COLOR = b"FFBFBFBF"
# Children of font 0 that a report font keeps: the typeface and its family, script, scheme.
_FONT_KEEP = re.compile(rb"<(?:[\w.-]+:)?(?:name|family|charset|scheme)\b[^>]*?/>")
_FONT_SIZE = re.compile(rb'<(?:[\w.-]+:)?sz\s+val="([^"]+)"')


class ReportStyles:
    """CellStyle -> cellXfs index, each distinct style added once."""

    def __init__(self, styles: Styles) -> None:
        self.styles, self.p = styles, styles.p
        self.cache: dict[CellStyle, int] = {}
        font0 = styles.first(b"fonts") or b""
        self.font_keep = b"".join(_FONT_KEEP.findall(font0))
        m = _FONT_SIZE.search(font0)
        self.default_size = m.group(1).decode() if m else "11"

    def xf(self, style: CellStyle | None) -> int:
        if style is None:
            return 0
        if style not in self.cache:
            self.cache[style] = self._add_xf(style)
        return self.cache[style]

    def _el(self, name: str, attrs: str = "", inner: bytes | None = None) -> bytes:
        p = self.p.decode()
        head = f"<{p}{name}{attrs}"
        if inner is None:
            return (head + "/>").encode()
        return head.encode() + b">" + inner + f"</{p}{name}>".encode()

    def _add_xf(self, s: CellStyle) -> int:
        styles = self.styles
        font = self._el("font", inner=b"".join([
            self._el("b") if s.bold else b"",
            self._el("i") if s.italic else b"",
            self._el("sz", f' val="{s.size if s.size is not None else self.default_size}"'),
            self._el("color", f' rgb="{color(s.color).decode()}"') if s.color else b"",
            self.font_keep,
        ]))
        font_id = styles.add(b"fonts", font)
        fill_id = 0
        if s.fill:
            fill_id = styles.add(b"fills", self._el("fill", inner=self._el(
                "patternFill", ' patternType="solid"',
                self._el("fgColor", f' rgb="{color(s.fill).decode()}"')
                + self._el("bgColor", ' indexed="64"'))))
        border_id = 0
        if s.border:
            line = self._el("color", f' rgb="{BORDER_COLOR.decode()}"')
            sides = b"".join(self._el(side, ' style="thin"', line)
                             for side in ("left", "right", "top", "bottom"))
            border_id = styles.add(b"borders", self._el("border", inner=sides
                                                        + self._el("diagonal")))
        fmt = styles.num_fmt_id(s.num_fmt) if s.num_fmt else 0
        attrs = (f' numFmtId="{fmt}" fontId="{font_id}" fillId="{fill_id}"'
                 f' borderId="{border_id}" xfId="0" applyFont="1"'
                 + (' applyNumberFormat="1"' if fmt else "")
                 + (' applyFill="1"' if fill_id else "")
                 + (' applyBorder="1"' if border_id else ""))
        align = ""
        if s.align:
            align += f' horizontal="{s.align}"'
        if s.wrap:
            align += ' wrapText="1"'
        if align:
            return styles.add(b"cellXfs", self._el(
                "xf", attrs + ' applyAlignment="1"', self._el("alignment", ' vertical="center"'
                                                              + align)))
        return styles.add(b"cellXfs", self._el("xf", attrs))
