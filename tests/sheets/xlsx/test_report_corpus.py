"""The 月度统计 sheet written into real workbooks saved by sixty other programs (../shared/corpus):
every other part byte-identical, every changed part namespace-aware XML and valid against the
ECMA-376 schemas, a second run replacing the first, LibreOffice opening the result."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from defusedxml import ElementTree
from helpers import read_parts

from toolkit.jobs.stats import run_stats

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
CORPUS = SHARED / "corpus"
XSD = SHARED / "ooxml-xsd"
AS_OF = datetime(2026, 11, 24, 9)
TOUCHED = {"[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
           "xl/workbook.xml"}
FILES = sorted(p.name for p in CORPUS.glob("*.xls*")) if CORPUS.is_dir() else []


def _corpus() -> None:
    if not FILES:
        pytest.skip(f"the workbook corpus is not at {CORPUS}")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, bytes]]]:
    """Each corpus file with the statistics written twice: (file, its parts before)."""
    _corpus()
    folder = tmp_path_factory.mktemp("corpus")
    out = {}
    for name in FILES:
        book = folder / name
        book.write_bytes((CORPUS / name).read_bytes())  # the corpus files are read-only
        before = read_parts(book)
        run_stats(book, as_of=AS_OF)
        first = set(read_parts(book))
        run_stats(book, as_of=AS_OF, month="2026-09")
        assert set(read_parts(book)) == first, f"{name}: the second run left other parts"
        out[name] = (book, before)
    return out


def test_every_other_part_is_byte_identical(
        written: dict[str, tuple[Path, dict[str, bytes]]]) -> None:
    for name, (book, before) in written.items():
        after = read_parts(book)
        for part, data in before.items():
            if part not in TOUCHED:
                assert after.get(part) == data, f"{name}: {part}"
        for part, data in after.items():
            if part.endswith((".xml", ".rels")) and before.get(part) != data:
                ElementTree.fromstring(data)  # namespace-aware: an unbound prefix fails
        book_xml = after["xl/workbook.xml"].decode()
        assert book_xml.count(">月度统计<") + book_xml.count('"月度统计"') == 1, name
        charts = [p for p in set(after) - set(before) if p.startswith("xl/charts/chart")]
        assert len(charts) == 3, name


# One file of each family of producers (the schemas take a while to load and apply).
SCHEMA_SAMPLE = ("01", "02", "04", "08", "10", "13", "20", "27", "35", "41", "50", "57")


def _errors(schema: object, data: bytes) -> set[str]:
    """Schema violations of a part, without the object addresses that differ between runs."""
    root = ElementTree.fromstring(data)
    return {re.sub(r" at 0x[0-9a-f]+", "", getattr(e, "reason", None) or str(e))
            for e in schema.iter_errors(root)}  # type: ignore[attr-defined]


def test_changed_parts_are_valid_against_the_schemas(
        written: dict[str, tuple[Path, dict[str, bytes]]]) -> None:
    """New parts are valid; a changed part has no violation its original did not have (Excel's
    own extensions, e.g. mc:Ignorable on styleSheet, are outside the 2006 schemas)."""
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema validates against ECMA-376")
    if not XSD.is_dir():
        pytest.skip(f"the ECMA-376 schemas are not at {XSD}")
    sml = xmlschema.XMLSchema(str(XSD / "sml.xsd"))
    chart = xmlschema.XMLSchema(str(XSD / "dml-chart.xsd"))
    drawing = xmlschema.XMLSchema(str(XSD / "dml-spreadsheetDrawing.xsd"))
    checked = 0
    for name in [n for n in written if n[:2] in SCHEMA_SAMPLE]:
        book, before = written[name]
        after = read_parts(book)
        for part in sorted(set(after) - set(before)) + ["xl/styles.xml", "xl/workbook.xml"]:
            if part.startswith("xl/charts/"):
                schema = chart
            elif part.startswith("xl/drawings/") and part.endswith(".xml"):
                schema = drawing
            elif part.endswith(".xml") and not part.startswith("xl/drawings/"):
                schema = sml
            else:
                continue
            errors = _errors(schema, after[part])
            if part in before:
                errors -= _errors(schema, before[part])
            assert not errors, f"{name}: {part}: {sorted(errors)[:2]}"
            checked += 1
    assert checked >= 5 * len(SCHEMA_SAMPLE)


@pytest.mark.libreoffice
def test_libreoffice_opens_every_result(
        written: dict[str, tuple[Path, dict[str, bytes]]], tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: it is the independent reader")
    books = [str(book) for book, _ in written.values()]
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--norestore", "--convert-to", "ods", "--outdir",
                    str(tmp_path), *books], capture_output=True, timeout=900, check=False)
    for book, _ in written.values():
        ods = tmp_path / (book.stem + ".ods")
        assert ods.exists(), f"LibreOffice could not load {book.name}"
        with zipfile.ZipFile(ods) as z:
            content = z.read("content.xml").decode()
            charts = sum(b"<chart:chart" in z.read(n) for n in z.namelist()
                         if n.startswith("Object") and n.endswith("content.xml"))
        assert 'table:name="月度统计"' in content and "客户投诉案件统计表" in content, book.name
        assert charts >= 3, f"{book.name}: {charts} charts"
