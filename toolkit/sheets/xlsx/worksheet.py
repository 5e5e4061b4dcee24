"""The register sheet editor: written cells, column widths, the dimension, highlights."""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import date, datetime
from itertools import islice

from toolkit.errors import WorkbookError, bilingual
from toolkit.register import CellValue, column_letter
from toolkit.sheets.xlsx.cells import (
    TEMPORAL,
    column_number,
    inline,
    inline_cell,
    inline_text,
    number,
    parse_range,
    temporal,
)
from toolkit.sheets.xlsx.edit import ColumnWrite, Highlight
from toolkit.sheets.xlsx.sheetdata import SheetData
from toolkit.sheets.xlsx.styles import Styles
from toolkit.sheets.xlsx.xmlscan import (
    START_TAG,
    Doc,
    El,
    attr,
    children,
    esc,
    esc_attr,
    set_attrs,
    unesc,
)

WS_ORDER = tuple(x.encode() for x in (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
    "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins "
    "pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors "
    "smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls "
    "webPublishItems tableParts extLst").split())


def excel_width(width: float) -> float:
    """The stored width that Excel shows as `width` characters (as XlsxWriter computes it for
    the default 11-point font: the shown width excludes Excel's 5-pixel padding)."""
    if width <= 0:
        return 0.0
    pixels = int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)
    return int(pixels / 7 * 256) / 256


class Worksheet:
    """One worksheet part and the edits made to it so far (rendered by `doc`)."""

    def __init__(self, xml: bytes, part: str, styles: Styles, date1904: bool) -> None:
        self.doc = Doc(xml, part, b"worksheet", jump=frozenset({b"sheetData"}))
        sd = self.doc.kid(b"sheetData")
        if sd is None:
            raise WorkbookError(bilingual(
                f"工作簿文件里的 {part} 没有单元格数据（sheetData）："
                "请在 Excel 中打开工作簿并重新保存后再运行",
                f"the part {part} holds no cells (sheetData); open the workbook "
                "in Excel and save it again"))
        self.sd = sd
        self.p = self.doc.p  # elements under the root: cols, conditional formats
        self.cp = self._row_prefix(sd)
        self.scan = SheetData(self.doc.xml, self.cp, part, sd)
        self.styles, self.date1904 = styles, date1904
        self.overwrote_formula = False
        self.part = part
        self.cols = self._col_entries()
        self.col_styles: dict[int, int] = {}  # column -> its <col> style, as looked up so far
        self.written: dict[int, set[int]] = {}
        self.letters: dict[int, bytes] = {}
        self.unnumbered_cells = False
        # Cell references in document order, to find where a cell goes inside a row without
        # parsing every cell of it (only used when every cell carries r=, as Excel writes).
        self.cell_ref = re.compile(re.escape(b"<" + self.cp + b"c") + rb' r="([A-Z]{1,3})\d+"')
        self.columns_of: dict[bytes, int] = {}
        self.like: dict[tuple[int, int], int] = {}  # (row, column) -> column to copy style from
        self.like_rows: set[int] = set()
        self.date_styles: dict[tuple[int, str], int] = {}
        # What a text or a date value becomes, found once per distinct value.
        self.shown: dict[str, tuple[bytes, bytes]] = {}
        self.serials: dict[object, tuple[bytes, str]] = {}
        self.spans: dict[tuple[bytes | int, ...], bytes] = {}  # (spans, *added) -> new spans
        self.insert_credit = 8  # see _patch_row

    def _row_prefix(self, sd: El) -> bytes:
        """Rows and cells as the file spells them inside sheetData: like its first row (nearly
        always as the root), or for an empty sheetData as the namespace is bound there."""
        ns = self.doc.namespace()
        first = None if sd.closed else START_TAG.search(self.doc.xml, sd.tag_end, sd.inner_end)
        if first is not None and first.group(1).rpartition(b":")[2] == b"row":
            own = first.group(1)[:-3]
            if self.doc.scope(sd).get(own[:-1].decode() if own else "") == ns:
                return own
        return self.doc.element_prefix(ns, sd) or self.p

    # -- columns --------------------------------------------------------------

    def _col_entries(self) -> list[tuple[int, int, bytes]]:
        el = self.doc.kid(b"cols")
        if el is None:
            return []
        xml = self.doc.xml
        out = []
        for k in children(xml, el.tag_end, el.inner_end):
            lo, hi = k.attr(b"min"), k.attr(b"max")
            if k.local == b"col" and lo and hi and lo.isdigit() and hi.isdigit():
                out.append((int(lo), int(hi), xml[k.start:k.end]))
        return out

    def _col_style(self, col: int) -> int:
        found = self.col_styles.get(col)
        if found is None:
            found = self.col_styles[col] = self._col_style_of(col)
        return found

    def _col_style_of(self, col: int) -> int:
        for lo, hi, tag in self.cols:
            if lo <= col <= hi:
                m = START_TAG.match(tag)
                style = attr(m.group(2), b"style") if m else None
                return int(style) if style and style.isdigit() else 0
        return 0

    def set_widths(self, widths: dict[int, float]) -> None:
        entries = list(self.cols)
        for col, width in sorted(widths.items()):
            shown = repr(excel_width(width)).encode()
            out: list[tuple[int, int, bytes]] = []
            placed = False
            for lo, hi, tag in entries:
                if lo <= col <= hi:
                    if lo < col:
                        out.append((lo, col - 1, set_attrs(tag, max=str(col - 1).encode())))
                    out.append((col, col, set_attrs(tag, min=str(col).encode(),
                                                     max=str(col).encode(), width=shown,
                                                     customWidth=b"1")))
                    if col < hi:
                        out.append((col + 1, hi, set_attrs(tag, min=str(col + 1).encode())))
                    placed = True
                else:
                    out.append((lo, hi, tag))
            if not placed:
                p = self.p.decode()
                out.append((col, col, f'<{p}col min="{col}" max="{col}" width="{shown.decode()}" '
                                      'customWidth="1"/>'.encode()))
            entries = sorted(out, key=lambda e: e[0])
        self.cols = entries
        self.col_styles.clear()
        body = b"".join(tag for _, _, tag in entries)
        el = self.doc.kid(b"cols")
        if el is None:
            self.doc.insert_in_order(b"cols", b"<" + self.p + b"cols>" + body + b"</" + self.p
                                     + b"cols>", WS_ORDER)
        else:
            self.doc.replace(el, self.doc.xml[el.start:el.tag_end].rstrip(b"/>").rstrip()
                             + b">" + body + b"</" + el.qname + b">")

    # -- cells ----------------------------------------------------------------

    def write_columns(self, columns: list[ColumnWrite]) -> None:
        rows: dict[int, list[tuple[int, CellValue, str | None]]] = {}
        for c in sorted(columns, key=lambda c: c.column):
            col, fmt = c.column, c.number_format
            for r, v in c.values.items():
                targets = rows.get(r)
                if targets is None:
                    rows[r] = [(col, v, fmt)]
                else:
                    targets.append((col, v, fmt))
            for r, like in c.like.items():
                if r in c.values:
                    self.like[(r, col)] = like
                    self.like_rows.add(r)
        for r, targets in rows.items():
            written = self.written.get(r)
            if written is None:
                self.written[r] = {col for col, _, _ in targets}
            else:
                written.update(col for col, _, _ in targets)
        if rows:
            self._patch_rows(rows)
        widths = {c.column: c.width for c in columns if c.width is not None}
        if widths:
            self.set_widths(widths)
        self._update_dimension()

    def _patch_rows(self, rows: dict[int, list[tuple[int, CellValue, str | None]]]) -> None:
        xml, p, sd = self.doc.xml, self.cp, self.sd
        order = sorted(rows)
        if sd.closed:
            body = [self._new_row(r, rows[r]) for r in order]
            self.doc.replace(sd, [xml[sd.start:sd.tag_end].rstrip(b"/>").rstrip() + b">", *body,
                                  b"</" + sd.qname + b">"])
            return
        start, end = sd.tag_end, sd.inner_end
        self._check_formula_ranges(start, end)
        keyed = b"<" + p + b'row r="'
        plain = b"<" + p + b"row"
        cell = b"<" + p + b"c"
        # Excel writes r= first on every row and cell; anything else takes the slow, careful
        # path (rows and cells then numbered by counting). Inside sheetData every "<c" and
        # "<row" opens a cell or a row, so when the plain counts agree the five spellings of
        # each need not be counted (each count is a pass over 100 MB at 100,000 rows).
        numbered = xml.count(cell + b' r="', start, end)
        self.unnumbered_cells = (
            xml.count(cell, start, end) != numbered
            and sum(xml.count(cell + t, start, end) for t in (b" ", b">", b"/", b"\n", b"\t"))
            != numbered)
        keyed_rows = xml.count(keyed, start, end)
        every = (keyed_rows if xml.count(plain, start, end) == keyed_rows else
                 sum(xml.count(plain + t, start, end) for t in (b" ", b">", b"/", b"\n", b"\t")))
        index = None if every == keyed_rows else self.scan.row_index(start, end)
        out: list[bytes] = []
        pos = start
        for r in order:
            found, before = self.scan.locate(r, pos, end, keyed, index)
            if found >= 0:
                out.append(xml[pos:found])
                row_xml, pos = self._patch_row(found, r, rows[r])
                out.append(row_xml)
            else:
                out.append(xml[pos:before])
                out.append(self._new_row(r, rows[r]))
                pos = before
        out.append(xml[pos:end])
        self.doc.splices.append((start, end, out))

    def _patch_row(self, at: int, r: int, targets: list[tuple[int, CellValue, str | None]]
                   ) -> tuple[bytes, int]:
        xml, p = self.doc.xml, self.cp
        m = START_TAG.match(xml, at)
        assert m is not None
        qname, attrs = m.group(1), m.group(2)
        if m.group(3):
            inner_start = inner_end = row_end = m.end()
        else:
            inner_start = m.end()
            inner_end = xml.find(b"</" + qname + b">", inner_start)
            if inner_end < 0:
                raise WorkbookError(bilingual(
                    f"{self.part} 的第 {r} 行不完整（没有结束标记）："
                    "请在 Excel 中打开工作簿并重新保存后再运行",
                    f"row {r} of {self.part} is not closed; open the workbook "
                    "in Excel and save it again"))
            row_end = inner_end + len(qname) + 3
        row_style = 0
        if b"customFormat" in attrs and (attr(attrs, b"customFormat") or b"") in (b"1", b"true"):
            s = attr(attrs, b"s")
            row_style = int(s) if s and s.isdigit() else 0
        ref_open = b"<" + p + b'c r="'
        fast = None
        if self.insert_credit > 0 and not self.unnumbered_cells:
            fast = self._insert_cells(r, targets, inner_start, inner_end, row_style, ref_open)
            # Rows whose cells are there already (a re-run rewrites its own columns) are for
            # _patch_cells: after a few of them in a row, stop trying the insert first.
            self.insert_credit = min(self.insert_credit + 1, 8) if fast else (
                self.insert_credit - 1)
        if fast is None:
            out, added = self._patch_cells(r, targets, inner_start, inner_end, row_style,
                                           ref_open)
        else:
            out, added = fast
        tag = xml[at:m.end()]
        if added:
            spans = attr(attrs, b"spans") if b"spans" in attrs else None
            if spans:
                # The rows of a register share their spans and the columns added to them.
                key: tuple[bytes | int, ...] = (spans, *added)
                new_spans = self.spans.get(key)
                if new_spans is None:
                    got = [int(x) for x in re.findall(rb"\d+", spans)]
                    new_spans = self.spans[key] = (
                        b'spans="%d:%d"' % (min(got + added), max(got + added)))
                old_spans = b'spans="' + spans + b'"'
                tag = (tag.replace(old_spans, new_spans, 1) if old_spans in tag
                       else set_attrs(tag, spans=new_spans[7:-1]))
        if m.group(3):
            tag = tag[:-2].rstrip() + b">"
        return b"".join([tag, *out, b"</" + qname + b">"]), row_end

    def _insert_cells(self, r: int, targets: list[tuple[int, CellValue, str | None]],
                      start: int, end: int, row_style: int, ref_open: bytes
                      ) -> tuple[list[bytes], list[int]] | None:
        """The common row: it gains cells in columns where it has none. When every cell of
        the row is numbered (r= first, as Excel writes), in column order, and the row has no
        extLst, the cells' columns are gathered in one pass (in C) and each new cell goes
        before the first cell right of it, found by its reference. None for any other row:
        _patch_cells takes it."""
        xml = self.doc.xml
        letters, numbers = self._cell_columns(start, end)
        if (len(letters) != xml.count(ref_open, start, end)
                or xml.find(b"<" + self.cp + b"extLst", start, end) >= 0
                or numbers != sorted(numbers)):
            return None
        row_bytes = str(r).encode()
        like = self.like if r in self.like_rows else None
        out: list[bytes] = []
        added: list[int] = []
        cursor, k, where, last = start, -1, end, len(numbers)
        for col, value, fmt in targets:
            at = bisect_right(numbers, col, max(k, 0))
            if at and numbers[at - 1] == col:
                return None  # the row has a cell there: it is overwritten on the careful path
            if at != k:
                k = at
                if k == last:
                    where = end
                else:
                    where = xml.find(ref_open + letters[k] + row_bytes + b'"', cursor, end)
                    if where < 0:
                        return None
                out.append(xml[cursor:where])
                cursor = where
            style = row_style or self._col_style(col)
            if like is not None and (r, col) in like:
                style = self._style_at(like[(r, col)], r, start, end, style)
            cell = self._cell(col, r, value, fmt, style)
            if cell:
                out.append(cell)
                added.append(col)
        out.append(xml[cursor:end])
        return out, added

    def _patch_cells(self, r: int, targets: list[tuple[int, CellValue, str | None]],
                     inner_start: int, inner_end: int, row_style: int, ref_open: bytes
                     ) -> tuple[list[bytes], list[int]]:
        """Any row: cells overwritten where they are, new ones put in column order. Cells
        without r= (allowed, never written by Excel) take their place from the cell before:
        only then is the whole row parsed."""
        xml = self.doc.xml
        cells = (self.scan.row_cells(inner_start, inner_end) if self.unnumbered_cells else None)
        out: list[bytes] = []
        cursor = inner_start
        added: list[int] = []
        row_bytes = str(r).encode()
        # The row's last cell, found once: the cursor only moves right over whole cells, so the
        # last cell at or after it is this one while it starts at or after the cursor, else none.
        row_last: tuple[int, int, int, bytes, bool] | None | bool = False
        for col, value, fmt in targets:
            letter = self._letter(col)
            hit = None
            if cells is None:
                j = xml.find(ref_open + letter + row_bytes + b'"', cursor, inner_end)
                if j >= 0:
                    hit = self.scan.cell_at(j, inner_end)
                else:
                    if row_last is False:
                        row_last = self.scan.last_cell(inner_start, inner_end)
                    last = (row_last if isinstance(row_last, tuple) and row_last[1] >= cursor
                            else None)
                    if last is None or last[0] < col:
                        where = cursor if last is None else last[2]
                    else:  # the new cell goes before a later one: find that one
                        where = self._first_cell_after(col, row_bytes, cursor, inner_end)
            if hit is None and cells is not None:
                k = next((k for k, c in enumerate(cells) if c[0] >= col and c[1] >= cursor),
                         None)
                if k is not None and cells[k][0] == col:
                    hit = cells[k]
                else:
                    where = cells[k][1] if k is not None else max(
                        cursor, cells[-1][2] if cells else inner_start)
            if hit is not None:
                _, c_start, c_end, c_attrs, has_f = hit
                s = attr(c_attrs, b"s")
                if has_f:
                    self._check_formula_cell(c_start, c_end, r, col)
                    self.overwrote_formula = True
                out.append(xml[cursor:c_start])
                out.append(self._cell(col, r, value, fmt, int(s) if s and s.isdigit() else 0))
                cursor = c_end
            else:
                out.append(xml[cursor:where])
                style = row_style or self._col_style(col)
                if (r, col) in self.like:
                    style = self._style_at(self.like[(r, col)], r, inner_start, inner_end, style)
                cell = self._cell(col, r, value, fmt, style)
                out.append(cell)
                cursor = where
                if cell:
                    added.append(col)
        out.append(xml[cursor:inner_end])
        return out, added

    def _style_at(self, col: int, r: int, start: int, end: int, default: int) -> int:
        """The style index of the cell at (r, col) between start and end, or default."""
        xml = self.doc.xml
        i = xml.find(b"<" + self.cp + b'c r="' + self._letter(col) + str(r).encode() + b'"',
                     start, end)
        if i < 0:
            return default
        s = attr(self.scan.cell_at(i, end)[3], b"s")
        return int(s) if s and s.isdigit() else default

    def _first_cell_after(self, col: int, row: bytes, start: int, end: int) -> int:
        """Where the first cell right of column `col` starts, between start and end (in row
        number `row`). The cells' column letters are gathered in one pass (in C), the first
        one right of `col` is picked out by bisection (cells are in column order, as the
        schema has them), and its place is found by its reference, which no other cell of
        the row has."""
        xml = self.doc.xml
        letters, numbers = self._cell_columns(start, end)
        k = bisect_right(numbers, col)
        if k == len(numbers):
            return end
        if numbers != sorted(numbers):  # out of order: the first right of col in the order met
            k = next(k for k, n in enumerate(numbers) if n > col)
        if letters.count(letters[k]) == 1:
            found = xml.find(b"<" + self.cp + b'c r="' + letters[k] + row + b'"', start, end)
            if found >= 0:
                return found
        return next(islice(self.cell_ref.finditer(xml, start, end), k, None)).start()

    def _cell_columns(self, start: int, end: int) -> tuple[list[bytes], list[int]]:
        """The column letters and numbers of the cells numbered r= first between start and
        end, in document order, gathered in one pass (in C)."""
        columns = self.columns_of
        letters = self.cell_ref.findall(self.doc.xml, start, end)
        if not all(map(columns.__contains__, letters)):  # letters not met before
            for name in letters:
                columns.setdefault(name, column_number(name))
        return letters, list(map(columns.__getitem__, letters))

    def _letter(self, col: int) -> bytes:
        letter = self.letters.get(col)
        if letter is None:
            letter = self.letters[col] = column_letter(col).encode()
        return letter

    def _cell(self, col: int, row: int, value: CellValue, fmt: str | None, style: int) -> bytes:
        p = self.cp
        ref = self._letter(col) + str(row).encode()
        if value is None:
            # Clearing keeps the cell's format, as Excel's Clear Contents does.
            return b'<%sc r="%s" s="%d"/>' % (p, ref, style) if style else b""
        if type(value) is str:  # most of what the toolkit writes; repeated down the column
            shown = self.shown.get(value)
            if shown is None:
                shown = self.shown[value] = inline_text(value)
            return inline_cell(p, ref, style, shown)
        if isinstance(value, TEMPORAL):
            naive = type(value) is date or (type(value) is datetime and value.tzinfo is None)
            got = self.serials.get(value) if naive else None
            if got is None:
                got = temporal(value, self.date1904)
                if naive:
                    self.serials[value] = got
            serial, default = got
            key = (style, fmt or default)
            s = self.date_styles.get(key)
            if s is None:
                # A cell already shown as a date keeps its format unless one is asked for.
                if fmt is None and style and self.styles.is_date(style):
                    s = style
                else:
                    s = self.styles.xf(style, num_fmt=self.styles.num_fmt_id(fmt or default))
                self.date_styles[key] = s
            return self._value_cell(ref, s, b"", serial)
        if isinstance(value, bool):
            return self._value_cell(ref, style, b' t="b"', b"1" if value else b"0")
        if isinstance(value, (int, float)):
            return self._value_cell(ref, style, b"", number(value))
        return inline(p, ref, style, value)

    def _value_cell(self, ref: bytes, style: int, t: bytes, v: bytes) -> bytes:
        p = self.cp
        s = b' s="%d"' % style if style else b""
        return b'<%sc r="%s"%s%s><%sv>%s</%sv></%sc>' % (p, ref, s, t, p, v, p, p)

    def _check_formula_cell(self, start: int, end: int, row: int, col: int) -> None:
        """Overwriting the master of a shared or array formula would break the cells sharing
        it, unless they are all overwritten too."""
        xml = self.doc.xml
        i = xml.find(b"<" + self.cp + b"f", start, end)
        m = START_TAG.match(xml, i)
        if not m:
            return
        kind, ref = attr(m.group(2), b"t"), attr(m.group(2), b"ref")
        if kind in (b"shared", b"array", b"dataTable") and ref:
            self._require_all_written(ref.decode(), f"{column_letter(col)}{row}")

    def _require_all_written(self, ref: str, cell: str) -> None:
        box = parse_range(ref)
        if box is None:
            return
        r1, c1, r2, c2 = box
        for r in range(r1, r2 + 1):
            cols = self.written.get(r, set())
            if any(c not in cols for c in range(c1, c2 + 1)):
                raise WorkbookError(bilingual(
                    f"无法写入 {cell}：{ref} 共用一个公式（数组公式或共享公式）；请在 Excel 中"
                    "删除这些公式（这一列由工具自动填写）后再运行",
                    f"cannot write {cell}: one formula spans {ref} there; delete those formulas "
                    "in Excel (the toolkit fills that column itself) and run again"))

    def _check_formula_ranges(self, start: int, end: int) -> None:
        """Cells inside an array formula's range hold no formula of their own: find the
        ranges so a write into one is refused rather than corrupting the array."""
        xml = self.doc.xml
        for token in (b't="array"', b't="dataTable"'):
            i = xml.find(token, start, end)
            while i >= 0:
                lt = xml.rfind(b"<", start, i)
                m = START_TAG.match(xml, lt) if lt >= 0 else None
                ref = (attr(m.group(2), b"ref") or b"").decode() if m else ""
                box = parse_range(ref) if ref else None
                if box:
                    r1, c1, r2, c2 = box
                    for r in range(r1, r2 + 1):
                        hit = [c for c in self.written.get(r, ()) if c1 <= c <= c2]
                        if hit:
                            self._require_all_written(ref, f"{column_letter(hit[0])}{r}")
                            break
                i = xml.find(token, i + len(token), end)

    def _new_row(self, r: int, targets: list[tuple[int, CellValue, str | None]]) -> bytes:
        cells = [self._cell(col, r, v, fmt, self._col_style(col)) for col, v, fmt in targets]
        body = b"".join(cells)
        if not body:
            return b""
        return b'<%srow r="%d">%s</%srow>' % (self.cp, r, body, self.cp)

    def _update_dimension(self) -> None:
        rows = [r for r, cols in self.written.items() if cols]
        if not rows:
            return
        el = self.doc.kid(b"dimension")
        if el is None:
            return
        cols = [c for cs in self.written.values() for c in cs]
        box = [min(rows), min(cols), max(rows), max(cols)]
        old = parse_range((el.attr(b"ref") or b"").decode())
        if old:
            box = [min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]),
                   max(old[3], box[3])]
        ref = f"{column_letter(box[1])}{box[0]}:{column_letter(box[3])}{box[2]}"
        self.doc.replace(el, set_attrs(self.doc.text(el), ref=ref.encode()))

    # -- highlights -----------------------------------------------------------

    def set_highlights(self, highlights: list[Highlight]) -> None:
        if not highlights:
            return
        doc, p = self.doc, self.p
        wanted = {" ".join(h.sqref.split()) for h in highlights}
        existing = doc.all(b"conditionalFormatting")
        kept = []
        for el in existing:
            sqref = " ".join(unesc(el.attr(b"sqref") or b"").split())
            found = [k for k in children(doc.xml, el.tag_end, el.inner_end)
                     if k.local == b"cfRule"]
            # Ours: the same fixed range, and only formula rules (what the toolkit writes).
            if sqref in wanted and found and all(k.attr(b"type") == b"expression"
                                                 for k in found):
                doc.replace(el, b"")
            else:
                kept.append(el)
        priorities = [int(x) for el in kept
                      for x in re.findall(rb'priority="(\d+)"', doc.text(el))]
        ext = doc.kid(b"extLst")
        if ext is not None:
            priorities += [int(x) for x in re.findall(rb'priority="(\d+)"', doc.text(ext))]
        priority = max(priorities, default=0)
        groups: dict[str, list[Highlight]] = {}
        for h in highlights:
            groups.setdefault(" ".join(h.sqref.split()), []).append(h)
        blocks = []
        for sqref, hs in groups.items():
            rules = []
            for h in hs:
                priority += 1
                dxf = self.styles.dxf(h.fill, h.font_color)
                formula = h.formula[1:] if h.formula.startswith("=") else h.formula
                rules.append(b'<%scfRule type="expression" dxfId="%d" priority="%d"><%sformula>'
                             b"%s</%sformula></%scfRule>" % (p, dxf, priority, p,
                                                              esc(formula).encode(), p, p))
            blocks.append(b'<%sconditionalFormatting sqref="%s">%s</%sconditionalFormatting>'
                          % (p, esc_attr(sqref).encode(), b"".join(rules), p))
        new = b"".join(blocks)
        if kept:
            doc.insert(kept[-1].end, new)
        elif existing:
            doc.insert(existing[-1].end, new)
        else:
            doc.insert_in_order(b"conditionalFormatting", new, WS_ORDER)

