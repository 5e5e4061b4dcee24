"""init --macro --from: a register upgraded to the button workbook, everything in it kept."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import python_calamine as calamine
from click.testing import CliRunner
from helpers import read_parts
from package_check import package_problems

from toolkit.cli import cli
from toolkit.sheets import CONFIG_SHEET
from toolkit.vba.project import read_sources
from toolkit.vba.sources import source_modules

# The parts an upgrade may change: content types and relationships it extends, the workbook's
# sheet list, the register sheet (its buttons) and the drawing the buttons join (with the comment).
MAY_CHANGE = {"[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml",
              "xl/worksheets/sheet1.xml", "xl/worksheets/_rels/sheet1.xml.rels",
              "xl/drawings/vmlDrawing1.vml"}


def sheets(path: Path) -> dict[str, list[list[object]]]:
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return {n: book.get_sheet_by_name(n).to_python() for n in book.sheet_names}
    finally:
        book.close()


@pytest.fixture
def upgraded(featured_register: Callable[..., Path]) -> tuple[Path, Path]:
    old = featured_register("台账.xlsx")
    new = old.with_name("台账.xlsm")
    original = old.read_bytes()
    result = CliRunner().invoke(cli, ["init", "--macro", "--from", str(old), str(new),
                                      "--interpreter", r"C:\Python312\python.exe"])
    assert result.exit_code == 0, result.output
    assert str(new) in result.output
    assert old.read_bytes() == original  # the old register is only read
    return old, new


def test_everything_of_the_old_register_is_kept(upgraded: tuple[Path, Path]) -> None:
    old, new = upgraded
    before, after = read_parts(old), read_parts(new)
    assert set(before) <= set(after)
    changed = {n for n in before if before[n] != after[n]}
    assert changed <= MAY_CHANGE
    added = set(after) - set(before)
    assert "xl/vbaProject.bin" in added
    assert {n for n in added if n.startswith("xl/ctrlProps/")} and all(
        re.fullmatch(r"xl/(vbaProject\.bin|ctrlProps/ctrlProp\d+\.xml|worksheets/sheet\d+\.xml)",
                     n) for n in added)
    # The comment and the old button keep their shapes; ours join the same drawing.
    vml_before = before["xl/drawings/vmlDrawing1.vml"].decode()
    vml_after = after["xl/drawings/vmlDrawing1.vml"].decode()
    assert vml_after.startswith(vml_before[:vml_before.rindex("</xml>")])
    assert package_problems(new) == []
    names = re.findall(r'<control [^>]*name="([^"]*)"', after["xl/worksheets/sheet1.xml"].decode())
    spids = re.findall(r'_x0000_s(\d+)', vml_after)
    assert len(names) == len(set(names)) == 4 and len(spids) == len(set(spids))
    old_sheets, new_sheets = sheets(old), sheets(new)
    assert {n: v for n, v in new_sheets.items() if n != CONFIG_SHEET} == old_sheets
    assert read_sources(after["xl/vbaProject.bin"])["ComplaintToolkit"] == \
        source_modules()[1].source


def test_the_interpreter_goes_into_the_hidden_config_sheet(upgraded: tuple[Path, Path]) -> None:
    _, new = upgraded
    config = sheets(new)[CONFIG_SHEET]
    assert config[0][:2] == ["INTERPRETER_WIN", r"C:\Python312\python.exe"]
    with zipfile.ZipFile(new) as z:
        book = z.read("xl/workbook.xml").decode()
    assert re.search(r'<sheet name="xlwings\.conf"[^>]*state="hidden"', book)


def test_check_on_the_upgraded_workbook_keeps_the_buttons(upgraded: tuple[Path, Path]) -> None:
    _, new = upgraded
    before = read_parts(new)
    result = CliRunner().invoke(cli, ["check", str(new), "--as-of", "2026-11-24T09:00"])
    assert result.exit_code in (0, 1), result.output
    after = read_parts(new)
    for name in ("xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml", "xl/ctrlProps/ctrlProp2.xml"):
        assert after[name] == before[name]
    assert after["xl/worksheets/sheet1.xml"].count(b"macro=\"[0]!") == 4  # 3 ours + the old one
    assert package_problems(new) == []


def test_an_existing_vba_project_is_never_overwritten(featured_register: Callable[..., Path]
                                                      ) -> None:
    old = featured_register("台账.xlsm")
    new = old.with_name("新台账.xlsm")
    result = CliRunner().invoke(cli, ["init", "--macro", "--from", str(old), str(new)])
    assert result.exit_code == 2
    assert "VBA" in result.output
    assert not new.exists()


def test_init_macro_refuses_to_overwrite_and_wrong_suffixes(tmp_path: Path) -> None:
    book = tmp_path / "a.xlsm"
    book.write_bytes(b"x")
    assert CliRunner().invoke(cli, ["init", "--macro", str(book)]).exit_code == 2
    assert book.read_bytes() == b"x"
    assert CliRunner().invoke(cli, ["init", "--macro", str(tmp_path / "b.xlsx")]).exit_code == 2
    result = CliRunner().invoke(cli, ["init", "--from", str(book), str(tmp_path / "c.xlsx")])
    assert result.exit_code == 2


def test_init_macro_makes_a_register_with_buttons(tmp_path: Path) -> None:
    book = tmp_path / "台账.xlsm"
    result = CliRunner().invoke(cli, ["init", "--macro", str(book)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(book) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert re.findall(r'macro="\[0\]!(\w+)"', sheet) == ["Validate", "ApprovalForms",
                                                        "MonthlyStatistics"]
    assert package_problems(book) == []
    check = CliRunner().invoke(cli, ["check", str(book), "--dry-run"])
    assert check.exit_code == 0, check.output


@pytest.mark.libreoffice
def test_libreoffice_opens_the_upgraded_register_with_vba_buttons_and_comment(
        upgraded: tuple[Path, Path], libreoffice, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    _, new = upgraded
    done = subprocess.run(
        [libreoffice.soffice, f"-env:UserInstallation={libreoffice.profile.as_uri()}",
         "--headless", "--norestore", "--convert-to", "ods", "--outdir", str(tmp_path),
         str(new)], capture_output=True, text=True, timeout=180, check=False)
    ods = tmp_path / (new.stem + ".ods")
    assert ods.exists(), done.stdout + done.stderr
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
        names = z.namelist()
    assert "Basic/VBAProject/ComplaintToolkit.xml" in names
    targets = re.findall(r"vnd\.sun\.star\.script:VBAProject\.ComplaintToolkit\.(\w+)\?", content)
    assert targets == ["Validate", "ApprovalForms", "MonthlyStatistics"]
    assert "<office:annotation" in content  # the staff comment on A1 is still there
    assert "留空由工具填写" in content


def test_captions_follow_the_workbook_language(tmp_path: Path) -> None:
    from toolkit.sheets.template import build_register

    old = build_register(tmp_path / "register.xlsx", english=True)
    new = tmp_path / "register.xlsm"
    assert CliRunner().invoke(cli, ["init", "--macro", "--from", str(old), str(new)]).exit_code == 0
    with zipfile.ZipFile(new) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml").decode()
    names = re.findall(r'<control [^>]*name="([^"]*)"', vml + z_sheet(new))
    assert len(names) == len(set(names)) == 3
    assert re.findall(r"<font[^>]*>([^<]*)</font>", vml) == ["Validate", "Approval forms",
                                                             "Monthly statistics"]


def z_sheet(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()
