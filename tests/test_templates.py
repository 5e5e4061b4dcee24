"""The committed workbook_templates/ are what `complaints init` builds today."""

from __future__ import annotations

from pathlib import Path

import pytest
import python_calamine as calamine

from toolkit.sheets.template import build_register

TEMPLATES = Path(__file__).resolve().parent.parent / "workbook_templates"


def sheets(path: Path) -> dict[str, list[list[object]]]:
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    finally:
        book.close()


@pytest.mark.parametrize("name, english", [("投诉登记台账.xlsx", False),
                                           ("complaint-register-en.xlsx", True)])
def test_committed_template_matches_the_code(tmp_path: Path, name: str, english: bool) -> None:
    fresh = build_register(tmp_path / "fresh.xlsx", english=english)
    assert sheets(TEMPLATES / name) == sheets(fresh), "run scripts/build-templates"
