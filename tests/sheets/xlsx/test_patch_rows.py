"""The row patcher against a plain model of a row: whatever cells a row already has (with
gaps, formats and values), writing some columns leaves every other cell as it was and puts
each written cell in column order (docs/writeback.md)."""

from __future__ import annotations

import re
from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.register import column_letter
from toolkit.sheets.xlsx.cells import column_number
from toolkit.sheets.xlsx.edit import ColumnWrite
from toolkit.sheets.xlsx.styles import Styles
from toolkit.sheets.xlsx.worksheet import Worksheet

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = (f'<styleSheet xmlns="{NS}"><fonts count="1"><font/></fonts><fills count="1"><fill/>'
          '</fills><borders count="1"><border/></borders><cellXfs count="2"><xf/><xf/></cellXfs>'
          "</styleSheet>").encode()
STYLED = ' s="1"'
CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?[^>]*?(?:/>|>(.*?)</c>)')

rows_ = st.lists(st.sets(st.integers(1, 40), max_size=12), min_size=1, max_size=6)
values_ = st.one_of(st.none(), st.text("ab 部门<&", min_size=1, max_size=4),
                    st.integers(-5, 5), st.dates(date(2020, 1, 1), date(2030, 1, 1)),
                    st.just(datetime(2026, 11, 3, 9, 30)))
writes_ = st.dictionaries(st.integers(1, 45), st.lists(values_, min_size=6, max_size=6),
                          max_size=5)


def _sheet(rows: list[set[int]]) -> bytes:
    body = []
    for r, cols in enumerate(rows, start=1):
        cells = "".join(f'<c r="{column_letter(c)}{r}"{STYLED if c % 3 == 0 else ""}>'
                        f"<v>{r * 100 + c}</v></c>" for c in sorted(cols))
        body.append(f'<row r="{r}">{cells}</row>')
    return (f'<worksheet xmlns="{NS}"><sheetData>{"".join(body)}</sheetData></worksheet>'
            .encode())


def _cells(xml: bytes) -> dict[int, list[tuple[int, bytes | None]]]:
    out: dict[int, list[tuple[int, bytes | None]]] = {}
    for m in CELL.finditer(xml):
        out.setdefault(int(m.group(2)), []).append((column_number(m.group(1).decode()),
                                                   m.group(4)))
    return out


@settings(max_examples=150, deadline=None)
@given(rows_, writes_)
def test_written_cells_land_in_column_order_and_nothing_else_moves(
        rows: list[set[int]], writes: dict[int, list[object]]) -> None:
    before = _cells(_sheet(rows))
    ws = Worksheet(_sheet(rows), "xl/worksheets/sheet1.xml", Styles(STYLES, "xl/styles.xml"),
                   False)
    ws.write_columns([ColumnWrite(col, {r: v[r - 1] for r in range(1, len(rows) + 1)})
                      for col, v in writes.items()])
    after = _cells(b"".join(ws.doc.render()))
    for r in range(1, len(rows) + 1):
        got = after.get(r, [])
        cols = [c for c, _ in got]
        assert cols == sorted(cols) and len(set(cols)) == len(cols)
        # Every cell not written is there with its value; a written one holds the new value.
        kept = {c: v for c, v in before.get(r, []) if c not in writes}
        assert {c: v for c, v in got if c not in writes} == kept
        for col, values in writes.items():
            value = values[r - 1]
            inside = dict(got).get(col)
            if value is None:
                assert inside is None
            elif isinstance(value, str):
                assert inside is not None and b"inlineStr" not in inside and b"<t" in inside
            else:
                assert inside is not None and inside.startswith(b"<v>")


@settings(max_examples=150, deadline=None)
@given(rows_, writes_)
def test_the_quick_insert_writes_what_the_careful_path_writes(
        rows: list[set[int]], writes: dict[int, list[object]]) -> None:
    columns = [ColumnWrite(col, {r: v[r - 1] for r in range(1, len(rows) + 1)})
               for col, v in writes.items()]
    rendered = []
    for quick in (True, False):
        ws = Worksheet(_sheet(rows), "xl/worksheets/sheet1.xml",
                       Styles(STYLES, "xl/styles.xml"), False)
        if not quick:
            ws.insert_credit = 0  # every row on the careful path
        ws.write_columns(columns)
        rendered.append(b"".join(ws.doc.render()))
    assert rendered[0] == rendered[1]


def test_a_rerun_over_filled_rows_soon_stops_trying_the_quick_insert() -> None:
    rows = [set(range(1, 8)) for _ in range(200)]  # every row already has columns 1-7
    ws = Worksheet(_sheet(rows), "xl/worksheets/sheet1.xml", Styles(STYLES, "xl/styles.xml"),
                   False)
    tried = []
    quick = ws._insert_cells

    def counting(*args: object, **kwargs: object) -> object:
        tried.append(1)
        return quick(*args, **kwargs)  # type: ignore[arg-type]

    ws._insert_cells = counting  # type: ignore[method-assign, assignment]
    ws.write_columns([ColumnWrite(5, {r: "x" for r in range(1, 201)})])
    assert 0 < len(tried) <= 8
    after = _cells(b"".join(ws.doc.render()))
    assert all(dict(after[r])[5] is not None and len(after[r]) == 7 for r in range(1, 201))


def test_a_row_with_an_extension_list_keeps_it_last() -> None:
    xml = (f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
           '<extLst><ext uri="{X}"/></extLst></row></sheetData></worksheet>').encode()
    ws = Worksheet(xml, "xl/worksheets/sheet1.xml", Styles(STYLES, "xl/styles.xml"), False)
    ws.write_columns([ColumnWrite(3, {1: 7})])
    out = b"".join(ws.doc.render())
    assert b'<c r="A1"><v>1</v></c><c r="C1"><v>7</v></c><extLst>' in out
