"""A large register parsed in two halves on two threads gives exactly the rows of the whole
sheet (toolkit/sheets/halves.py): on the 60 real workbooks of the corpus, cut wherever their
middle falls, on random sparse sheets, and through the reader, which still refuses merged
cells and formulas without a value found in either half."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as calamine
from helpers import good_row, make_register
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import WorkbookError
from toolkit.layout import REGISTER_SHEET
from toolkit.sheets import halves
from toolkit.sheets.bookview import BookInfo
from toolkit.sheets.halves import parse_in_halves
from toolkit.sheets.reader import _raw_rows, read_workbook

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _whole(path: Path, sheet: str) -> list[list[object]]:
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return _raw_rows(book.get_sheet_by_name(sheet))
    finally:
        book.close()


def _register(path: Path) -> tuple[str, str] | None:
    with zipfile.ZipFile(path) as z:
        info = BookInfo.of(z)
    part = info.sheet_parts.get(REGISTER_SHEET)
    return (REGISTER_SHEET, part) if part and not info.unreadable else None


def test_every_corpus_register_cut_in_two_reads_as_the_whole_sheet() -> None:
    if not (CORPUS / "manifest.json").is_file():
        pytest.skip(f"the corpus of real workbooks is not at {CORPUS} (../shared/corpus)")
    files = json.loads((CORPUS / "manifest.json").read_text())["files"]
    cut = 0
    for entry in files:
        path = CORPUS / entry["file"]
        found = _register(path)
        if found is None:
            continue
        sheet, part = found
        got = parse_in_halves(path, part, sheet, cut_from=0)
        if got is not None:
            cut += 1
            assert got.rows == _whole(path, sheet), entry["file"]
    # Most producers number every row: their registers are the ones cut. (A producer that
    # leaves r= out is parsed whole.)
    assert cut >= 50  # all 59 registers in the corpus today


cells_ = st.dictionaries(
    st.tuples(st.integers(1, 60), st.integers(1, 12)),
    st.one_of(st.integers(-5, 99), st.text("ab 部门", min_size=1, max_size=3),
              st.floats(0, 1e6, allow_nan=False)),
    min_size=1, max_size=80)


@settings(max_examples=40, deadline=None)
@given(cells_)
def test_a_sparse_sheet_cut_in_two_reads_as_the_whole_sheet(
        cells: dict[tuple[int, int], object]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for (r, c), v in cells.items():
        ws.cell(r, c, v)
    for r in range(5, 45, 2):  # enough rows, with gaps, that each half holds several
        ws.cell(r, 3 + r % 7, r)
    out = io.BytesIO()
    wb.save(out)
    path = Path(__file__).parent / "_halves.xlsx"  # hypothesis reuses no tmp_path per example
    try:
        path.write_bytes(out.getvalue())
        got = parse_in_halves(path, "xl/worksheets/sheet1.xml", "S", cut_from=0)
        assert got is not None  # openpyxl numbers every row
        assert got.rows == _whole(path, "S")
    finally:
        path.unlink(missing_ok=True)


def _rewritten(src: Path, dst: Path, change: tuple[bytes, bytes]) -> Path:
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for item in z.infolist():
            data = z.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(*change)
            out.writestr(item, data)
    return dst


@pytest.mark.parametrize("change", [
    (b'<row r="', b'<row spans="1:9" r="'),  # r= not first: rows may be numbered by counting
    (b"</row>", b"</row><!-- a note -->"),  # a comment among the rows
], ids=["r-not-first", "comment"])
def test_an_unusual_sheet_is_parsed_whole(tmp_path: Path, change: tuple[bytes, bytes]) -> None:
    rows = [good_row(case_id=f"2611-{i:04d}") for i in range(1, 40)]
    book = _rewritten(make_register(tmp_path / "a.xlsx", rows), tmp_path / "b.xlsx", change)
    assert parse_in_halves(book, "xl/worksheets/sheet1.xml", REGISTER_SHEET, cut_from=0) is None
    assert parse_in_halves(tmp_path / "a.xlsx", "xl/worksheets/sheet1.xml", REGISTER_SHEET,
                           cut_from=0) is not None


def test_a_small_sheet_is_parsed_whole(tmp_path: Path) -> None:
    book = make_register(tmp_path / "a.xlsx", [good_row()])
    assert parse_in_halves(book, "xl/worksheets/sheet1.xml", REGISTER_SHEET) is None


@pytest.fixture
def cut_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(halves, "CUT_FROM", 0)


@pytest.mark.usefixtures("cut_everything")
def test_the_reader_cuts_a_register_and_reads_it_as_before(tmp_path: Path) -> None:
    rows = [good_row(case_id=f"2611-{i:04d}") for i in range(1, 60)]
    book = make_register(tmp_path / "a.xlsx", rows)
    calls = []
    real = halves.parse_in_halves

    def counting(*args: object, **kwargs: object) -> object:
        got = real(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(got is not None)
        return got

    import toolkit.sheets.reader as reader

    reader.parse_in_halves = counting  # type: ignore[assignment]
    try:
        data = read_workbook(book).data
    finally:
        reader.parse_in_halves = real
    assert calls == [True]
    assert [r.get("case_id") for r in data.rows] == [f"2611-{i:04d}" for i in range(1, 60)]


@pytest.mark.usefixtures("cut_everything")
def test_a_cut_register_still_refuses_merged_cells(tmp_path: Path) -> None:
    book = make_register(tmp_path / "a.xlsx", [good_row() for _ in range(40)])
    wb = openpyxl.load_workbook(book)
    wb[REGISTER_SHEET].merge_cells("H30:H31")
    wb.save(book)
    with pytest.raises(WorkbookError, match="H30:H31"):
        read_workbook(book)


@pytest.mark.usefixtures("cut_everything")
@pytest.mark.parametrize("where", [3, 38])  # in the first half, in the second
def test_a_cut_register_still_refuses_a_formula_never_calculated(
        tmp_path: Path, where: int) -> None:
    book = make_register(tmp_path / "a.xlsx", [good_row() for _ in range(40)])
    wb = openpyxl.load_workbook(book)
    wb[REGISTER_SHEET].cell(where, 30, "=1+1")  # openpyxl stores no value for it
    wb.save(book)
    with pytest.raises(WorkbookError, match=f"AD{where}"):
        read_workbook(book)


@pytest.mark.usefixtures("cut_everything")
def test_no_room_for_the_halves_means_the_whole_sheet_is_parsed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [good_row(case_id=f"2611-{i:04d}") for i in range(1, 40)]
    book = make_register(tmp_path / "a.xlsx", rows)

    def full(*args: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(halves, "_package", full)
    assert parse_in_halves(book, "xl/worksheets/sheet1.xml", REGISTER_SHEET) is None
    assert len(read_workbook(book).data.rows) == 39
