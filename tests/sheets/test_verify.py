"""The check before a save: a written package that would not open never replaces the original."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import read_parts, write_parts

from toolkit.cli import cli
from toolkit.sheets.lock import fingerprint
from toolkit.sheets.xlsx import apply
from toolkit.sheets.xlsx.verify import VerifyError, check_xml, package_problems, verify_package
from toolkit.sheets.xlsx.writer import OwnedSheet, WorkbookEdit, save_edit

MakeRegister = Callable[..., Path]
REGISTER = "投诉记录"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_XML = "application/xml"


def _zip(parts: dict[str, bytes]) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return zipfile.ZipFile(buf)


def _edit() -> WorkbookEdit:
    return WorkbookEdit(REGISTER, owned_sheets=[OwnedSheet("校验报告", [["行号"], [2]])])


def test_an_undeclared_prefix_is_refused_naming_the_part(
        featured_register: MakeRegister, monkeypatch: pytest.MonkeyPatch) -> None:
    # The bug this check exists for: a <sheet> entry using r: where the file never declared it.
    book = featured_register("台账.xlsx")
    files = read_parts(book)
    files["xl/workbook.xml"] = files["xl/workbook.xml"].replace(
        f' xmlns:r="{NS_REL}"'.encode(), b"", 1).replace(
        b"<sheet ", f'<sheet xmlns:r="{NS_REL}" '.encode())
    write_parts(book, files)
    original = book.read_bytes()
    real = apply.add_sheet

    def careless(*args: object, **kwargs: object) -> bytes:
        return real(*args, **kwargs).replace(f' xmlns:r="{NS_REL}"'.encode(), b"")  # type: ignore[arg-type]

    monkeypatch.setattr(apply, "add_sheet", careless)
    with pytest.raises(VerifyError, match=r"xl/workbook\.xml: .*unbound prefix") as caught:
        save_edit(book, _edit(), expected=fingerprint(book))
    assert caught.value.exit_code == 70 and caught.value.part == "xl/workbook.xml"
    assert book.read_bytes() == original
    assert [p.name for p in book.parent.iterdir() if p.name != book.name] == []
    result = CliRunner().invoke(cli, ["check", str(book), "--as-of", "2026-11-24T09:00"])
    assert result.exit_code == 70, result.output
    assert "xl/workbook.xml" in result.output and "--verbose" in result.output
    assert book.read_bytes() == original


def test_check_xml_is_namespace_aware_and_defused() -> None:
    assert check_xml(b'<a xmlns="urn:x"><b/></a>') == ("urn:x", "a")
    with pytest.raises(ValueError, match="unbound prefix"):
        check_xml(b'<a><r:b/></a>')
    with pytest.raises(ValueError, match="unbound prefix"):
        check_xml(b'<a><b r:id="1"/></a>')
    with pytest.raises(ValueError, match="forbidden"):
        check_xml(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
    with pytest.raises(ValueError, match="well-formed"):
        check_xml(b"<a><b></a>")


def _types(*overrides: str) -> bytes:
    over = "".join(f'<Override PartName="/{p}" ContentType="{CT_XML}"/>' for p in overrides)
    return ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/>{over}</Types>').encode()


def _rels(*rels: tuple[str, str, str]) -> bytes:
    body = "".join(f'<Relationship Id="{i}" Type="{NS_REL}/{t}" Target="{target}"/>'
                   for i, t, target in rels)
    return ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{body}</Relationships>').encode()


def _book(*sheets: tuple[str, str]) -> bytes:
    body = "".join(f'<sheet name="{n}" sheetId="{k}" r:id="{rid}"/>'
                   for k, (n, rid) in enumerate(sheets, start=1))
    return ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{NS_REL}"><sheets>{body}</sheets></workbook>').encode()


def _package(changes: dict[str, bytes | None] | None = None) -> dict[str, bytes]:
    parts = {
        "[Content_Types].xml": _types("xl/workbook.xml", "xl/worksheets/sheet1.xml"),
        "_rels/.rels": _rels(("rId1", "officeDocument", "xl/workbook.xml")),
        "xl/workbook.xml": _book(("投诉记录", "rId1")),
        "xl/_rels/workbook.xml.rels": _rels(("rId1", "worksheet", "worksheets/sheet1.xml")),
        "xl/worksheets/sheet1.xml": b'<worksheet xmlns="urn:x"><sheetData/></worksheet>',
    }
    for name, data in (changes or {}).items():
        if data is None:
            parts.pop(name)
        else:
            parts[name] = data
    return parts


def test_a_sound_package_has_no_problems() -> None:
    assert package_problems(_zip(_package())) == set()


@pytest.mark.parametrize(("change", "part", "why"), [
    ({"[Content_Types].xml": _types("xl/workbook.xml")}, "xl/worksheets/sheet1.xml",
     "no content type"),
    ({"xl/worksheets/sheet1.xml": None}, "xl/_rels/workbook.xml.rels", "not in the package"),
    ({"xl/workbook.xml": _book(("投诉记录", "rId1"), ("校验报告", "rId9"))}, "xl/workbook.xml",
     "rId9, which the workbook's relationships do not have"),
    ({"xl/workbook.xml": _book(("投诉记录", "rId1"), ("投诉记录", "rId1"))}, "xl/workbook.xml",
     "occurs twice"),
    ({"xl/_rels/workbook.xml.rels": _rels(("rId1", "worksheet", "worksheets/sheet1.xml"),
                                          ("rId1", "styles", "worksheets/sheet1.xml"))},
     "xl/_rels/workbook.xml.rels", "rId1 occurs twice"),
])
def test_what_keeps_a_package_from_being_whole_is_named(change: dict[str, bytes | None],
                                                        part: str, why: str) -> None:
    problems = package_problems(_zip(_package(change)))
    assert any(p == part and why in w for p, w in problems), problems


def _write(tmp_path: Path, name: str, parts: dict[str, bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        for part, data in parts.items():
            z.writestr(part, data)
    return path


def test_an_untouched_part_that_changed_is_refused(tmp_path: Path) -> None:
    original = _write(tmp_path, "a.xlsx", _package()).read_bytes()
    changed = _package({"xl/worksheets/sheet1.xml": b'<worksheet xmlns="urn:x"><sheetData>'
                                                    b"</sheetData></worksheet>"})
    tmp = _write(tmp_path, "b.xlsx", changed)
    with pytest.raises(VerifyError, match=r"xl/worksheets/sheet1\.xml: .*no reason to touch"):
        verify_package(tmp, original, set(), set(), tmp_path / "a.xlsx")
    verify_package(tmp, original, {"xl/worksheets/sheet1.xml"}, set(), tmp_path / "a.xlsx")


def test_a_flaw_the_original_already_had_is_no_reason_to_refuse(tmp_path: Path) -> None:
    # Some producers leave a relationship to a part they never wrote.
    flawed = _package({"xl/_rels/workbook.xml.rels": _rels(
        ("rId1", "worksheet", "worksheets/sheet1.xml"), ("rId7", "theme", "theme/gone.xml"))})
    original = _write(tmp_path, "a.xlsx", flawed).read_bytes()
    edited = dict(flawed)
    edited["xl/worksheets/sheet1.xml"] = b'<worksheet xmlns="urn:x"><sheetData><row r="1"/>' \
                                         b"</sheetData></worksheet>"
    tmp = _write(tmp_path, "b.xlsx", edited)
    verify_package(tmp, original, {"xl/worksheets/sheet1.xml"}, set(), tmp_path / "a.xlsx")
    with pytest.raises(VerifyError, match="theme/gone.xml"):
        verify_package(tmp, None, {"xl/worksheets/sheet1.xml"}, set(), tmp_path / "a.xlsx")


def test_a_value_that_does_not_read_back_names_the_sheet_part(
        featured_register: MakeRegister, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.sheets.xlsx import readback
    from toolkit.sheets.xlsx.writer import ColumnWrite

    book = featured_register("台账.xlsx")
    original = book.read_bytes()
    monkeypatch.setattr(readback, "_same_value", lambda back, value: back == "never")
    with pytest.raises(VerifyError, match=r"xl/worksheets/sheet1\.xml: does not read back as "
                                          r"written: AG2 reads '通过', expected '通过'"):
        save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(33, {2: "通过"})]), expected=None)
    assert book.read_bytes() == original


@pytest.mark.parametrize(("xml", "why"), [
    (b'<worksheet><sheetData><row r="1"/><row r="3"><c r="A3"><is><t>row 9 arrow</t></is></c>'
     b'</row></sheetData><rowBreaks count="1"/></worksheet>', None),
    (b'<x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="1"/><x:row r="2"/></x:sheetData>'
     b"</x:worksheet>", None),
    (b'<worksheet><sheetData><row r="2"/><row r="2"/></sheetData></worksheet>',
     "row 2 comes after row 2"),
    (b'<x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="1"/><x:row r="4"/></x:sheetData>'
     b'<x:sheetData><row spans="1:2" r="3"/></x:sheetData></x:worksheet>',
     "row 3 comes after row 4"),
])
def test_rows_must_ascend(xml: bytes, why: str | None) -> None:
    from toolkit.sheets.xlsx.verify import rows_out_of_order

    found = rows_out_of_order(xml)
    assert found == why if why is None else why in (found or "")
