"""`check` on 60 real workbooks from 24 producers (../shared/corpus, see its manifest.json).

For every file: `check` writes back; every XML part of the result parses as namespace-aware
XML; every part `check` had no reason to touch is byte-identical; a second run changes
nothing; and LibreOffice opens the result and reads the register as the toolkit does (one
soffice call converts all of them). A failure names the file, its producer and the part.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from defusedxml import ElementTree

from toolkit.cli import cli
from toolkit.sheets.reader import read_workbook
from toolkit.sheets.xlsx.verify import package_problems

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SCHEMAS = CORPUS.parent / "ooxml-xsd"
AS_OF = "2026-11-24T09:00"
REGISTER = "投诉记录"
# Refused on purpose, with the original untouched: the message must say why.
REFUSED = {
    # tealeg/xlsx writes an empty <styleSheet/>: no cell format for a written date to take.
    "55-tealeg-go.xlsx": r"the style sheet xl/styles\.xml is empty",
}
# Parts `check` may change: the register sheet, and what a new sheet and new styles touch.
_MAY_CHANGE = re.compile(r"(^|/)(workbook\.xml|workbook\.xml\.rels|styles\.xml|calcChain\.xml|"
                         r"\[Content_Types\]\.xml)$")
_CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def _manifest() -> list[dict[str, Any]]:
    if not (CORPUS / "manifest.json").is_file():
        return []
    files: list[dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text())["files"]
    return files


FILES = _manifest()
pytestmark = pytest.mark.skipif(
    not FILES, reason=f"the corpus of real workbooks is not at {CORPUS} (../shared/corpus)")


def _params(marks: tuple[pytest.MarkDecorator, ...] = ()) -> list[Any]:
    return [pytest.param(f, id=f"{f['file']} [{f['producer']}]", marks=marks) for f in FILES]


@dataclass
class Run:
    entry: dict[str, Any]
    path: Path  # the written copy
    before: dict[str, bytes]
    first: Any  # click Result of the first `check`
    after: dict[str, bytes]
    second: Any
    after_second_sha: str

    @property
    def who(self) -> str:
        return f"{self.entry['file']} ({self.entry['producer']})"


class Runs:
    """`check` run twice on a copy of each corpus file, once per test session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.done: dict[str, Run] = {}

    def __call__(self, entry: dict[str, Any]) -> Run:
        name = entry["file"]
        if name not in self.done:
            path = self.folder / name
            shutil.copyfile(CORPUS / name, path)
            before = _parts(path)
            first = CliRunner().invoke(cli, ["check", str(path), "--as-of", AS_OF])
            after = _parts(path)
            second = CliRunner().invoke(cli, ["check", str(path), "--as-of", AS_OF])
            self.done[name] = Run(entry, path, before, first, after, second,
                                  hashlib.sha256(path.read_bytes()).hexdigest())
        return self.done[name]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory.mktemp("corpus"))


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()
                if not i.filename.endswith("/")}


@pytest.mark.parametrize("entry", _params())
def test_check_writes_back_and_touches_nothing_else(runs: Runs, entry: dict[str, Any]) -> None:
    run = runs(entry)
    if entry["file"] in REFUSED:
        assert run.first.exit_code == 2, f"{run.who}: {run.first.output}"
        assert re.search(REFUSED[entry["file"]], run.first.output), run.first.output
        assert run.after == run.before, f"{run.who}: a refused write changed the file"
        return
    assert run.first.exit_code in (0, 1), f"{run.who}: check failed: {run.first.output}"
    assert run.after != run.before, f"{run.who}: nothing was written"
    for name, data in run.before.items():
        if name == entry["register_part"] or _MAY_CHANGE.search(name):
            continue
        assert run.after.get(name) == data, (
            f"{run.who}: the part {name} changed although check had no reason to touch it")
    added = set(run.after) - set(run.before)
    assert len(added) == 1 and next(iter(added)).startswith("xl/worksheets/"), (
        f"{run.who}: expected one new worksheet part (the report sheet), got {sorted(added)}")


@pytest.mark.parametrize("entry", _params())
def test_every_xml_part_parses_namespace_aware(runs: Runs, entry: dict[str, Any]) -> None:
    run = runs(entry)
    for name, data in sorted(run.after.items()):
        if not name.endswith((".xml", ".rels")):
            continue
        try:
            ElementTree.fromstring(data)
        except ElementTree.ParseError as e:
            if run.before.get(name) == data:
                try:  # the producer's own flaw, carried over byte for byte, is not ours
                    ElementTree.fromstring(run.before[name])
                except ElementTree.ParseError:
                    continue
            pytest.fail(f"{run.who}: the part {name} is not namespace-well-formed XML: {e}")


@pytest.mark.parametrize("entry", _params())
def test_the_written_package_is_whole(runs: Runs, entry: dict[str, Any]) -> None:
    run = runs(entry)

    def problems(parts: dict[str, bytes]) -> set[tuple[str, str]]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
        with zipfile.ZipFile(buf) as z:
            return package_problems(z)

    new = problems(run.after) - problems(run.before)
    assert not new, f"{run.who}: " + "; ".join(f"{part}: {why}" for part, why in sorted(new))


@pytest.mark.parametrize("entry", _params())
def test_a_second_check_changes_nothing(runs: Runs, entry: dict[str, Any]) -> None:
    run = runs(entry)
    assert run.second.exit_code == run.first.exit_code, f"{run.who}: {run.second.output}"
    after_first = _sha_of_parts(run.after)
    assert _sha_of_parts(_parts(run.path)) == after_first, (
        f"{run.who}: a second check changed the file: " + ", ".join(
            n for n, d in _parts(run.path).items() if run.after.get(n) != d))


def _sha_of_parts(parts: dict[str, bytes]) -> dict[str, str]:
    return {n: hashlib.sha256(d).hexdigest() for n, d in parts.items()}


# -- the ECMA-376 Transitional schema ----------------------------------------------------------


@pytest.fixture(scope="session")
def sml_schema() -> Any:
    etree = pytest.importorskip("lxml.etree", reason="schema validation needs lxml")
    if not (SCHEMAS / "sml.xsd").is_file():
        pytest.skip(f"the SpreadsheetML schemas are not at {SCHEMAS}")
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "sml.xsd")))


_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PLAIN_ATTRIBUTES = {"", "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                     "http://www.w3.org/XML/1998/namespace"}


def _transitional_view(data: bytes) -> Any:
    """The part as a reader of the 2006 schema sees it: extension lists and the elements and
    attributes of later namespaces (x14ac:dyDescent, mc:AlternateContent…) left out, as
    markup compatibility lets such a reader ignore them."""
    from lxml import etree

    root = etree.fromstring(data)
    for el in list(root.iter()):
        parent = el.getparent()
        if parent is None:
            continue
        if not isinstance(el.tag, str) or etree.QName(el).namespace != _SML or \
                etree.QName(el).localname == "extLst":
            parent.remove(el)
            continue
    for el in root.iter():
        for name in list(el.attrib):
            if (etree.QName(name).namespace or "") not in _PLAIN_ATTRIBUTES:
                del el.attrib[name]
    return root


@pytest.mark.parametrize("entry", [f for f in _params() if f.values[0]["file"] not in REFUSED])
def test_changed_parts_still_validate_where_they_did(runs: Runs, sml_schema: Any,
                                                     entry: dict[str, Any]) -> None:
    run = runs(entry)
    added = set(run.after) - set(run.before)
    for name in sorted(added | {entry["register_part"], "xl/workbook.xml", "xl/styles.xml"}):
        if name not in run.after or run.after[name] == run.before.get(name):
            continue
        if name in run.before and not sml_schema.validate(_transitional_view(run.before[name])):
            continue  # the producer's own departure from the schema; nothing to compare
        assert sml_schema.validate(_transitional_view(run.after[name])), (
            f"{run.who}: the part {name} no longer validates against the SpreadsheetML "
            f"schema: {sml_schema.error_log.last_error}")


# -- LibreOffice ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def libreoffice_csv(runs: Runs, tmp_path_factory: pytest.TempPathFactory
                    ) -> dict[str, dict[str, list[list[str]]]]:
    """Every written file opened by LibreOffice in one soffice call: file -> sheet -> rows."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: install libreoffice-calc-nogui to "
                    "check that LibreOffice opens what the toolkit writes")
    written = [runs(f).path for f in FILES if f["file"] not in REFUSED]
    out = tmp_path_factory.mktemp("corpus-csv")
    profile = tmp_path_factory.mktemp("corpus-lo-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to", _CSV_ALL_SHEETS, "--outdir", str(out),
                    *map(str, written)], capture_output=True, timeout=600, check=False)
    sheets: dict[str, dict[str, list[list[str]]]] = {}
    for path in written:
        found = {}
        for f in out.glob(f"{path.stem}-*.csv"):
            with f.open(encoding="utf-8", newline="") as fh:
                found[f.stem[len(path.stem) + 1:]] = list(csv.reader(fh))
        sheets[path.name] = found
    return sheets


@pytest.mark.libreoffice
@pytest.mark.parametrize("entry", [f for f in _params() if f.values[0]["file"] not in REFUSED])
def test_libreoffice_opens_the_result_and_reads_the_register(
        runs: Runs, libreoffice_csv: dict[str, dict[str, list[list[str]]]],
        entry: dict[str, Any]) -> None:
    run = runs(entry)
    sheets = libreoffice_csv[entry["file"]]
    assert REGISTER in sheets, (
        f"{run.who}: LibreOffice could not open the written file (sheets: {sorted(sheets)})")
    assert "校验报告" in sheets, f"{run.who}: LibreOffice shows no 校验报告 sheet"
    rows = sheets[REGISTER]
    header = rows[0]
    for title in ("投诉编号", "回复时限", "校验结果"):
        assert title in header, f"{run.who}: LibreOffice reads no {title} header: {header}"
    data = read_workbook(run.path).data
    ours = {r.row: r.values for r in data.rows}
    id_col, due_col = header.index("投诉编号"), header.index("回复时限")
    theirs = {i: r for i, r in enumerate(rows[1:], start=2) if any(r)}
    assert sorted(theirs) == sorted(ours), (
        f"{run.who}: LibreOffice reads register rows {sorted(theirs)}, the toolkit "
        f"{sorted(ours)}")
    shown_dates = 0
    for row, values in ours.items():
        cells = theirs[row]
        assert cells[id_col] == (values.get("case_id") or ""), (
            f"{run.who}: row {row}: LibreOffice reads 投诉编号 {cells[id_col]!r}")
        due = values.get("due_response")
        if due is not None:
            assert cells[due_col] == due.strftime("%Y-%m-%d %H:%M"), (
                f"{run.who}: row {row}: LibreOffice shows 回复时限 {cells[due_col]!r}, the "
                f"toolkit wrote {due}")
            shown_dates += 1
    assert shown_dates, f"{run.who}: no 回复时限 was written"
