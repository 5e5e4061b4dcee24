"""Damaged parts and oversized packages: one clear exit-2 line naming the part, nothing written."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import good_row, make_register

from toolkit.cli import cli
from toolkit.errors import WorkbookError
from toolkit.sheets import limits
from toolkit.sheets.reader import read_workbook
from toolkit.sheets.xlsx.writer import ColumnWrite, WorkbookEdit, save_edit

SHEET = "xl/worksheets/sheet1.xml"


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def rezip(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def cut_in_half(path: Path) -> None:
    parts = parts_of(path)
    parts[SHEET] = parts[SHEET][: len(parts[SHEET]) // 2]
    rezip(path, parts)


def local_data_offset(raw: bytes, name: str, path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        offset = z.getinfo(name).header_offset
    name_len, extra_len = struct.unpack("<HH", raw[offset + 26:offset + 30])
    return offset + 30 + name_len + extra_len


def corrupt_deflate(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    start = local_data_offset(bytes(raw), SHEET, path)
    for k in range(start + 20, start + 60):
        raw[k] ^= 0x5A
    path.write_bytes(bytes(raw))


def understate_size(path: Path) -> None:
    """Both headers claim the sheet unpacks to a third of its real size."""
    raw = bytearray(path.read_bytes())
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack("<H", raw[pos + 28:pos + 30])[0]
        if raw[pos + 46:pos + 46 + name_len] == SHEET.encode():
            size = struct.unpack("<I", raw[pos + 24:pos + 28])[0]
            raw[pos + 24:pos + 28] = struct.pack("<I", size // 3)
            local = struct.unpack("<I", raw[pos + 42:pos + 46])[0]
            raw[local + 22:local + 26] = struct.pack("<I", size // 3)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(raw))


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "cut": (cut_in_half, "not well-formed XML"),
    "deflate": (corrupt_deflate, "decompressing"),
    "sizes": (understate_size, "CRC"),
}


@pytest.fixture(params=sorted(DAMAGE))
def damaged(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    book = make_register(tmp_path / "台账.xlsx", [good_row(), good_row(case_id="2611-0002")])
    damage, why = DAMAGE[request.param]
    damage(book)
    return book, why


def test_a_damaged_part_is_named_by_the_reader(damaged: tuple[Path, str]) -> None:
    book, why = damaged
    with pytest.raises(WorkbookError) as caught:
        read_workbook(book)
    message = str(caught.value)
    assert f"the part {SHEET} of the workbook is damaged" in message and why in message
    assert "internal error" not in message and caught.value.exit_code == 2


def test_a_damaged_part_is_named_by_check_and_nothing_is_written(
        damaged: tuple[Path, str]) -> None:
    book, _ = damaged
    before = book.read_bytes()
    result = CliRunner().invoke(cli, ["check", str(book), "--as-of", "2026-11-24"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and SHEET in lines[0] and "internal error" not in lines[0]
    assert book.read_bytes() == before and not (book.parent / ".bak").exists()


def test_a_damaged_part_is_named_by_the_writer(damaged: tuple[Path, str]) -> None:
    book, _ = damaged
    before = book.read_bytes()
    with pytest.raises(WorkbookError, match=SHEET.replace(".", r"\.")):
        save_edit(book, WorkbookEdit("投诉记录", [ColumnWrite(20, {2: "x"})]), expected=None)
    assert book.read_bytes() == before


def test_the_size_limit_follows_the_free_memory(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    book = make_register(tmp_path / "台账.xlsx", [good_row()])
    parts = parts_of(book)
    data = parts[SHEET]
    at = data.index(b"<sheetData>")
    parts[SHEET] = data[:at] + b" " * (12 << 20) + data[at:]  # 12 MB of whitespace
    rezip(book, parts)
    read_workbook(book)  # this machine has the memory
    monkeypatch.setattr(limits, "available_memory", lambda: 50 << 20)
    assert limits.unpacked_limit() == 10 << 20
    with pytest.raises(WorkbookError, match="unpacks to 12 MB, more than the 10 MB this "
                                            "computer's free memory can safely process"):
        read_workbook(book)
    with pytest.raises(WorkbookError, match="unpacks to 12 MB"):
        save_edit(book, WorkbookEdit("投诉记录", [ColumnWrite(20, {2: "x"})]), expected=None)
    monkeypatch.setattr(limits, "available_memory", lambda: 1 << 40)
    assert limits.unpacked_limit() == limits.MAX_UNPACKED_BYTES  # never more than 2 GiB
