"""vbaProject.bin: the compound file, the project streams, read back by olefile and olevba."""

from __future__ import annotations

import io
import re

import olefile
import pytest
from oletools.olevba import VBA_Parser

from toolkit.vba.cfb import Storage, write_cfb
from toolkit.vba.project import (
    Module,
    build_project,
    decrypt,
    document_module,
    encrypt,
    read_sources,
)
from toolkit.vba.sources import TEMPLATES, source_modules

# The protection values of a project Excel saved (xlwings' quickstart_standalone.xlsm):
# [MS-OVBA] 2.3.1.15-17 say they decrypt to "not protected", "no password", "visible".
EXCEL_CMG, EXCEL_DPB, EXCEL_GC = "8D8FA61394EA98EA98EA98EA98", "8D8FA61394EF95EF95EF", \
    "8D8FA61394EF95EF9510"


def test_decrypts_what_excel_wrote() -> None:
    assert decrypt(EXCEL_CMG) == bytes(4)
    assert decrypt(EXCEL_DPB) == bytes(1)
    assert decrypt(EXCEL_GC) == b"\xff"


def test_encryption_round_trips() -> None:
    pid = "{5CF9CDAB-B77B-4FE4-BD7E-D29900070E1B}"
    for data in (bytes(4), b"\x00", b"\xff", b"hello world"):
        for seed in (0, 6, 0x8D, 0xFF):
            assert decrypt(encrypt(pid, data, seed)) == data


def test_compound_file_reads_back_with_olefile() -> None:
    tree = Storage({"A": b"x" * 100, "B": Storage({"big": bytes(range(256)) * 40,
                                                   "empty": b"", "small": b"s" * 4095})})
    data = write_cfb(tree)
    assert data == write_cfb(tree)
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.openstream("A").read() == b"x" * 100
    assert ole.openstream("B/big").read() == bytes(range(256)) * 40
    assert ole.openstream("B/small").read() == b"s" * 4095
    assert ole.openstream("B/empty").read() == b""
    assert sorted(ole.listdir()) == [["A"], ["B", "big"], ["B", "empty"], ["B", "small"]]


def test_sources_are_ascii_and_name_their_modules() -> None:
    modules = source_modules()
    assert [m.name for m in modules] == ["xlwings", "ComplaintToolkit"]
    for path in TEMPLATES.glob("*.bas"):
        path.read_bytes().decode("ascii")  # VBA keeps source in an ANSI code page


def test_project_modules_read_back_equal_to_the_bas_files() -> None:
    modules = [document_module("ThisWorkbook", workbook=True),
               document_module("Sheet1", workbook=False), *source_modules()]
    data = build_project(modules)
    back = read_sources(data)
    for m in modules:
        assert back[m.name] == m.source
    # olevba: an independent reader of the dir stream and the module streams.
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        found = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    for m in modules:
        assert found[m.name] == m.source, m.name


def test_module_names_are_checked() -> None:
    with pytest.raises(ValueError):
        build_project([Module("两个", "Attribute VB_Name = \"x\"\r\n")])
    with pytest.raises(ValueError):
        build_project([Module("A", ""), Module("a", "")])


def test_the_excel_extra_pins_the_xlwings_of_the_bas_module() -> None:
    bas = (TEMPLATES / "xlwings.bas").read_text(encoding="ascii")
    version = re.search(r"^'Version: (\S+)", bas, re.M)
    assert version is not None
    pyproject = (TEMPLATES.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert f'excel = ["xlwings=={version.group(1)}"]' in pyproject
