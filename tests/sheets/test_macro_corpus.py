"""init --macro --from on every workbook of the corpus (files from Excel, WPS, LibreOffice, Google
Sheets, Numbers, libraries): the result is a well-formed package with the buttons, and every part
the upgrade had no reason to touch is byte for byte what it was."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from package_check import package_problems

from toolkit.errors import ToolkitError
from toolkit.jobs.macro import init_macro
from toolkit.vba.project import read_sources
from toolkit.vba.sources import source_modules

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
# What an upgrade may change: the content types, the workbook and its relationships, the
# worksheets (a code name each; the register its buttons), their relationships and drawings.
MAY_CHANGE = re.compile(r"(^|/)(\[Content_Types\]\.xml|workbook\.xml|workbook\.xml\.rels|"
                        r"worksheets/[^/]+\.xml|worksheets/_rels/[^/]+\.rels|[^/]+\.vml)$", re.I)


def _files() -> list[dict[str, Any]]:
    manifest = CORPUS / "manifest.json"
    if not manifest.is_file():
        return []
    files: list[dict[str, Any]] = json.loads(manifest.read_text())["files"]
    return files


FILES = _files()
pytestmark = pytest.mark.skipif(
    not FILES, reason=f"the corpus of real workbooks is not at {CORPUS} (../shared/corpus)")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.filename.endswith("/")}


@pytest.mark.parametrize("entry", FILES, ids=[f["file"] for f in FILES])
def test_upgrade_keeps_every_other_part(entry: dict[str, Any], tmp_path: Path) -> None:
    source = CORPUS / entry["file"]
    new = tmp_path / "upgraded.xlsm"
    before = parts(source)
    try:
        init_macro(new, source=source)
    except ToolkitError as e:
        # Only a workbook with its own VBA project is refused, and nothing is written then.
        assert "xl/vbaproject.bin" in {n.lower() for n in before}, e.message
        assert not new.exists()
        return
    assert parts(source) == before  # the old register is only read
    after = parts(new)
    assert package_problems(new) == []
    changed = {n for n in before if after.get(n) != before[n]}
    assert {n for n in changed if not MAY_CHANGE.search(n)} == set()
    assert read_sources(after["xl/vbaProject.bin"])["ComplaintToolkit"] == \
        source_modules()[1].source
    assert len(re.findall(rb'macro="\[0\]!', b"".join(
        v for n, v in after.items() if re.search(r"worksheets/[^/]+\.xml$", n)))) >= 3
