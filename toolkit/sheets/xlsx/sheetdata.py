"""Finding rows and cells in a worksheet's sheetData by byte search, never parsing it whole.

A register can hold millions of cells; the writer only looks at the rows it writes.
"""

from __future__ import annotations

import bisect
import re

from toolkit.errors import WorkbookError, bilingual
from toolkit.sheets.xlsx.cells import REF_RE, column_number
from toolkit.sheets.xlsx.xmlscan import START_TAG, El, attr


class SheetData:
    """The rows and cells of the original part, with their offsets."""

    def __init__(self, xml: bytes, p: bytes, part: str, sd: El) -> None:
        self.xml, self.p, self.part, self.sd = xml, p, part, sd

    def locate(self, r: int, pos: int, end: int, keyed: bytes,
               index: tuple[list[int], list[int]] | None) -> tuple[int, int]:
        """(offset of row r, -1) when it exists, else (-1, where to insert it)."""
        xml = self.xml
        if index is not None:
            nums, offsets = index
            k = bisect.bisect_left(nums, r)
            if k < len(nums) and nums[k] == r:
                return offsets[k], -1
            return -1, offsets[k] if k < len(nums) else end
        # Excel writes r= first on every row: find the row directly, at memchr speed.
        i = xml.find(keyed + str(r).encode() + b'"', pos, end)
        if i >= 0:
            return i, -1
        j = pos
        while True:
            j = xml.find(keyed, j, end)
            if j < 0:
                return -1, end
            q = j + len(keyed)
            num = int(xml[q:xml.find(b'"', q)])
            if num > r:
                return -1, j
            j = q

    def row_index(self, start: int, end: int) -> tuple[list[int], list[int]]:
        """Row numbers and offsets, for sheets whose rows do not all carry r= first."""
        xml, plain = self.xml, b"<" + self.p + b"row"
        nums: list[int] = []
        offsets: list[int] = []
        pos, last = start, 0
        while True:
            i = xml.find(plain, pos, end)
            if i < 0:
                break
            m = START_TAG.match(xml, i)
            pos = i + len(plain)
            if not m or m.group(1) != plain[1:]:
                continue
            r = attr(m.group(2), b"r")
            last = int(r) if r and r.isdigit() else last + 1
            nums.append(last)
            offsets.append(i)
            pos = m.end()
        return nums, offsets

    def cell_at(self, i: int, end: int) -> tuple[int, int, int, bytes, bool]:
        """(column, start, end, attributes, has a formula) of the cell starting at i."""
        xml = self.xml
        m = START_TAG.match(xml, i)
        if not m:
            raise WorkbookError(bilingual(
                f"{self.part} 中有单元格已损坏："
                "请在 Excel 中打开工作簿并重新保存后再运行",
                f"a cell of {self.part} is damaged; open the workbook in Excel "
                "and save it again"))
        ref = attr(m.group(2), b"r")
        mm = REF_RE.fullmatch(ref.decode()) if ref else None
        col = column_number(mm.group(1)) if mm else 0
        if m.group(3):
            return col, i, m.end(), m.group(2), False
        close = xml.find(b"</" + m.group(1) + b">", m.end(), end)
        if close < 0:
            raise WorkbookError(bilingual(
                f"{self.part} 中有单元格不完整（没有结束标记）："
                "请在 Excel 中打开工作簿并重新保存后再运行",
                f"a cell of {self.part} is not closed; open the workbook in "
                "Excel and save it again"))
        has_f = xml.find(b"<" + self.p + b"f", m.end(), close) >= 0
        return col, i, close + len(m.group(1)) + 3, m.group(2), has_f

    def last_cell(self, start: int, end: int) -> tuple[int, int, int, bytes, bool] | None:
        i = self.xml.rfind(b"<" + self.p + b"c ", start, end)
        return None if i < 0 else self.cell_at(i, end)

    def row_cells(self, start: int, end: int) -> list[tuple[int, int, int, bytes, bool]]:
        """Every cell of a row, numbering those without r= from the cell before."""
        xml, open_ = self.xml, b"<" + self.p + b"c"
        out: list[tuple[int, int, int, bytes, bool]] = []
        pos, last = start, 0
        while True:
            i = xml.find(open_, pos, end)
            if i < 0:
                break
            if xml[i + len(open_):i + len(open_) + 1] not in (b" ", b">", b"/", b"\t", b"\n",
                                                              b"\r"):
                pos = i + len(open_)
                continue
            col, c_start, c_end, attrs, has_f = self.cell_at(i, end)
            last = col or last + 1
            out.append((last, c_start, c_end, attrs, has_f))
            pos = c_end
        return out

    def last_value_row(self, skip: set[int]) -> int:
        """The last row of the original sheet with a value in a column outside `skip`: the
        new file must still reach it, as an independent reader sees it."""
        xml, sd, plain = self.xml, self.sd, b"<" + self.p + b"row"
        if sd.closed:
            return 0
        start, pos = sd.tag_end, sd.inner_end
        value = re.compile(rb"<(?:[\w.-]+:)?(?:v>[^<]|is[\s>])")
        while True:
            i = xml.rfind(plain, start, pos)
            if i < 0:
                return 0
            m = START_TAG.match(xml, i)
            if not m or m.group(1) != plain[1:] or m.group(3):
                pos = i
                continue
            for col, c_start, c_end, _, _ in self.row_cells(m.end(), pos):
                if col not in skip and value.search(xml, c_start, c_end):
                    r = attr(m.group(2), b"r")
                    if r and r.isdigit():
                        return int(r)
                    nums, offsets = self.row_index(start, sd.inner_end)
                    return nums[offsets.index(i)]
            pos = i
