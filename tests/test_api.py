"""The library API named by toolkit.__all__, as the README uses it."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from helpers import good_row, make_register

import toolkit


def test_every_name_in_all_is_importable() -> None:
    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None, name
    with pytest.raises(AttributeError):
        toolkit.no_such_thing  # noqa: B018


def test_readme_library_example(tmp_path: Path) -> None:
    from toolkit import check_workbook

    book = make_register(tmp_path / "r.xlsx", [good_row()])
    outcome = check_workbook(book, datetime(2026, 11, 24, 9), dry_run=True)
    assert outcome.result.to_json()["summary"]["rows"] == 1


def test_importing_the_model_does_not_load_the_readers() -> None:
    code = ("import sys, toolkit.layout, toolkit.register; "
            "print(any(m.startswith(('python_calamine', 'openpyxl')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_all_names_the_lazy_table() -> None:
    assert set(toolkit.__all__) == {"__version__", *toolkit._API}
