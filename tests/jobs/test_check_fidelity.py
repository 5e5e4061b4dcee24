"""`check` end to end on a register with every feature a team's Excel workbook carries."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import read_parts

from toolkit.cli import cli

SHEET = "xl/worksheets/sheet1.xml"
TOUCHED = {SHEET, "xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
           "[Content_Types].xml"}


def test_check_command_loses_nothing_and_a_second_run_writes_nothing(
        featured_register: Callable[..., Path]) -> None:
    book = featured_register()
    original = book.read_bytes()
    before = read_parts(book)
    result = CliRunner().invoke(cli, ["check", str(book), "--as-of", "2026-11-24T09:00"])
    assert result.exit_code in (0, 1), result.output
    after = read_parts(book)
    assert book.suffix == ".xlsm"
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed <= TOUCHED
    assert len(set(after) - set(before)) == 1  # the 校验报告 sheet
    for name in before:
        if name not in TOUCHED:
            assert after[name] == before[name], name
    sheet = after[SHEET].decode()
    for feature in ("<x14:dataValidation ", "<x14:dataBar ", "<controls>",
                    'macro="[0]!Validate"', "<legacyDrawing ", "<autoFilter ", 'state="frozen"',
                    "<f>R2*10</f>", "校验结果"):
        assert feature in sheet, feature
    written = hashlib.sha256(book.read_bytes()).hexdigest()
    again = CliRunner().invoke(cli, ["check", str(book), "--as-of", "2026-11-24T09:00"])
    assert again.exit_code == result.exit_code
    assert hashlib.sha256(book.read_bytes()).hexdigest() == written
    backups = list((book.parent / ".bak").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == original


@pytest.mark.libreoffice
def test_init_then_check_gives_a_file_libreoffice_and_openpyxl_open(
        tmp_path: Path, libreoffice: Any) -> None:
    # openpyxl (which builds the template) declares r: on each <sheet> when lxml is installed;
    # the report sheet check adds must follow that spelling.
    import openpyxl
    from defusedxml import ElementTree

    book = tmp_path / "r.xlsx"
    made = CliRunner().invoke(cli, ["init", str(book)])
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(cli, ["check", str(book), "--as-of", "2026-11-24T09:00"])
    assert result.exit_code == 0, result.output
    parts = read_parts(book)
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(data)  # namespace-aware: an unbound prefix fails here
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "投诉记录" and wb.sheetnames[-1] == "校验报告"
    sheets = libreoffice.sheets_as_csv(book, tmp_path / "csv")
    assert sheets["投诉记录"][0][:2] == ["投诉编号", "受理时间"]
    assert "校验结果" in sheets["投诉记录"][0] and "校验报告" in sheets
