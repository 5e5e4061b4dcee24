"""docs/ is the reference the code cites: every cited file exists, nothing cites outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_doc_the_code_cites_exists() -> None:
    cited = set()
    for path in [*(ROOT / "toolkit").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        cited |= set(re.findall(r"docs/[\w-]+\.md", path.read_text(encoding="utf-8")))
    assert cited, "the code cites no docs at all"
    assert sorted(c for c in cited if not (ROOT / c).is_file()) == []


def test_the_code_cites_no_document_outside_the_repository() -> None:
    spec_cite = "SPEC" + " §"  # split so that this file does not cite it itself
    for path in (ROOT / "toolkit").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert spec_cite not in text and "FINDINGS.md" not in text, path


def test_docs_index_lists_every_doc() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for doc in (ROOT / "docs").glob("*.md"):
        if doc.name != "README.md":
            assert f"({doc.name})" in index, doc.name
