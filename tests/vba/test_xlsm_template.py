"""The .xlsm template: rebuilt identically, its buttons bound to macros that exist, each macro
calling a function that exists, the VBA equal to the .bas files, and LibreOffice keeping it."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import python_calamine as calamine
from defusedxml import ElementTree
from oletools.olevba import VBA_Parser
from package_check import package_problems

from toolkit.jobs.macro import build_template
from toolkit.sheets import CONFIG_SHEET
from toolkit.vba.sources import TEMPLATES, run_python_calls, source_modules, subs

TEMPLATE = TEMPLATES / "投诉登记台账.xlsm"
CAPTIONS = ["校验", "生成审批表", "月度统计"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("xlsm") / "template.xlsm")


def test_committed_template_is_what_the_build_script_makes(fresh: Path) -> None:
    assert TEMPLATE.read_bytes() == fresh.read_bytes(), "run scripts/build-xlsm-template"


def test_the_package_is_well_formed() -> None:
    assert package_problems(TEMPLATE) == []


def vba_sources(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def buttons(path: Path) -> list[tuple[str, str, str]]:
    """(caption, VML macro, Excel 2010 control macro) of each button on the register sheet."""
    with zipfile.ZipFile(path) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    captions = re.findall(r"<font[^>]*>([^<]*)</font>", vml)
    vml_macros = re.findall(r"<x:FmlaMacro>\[0\]!([^<]*)</x:FmlaMacro>", vml)
    control_macros = re.findall(r'<controlPr [^>]*macro="\[0\]!([^"]*)"', sheet)
    return list(zip(captions, vml_macros, control_macros, strict=True))


def test_olevba_reads_the_bas_sources_back() -> None:
    found = vba_sources(TEMPLATE)
    for module in source_modules():
        assert found[module.name] == module.source, module.name


def test_each_button_runs_a_sub_that_exists() -> None:
    found = vba_sources(TEMPLATE)
    defined = {s for code in found.values() for s in subs(code)}
    bound = buttons(TEMPLATE)
    assert [caption for caption, _, _ in bound] == CAPTIONS
    for caption, vml_macro, control_macro in bound:
        assert vml_macro == control_macro, caption
        assert vml_macro in defined, f"button {caption} runs {vml_macro}, which is not a Sub"


def test_each_macro_is_one_runpython_line_on_a_function_of_toolkit_excel() -> None:
    ours = vba_sources(TEMPLATE)["ComplaintToolkit"]
    names = subs(ours)
    assert len(names) == 3
    for name in names:
        body = re.search(rf"Sub {name}\(\)\r\n(.*?)End Sub", ours, re.S)
        assert body is not None
        calls = run_python_calls(body.group(1))
        assert len(calls) == 1 and body.group(1).strip().count("\r\n") == 0, name
        module, function = calls[0]
        assert function.startswith(module + ".")
        target = getattr(importlib.import_module(module), function[len(module) + 1:], None)
        assert callable(target), f"{name} calls {function}, which does not exist"


def test_the_config_sheet_is_hidden_and_names_the_interpreter() -> None:
    with zipfile.ZipFile(TEMPLATE) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        types = z.read("[Content_Types].xml").decode()
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    states = {s.get("name"): s.get("state") for s in book.iter(f"{ns}sheet")}
    assert states[CONFIG_SHEET] == "hidden"
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    wb = calamine.CalamineWorkbook.from_path(str(TEMPLATE))
    try:
        rows = wb.get_sheet_by_name(CONFIG_SHEET).to_python()
    finally:
        wb.close()
    assert [r[0] for r in rows][:2] == ["INTERPRETER_WIN", "PYTHONPATH"]


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_vba_and_the_button_bindings(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: install libreoffice-calc-nogui to "
                    "check that LibreOffice imports the VBA project and the buttons")
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", "ods", "--outdir", str(tmp_path), str(TEMPLATE)],
        capture_output=True, text=True, timeout=180, check=False)
    ods = tmp_path / (TEMPLATE.stem + ".ods")
    assert ods.exists(), done.stdout + done.stderr
    with zipfile.ZipFile(ods) as z:
        names = z.namelist()
        content = z.read("content.xml").decode()
        module = z.read("Basic/VBAProject/ComplaintToolkit.xml").decode()
    assert "Basic/VBAProject/xlwings.xml" in names
    assert "toolkit.excel.validate()" in module
    labels = re.findall(r'<form:button [^>]*form:label="([^"]*)"', content)
    assert labels == CAPTIONS
    targets = re.findall(r"vnd\.sun\.star\.script:VBAProject\.ComplaintToolkit\.(\w+)\?", content)
    assert targets == subs(source_modules()[1].source)
