"""The 月度统计 sheet through the lossless writer: values read back, charts, re-runs, fidelity,
LibreOffice opening and printing the result."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree
from helpers import good_row, make_register, read_parts, sheet_rows, write_parts

from toolkit.jobs.stats import run_stats
from toolkit.report.stats_sheet import NONE
from toolkit.rules.stats import FIGURES, Month

AS_OF = datetime(2026, 11, 24, 9, 0)
STATS = "月度统计"
NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "r": "http://schemas.openxmlformats.org/package/2006/relationships"}


def small_register(path: Path) -> Path:
    rows = [good_row(case_id=f"2610-{i:04d}", received_at=datetime(2026, 10, 5 + i, 10),
                     customer=f"客户{i % 3}", phone=f"1380000{i:04d}",
                     category=("服务过程", "产品质量", "物流运输")[i // 3 % 3],
                     channel=("电话", "邮件")[i % 2], customer_type="经销商")
            for i in range(1, 10)]
    rows[0].update(status="已结案", resolution="已处理", closed_at=datetime(2026, 10, 6, 15),
                   follow_up="满意", first_response_at=datetime(2026, 10, 6, 12))
    rows[1].update(customer="=HYPERLINK(\"http://x\")")  # staff text that looks like a formula
    rows[2].update(status="无法解决", closed_at=datetime(2026, 10, 9, 9), resolution="无")
    return make_register(path, rows)


def cell(rows: list[list[object]], r: int, c: int) -> object:
    """1-based (row, column) of calamine's rows; '' and the dash read as None."""
    value = rows[r - 1][c - 1] if r - 1 < len(rows) and c - 1 < len(rows[r - 1]) else None
    return None if value in ("", NONE) else value


def test_json_equals_the_sheet_read_back_with_calamine(tmp_path: Path) -> None:
    book = small_register(tmp_path / "r.xlsx")
    outcome = run_stats(book, as_of=AS_OF, month="2026-10")
    doc = outcome.report.to_json()
    rows = sheet_rows(book, STATS)
    where = outcome.layout.where
    first, col, n = where["figures"]
    assert n == len(FIGURES)
    back = {key: cell(rows, first + i, col + 1) for i, key in enumerate(FIGURES)}
    previous = {key: cell(rows, first + i, col + 2) for i, key in enumerate(FIGURES)}
    assert back == doc["figures"] and previous == doc["previous"]
    assert doc["figures"]["received"] == 9 and doc["figures"]["unresolvable"] == 1
    for key in ("by_category", "by_department", "by_severity", "by_channel",
                "by_customer_type"):
        first, col, n = where[key]
        assert {cell(rows, first + i, col): cell(rows, first + i, col + 1)
                for i in range(n)} == doc[key], key
    first, col, n = where["top_customers"]
    assert [[cell(rows, first + i, 1), cell(rows, first + i, 2)] for i in range(n)] \
        == doc["top_customers"]
    first, col, n = where["overdue_at_end"]
    assert [cell(rows, first + i, 2) for i in range(n)] == doc["overdue_at_end"]
    first, col, n = where["trend"]
    assert [{"month": cell(rows, first + i, 1), "received": cell(rows, first + i, 2),
             "closed": cell(rows, first + i, 3)} for i in range(n)] == doc["trend"]
    assert "2026年10月" in str(rows[0][0]) and "2026-11-24 09:00" in str(rows[1][0])


def test_register_text_is_written_as_text_never_a_formula(tmp_path: Path) -> None:
    book = small_register(tmp_path / "r.xlsx")
    run_stats(book, as_of=AS_OF, month="2026-10")
    parts = read_parts(book)
    sheet = next(v for k, v in parts.items() if k.startswith("xl/worksheets/sheet")
                 and "HYPERLINK" in v.decode())
    assert b"<f>" not in sheet and b"<f " not in sheet
    assert b"=HYPERLINK(&quot;http://x&quot;)" in sheet or \
        b'=HYPERLINK("http://x")' in sheet


def _chart_refs(parts: dict[str, bytes]) -> dict[str, list[str]]:
    out = {}
    for name, data in parts.items():
        if name.startswith("xl/charts/chart") and b"'" + STATS.encode() in data:
            root = ElementTree.fromstring(data)
            out[name] = [f.text for f in root.iter(f"{{{NS['c']}}}f")]
    return out


def test_charts_reference_the_sheets_own_cells(tmp_path: Path) -> None:
    book = small_register(tmp_path / "r.xlsx")
    outcome = run_stats(book, as_of=AS_OF, month="2026-10")
    parts = read_parts(book)
    refs = _chart_refs(parts)
    assert len(refs) == 3
    first, _, n = outcome.layout.where["by_category"]
    category = f"'{STATS}'!$A${first}:$A${first + n - 1}"
    first, _, n = outcome.layout.where["trend"]
    trend = [f"'{STATS}'!$A${first}:$A${first + n - 1}",
             f"'{STATS}'!$B${first}:$B${first + n - 1}",
             f"'{STATS}'!$C${first}:$C${first + n - 1}"]
    flat = [f for fs in refs.values() for f in fs]
    assert category in flat
    assert all(t in flat for t in trend)
    kinds = sorted(re.search(rb"<c:(bar|line)Chart>", parts[n]).group(1).decode()  # type: ignore[union-attr]
                   for n in refs)
    assert kinds == ["bar", "bar", "line"]
    # The cached values of every series equal the cells the series points at.
    rows = sheet_rows(book, STATS)
    for name in refs:
        root = ElementTree.fromstring(parts[name])
        for num in root.iter(f"{{{NS['c']}}}numRef"):
            ref = num.find("c:f", NS).text  # type: ignore[union-attr]
            m = re.fullmatch(r"'.+'!\$([A-Z])\$(\d+):\$[A-Z]\$(\d+)", ref or "")
            assert m, ref
            col = ord(m.group(1)) - 64
            values = [cell(rows, r, col) for r in range(int(m.group(2)), int(m.group(3)) + 1)]
            cached = {int(p.get("idx")): float(p.find("c:v", NS).text)  # type: ignore[arg-type, union-attr]
                      for p in num.iter(f"{{{NS['c']}}}pt")}
            assert [cached.get(i, None) for i in range(len(values))] == \
                [float(v) if v is not None else None for v in values]
    # The sheet's drawing binds the three charts; content types name every new part.
    types = parts["[Content_Types].xml"].decode()
    for name in refs:
        assert f'PartName="/{name}"' in types


def _structure(path: Path) -> tuple[int, int, int, int, int]:
    parts = read_parts(path)
    book = parts["xl/workbook.xml"].decode()
    return (book.count(f'name="{STATS}"'), len(_chart_refs(parts)),
            sum(1 for n in parts if n.startswith("xl/drawings/drawing")),
            book.count("_xlnm.Print_Area"),
            parts["[Content_Types].xml"].decode().count("drawingml.chart+xml"))


def test_running_twice_leaves_one_sheet_and_one_set_of_charts(tmp_path: Path) -> None:
    book = small_register(tmp_path / "r.xlsx")
    run_stats(book, as_of=AS_OF, month="2026-10")
    once = _structure(book)
    first_parts = read_parts(book)
    run_stats(book, as_of=AS_OF, month="2026-09")
    assert _structure(book) == once == (1, 3, 1, 1, 3)
    again = read_parts(book)
    assert set(again) == set(first_parts)  # same part names, reused
    # The formats added before are reused: a re-run adds no style twice.
    run_stats(book, as_of=AS_OF, month="2026-10")
    assert read_parts(book)["xl/styles.xml"] == again["xl/styles.xml"]


def test_every_other_part_stays_byte_identical(featured_register: Callable[..., Path]) -> None:
    book = featured_register()  # the every-feature .xlsm: VBA, button, x14, its own chart
    before = read_parts(book)
    run_stats(book, as_of=AS_OF, month="2026-11")
    after = read_parts(book)
    touched = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
               "xl/styles.xml"}
    for name, data in before.items():
        if name not in touched:
            assert after.get(name) == data, name
    added = set(after) - set(before)
    assert len([n for n in added if n.startswith("xl/charts/chart")]) == 3
    assert "xl/charts/chart1.xml" not in added  # the register's own chart keeps its name
    # A second run replaces only what the first added.
    middle = read_parts(book)
    run_stats(book, as_of=AS_OF, month="2026-10")
    final = read_parts(book)
    assert set(final) == set(middle)
    for name in before:
        if name not in touched:
            assert final[name] == before[name], name
    styles_before = before["xl/styles.xml"]
    cellxfs = re.search(rb'<cellXfs count="(\d+)"', styles_before)
    assert cellxfs
    # Existing formats keep their index: the old cellXfs list is a prefix of the new one.
    old = styles_before[styles_before.index(b"<cellXfs"):styles_before.index(b"</cellXfs>")]
    new = final["xl/styles.xml"]
    assert new[new.index(b"<cellXfs"):].split(b">", 1)[1].startswith(old.split(b">", 1)[1])


def _openpyxl_saved(path: Path) -> Path:
    small_register(path)
    wb = openpyxl.load_workbook(path)
    wb.save(path)
    return path


def _per_sheet_namespace(path: Path) -> Path:
    """The spelling FINDINGS-era openpyxl used: xmlns:r declared on each <sheet>, not on the
    root, so an appended <sheet r:id=…> must declare it itself."""
    _openpyxl_saved(path)
    parts = read_parts(path)
    book = parts["xl/workbook.xml"].decode()
    decl = ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    book = book.replace(decl, "", 1).replace("<sheet ", "<sheet" + decl + " ")
    parts["xl/workbook.xml"] = book.encode()
    write_parts(path, parts)
    return path


def test_sheet_entry_declares_its_namespace_when_the_root_does_not(tmp_path: Path) -> None:
    book = _per_sheet_namespace(tmp_path / "r.xlsx")
    assert 'xmlns:r' not in read_parts(book)["xl/workbook.xml"].decode().split("<sheets>")[0]
    run_stats(book, as_of=AS_OF, month="2026-10")
    root = ElementTree.fromstring(read_parts(book)["xl/workbook.xml"])  # namespace-aware
    ids = [el.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
           for el in root.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet")]
    assert len(ids) == 2 and all(ids)


def _pdf(book: Path, outdir: Path, soffice: str, profile: Path) -> Path:
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(outdir), str(book)],
                   capture_output=True, timeout=240, check=False)
    return outdir / (book.stem + ".pdf")


@pytest.mark.libreoffice
@pytest.mark.parametrize("made_by", ["toolkit", "openpyxl", "per-sheet-namespace"])
def test_libreoffice_opens_and_prints_the_sheet(tmp_path: Path, made_by: str) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: it is the independent check that "
                    "the sheet and charts open and print")
    book = tmp_path / "r.xlsx"
    if made_by == "toolkit":
        from toolkit.sheets.template import build_register
        build_register(book, rows=[good_row(case_id="2610-0001",
                                            received_at=datetime(2026, 10, 5, 9))])
    elif made_by == "openpyxl":
        _openpyxl_saved(book)
    else:
        _per_sheet_namespace(book)
    run_stats(book, as_of=AS_OF, month="2026-10")
    out = tmp_path / "stats.xlsx"
    run_stats(book, as_of=AS_OF, month="2026-10", out=out)
    for target in (book, out):
        pdf = _pdf(target, tmp_path / f"pdf-{target.stem}", soffice, tmp_path / "lo")
        assert pdf.exists() and pdf.stat().st_size > 5000, f"LibreOffice did not load {target}"
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout
            assert "客户投诉案件统计表" in text and "受理件数" in text
    with zipfile.ZipFile(out) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) == 3
    assert Month(2026, 10)


def test_parts_excel_added_to_the_old_sheet_go_with_it(tmp_path: Path) -> None:
    """Saved in Excel, the sheet gains printer settings and chart style parts: the next run
    removes them with the old charts (and their content types), unless someone else uses them."""
    book = small_register(tmp_path / "r.xlsx")
    run_stats(book, as_of=AS_OF, month="2026-10")
    parts = read_parts(book)
    sheet = next(n for n, d in parts.items() if n.startswith("xl/worksheets/sheet")
                 and b"<drawing " in d)
    rels = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", (
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/printerSettings" Target="../printerSettings/printerSettings1.bin"/>'
        b"</Relationships>"))
    parts["xl/printerSettings/printerSettings1.bin"] = b"\0" * 64
    parts["xl/charts/_rels/chart1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
        b'"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1"'
        b' Type="http://schemas.microsoft.com/office/2011/relationships/chartStyle"'
        b' Target="style1.xml"/></Relationships>')
    parts["xl/charts/style1.xml"] = (
        b'<cs:chartStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle"'
        b' id="201"/>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.printerSettings"/><Override PartName="/xl/charts/style1.xml" '
        b'ContentType="application/vnd.ms-office.chartstyle+xml"/></Types>'))
    write_parts(book, parts)
    run_stats(book, as_of=AS_OF, month="2026-09")
    after = read_parts(book)
    for gone in ("xl/printerSettings/printerSettings1.bin", "xl/charts/style1.xml",
                 "xl/charts/_rels/chart1.xml.rels"):
        assert gone not in after, gone
    assert b"style1.xml" not in after["[Content_Types].xml"]
    assert b"printerSettings" not in after[rels]
    assert _structure(book) == (1, 3, 1, 1, 3)


def test_sheet_is_set_up_to_print_on_a4_landscape(tmp_path: Path) -> None:
    book = small_register(tmp_path / "r.xlsx")
    outcome = run_stats(book, as_of=AS_OF, month="2026-10")
    parts = read_parts(book)
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    root = ElementTree.fromstring(parts["xl/workbook.xml"])
    names = [s.get("name") for s in root.iter(f"{main}sheet")]
    index = str(names.index(STATS))
    defined = {(d.get("name"), d.get("localSheetId")): d.text
               for d in root.iter(f"{main}definedName")}
    last = outcome.layout.sheet.print_area.split(":")[1]  # type: ignore[union-attr]
    assert defined[("_xlnm.Print_Area", index)] == f"'{STATS}'!$A$1:$L${last[1:]}"
    assert defined[("_xlnm.Print_Titles", index)] == f"'{STATS}'!$1:$2"
    sheet = next(d for n, d in parts.items()
                 if n.startswith("xl/worksheets/") and b"<drawing " in d)
    ws = ElementTree.fromstring(sheet)
    setup = ws.find(f"{main}pageSetup")
    assert setup is not None and setup.get("orientation") == "landscape"
    assert setup.get("paperSize") == "9" and setup.get("fitToWidth") == "1"
    assert ws.find(f"{main}sheetPr/{main}pageSetUpPr").get("fitToPage") == "1"  # type: ignore[union-attr]
    widths = {c.get("min"): float(c.get("width") or 0) for c in ws.iter(f"{main}col")}
    assert widths["1"] > widths["2"] > 10
    assert "&P" in (ws.findtext(f"{main}headerFooter/{main}oddFooter") or "")
    # Headings are bold; rates carry a percentage format.
    styles = parts["xl/styles.xml"].decode()
    assert 'formatCode="0.0%"' in styles and "<b/>" in styles
