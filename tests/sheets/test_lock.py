"""Whether a workbook may be written: Excel's owner file and the fingerprint taken at read."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from toolkit.errors import WorkbookChangedError, WorkbookLockedError
from toolkit.sheets.lock import ensure_writable, fingerprint, owner_file, owner_user


def excel_owner_file(path: Path, user: str) -> Path:
    """An owner file laid out as Excel writes it (165 bytes)."""
    ansi = user.encode("ascii", "replace")
    data = bytes([len(user)]) + ansi + b" " * (54 - len(ansi))
    data += struct.pack("<H", len(user)) + user.encode("utf-16-le")
    data += b" \x00" * ((165 - len(data)) // 2)
    owner = path.parent / ("~$" + path.name)
    owner.write_bytes(data.ljust(165, b" "))
    return owner


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "2026年投诉台账.xlsx"
    path.write_bytes(b"PK\x03\x04 workbook bytes")
    return path


def test_fingerprint_follows_the_content(book: Path) -> None:
    first = fingerprint(book)
    assert first == fingerprint(book)
    assert first.size == book.stat().st_size and first.mtime_ns == book.stat().st_mtime_ns
    book.write_bytes(b"PK\x03\x04 saved by someone else")
    assert fingerprint(book).sha256 != first.sha256


def test_owner_file_in_both_of_excels_forms(book: Path) -> None:
    assert owner_file(book) is None
    full = book.parent / ("~$" + book.name)
    full.write_bytes(b"x")
    assert owner_file(book) == full
    full.unlink()
    # Long names: the first two characters of the name give way to "~$".
    short = book.parent / ("~$" + book.name[2:])
    short.write_bytes(b"x")
    assert owner_file(book) == short


def test_owner_file_matches_regardless_of_case(tmp_path: Path) -> None:
    book = tmp_path / "Register.xlsx"
    book.write_bytes(b"x")
    (tmp_path / "~$REGISTER.XLSX").write_bytes(b"x")
    found = owner_file(book)
    assert found is not None and found.name.casefold() == "~$register.xlsx"


def test_a_folder_is_not_an_owner_file(book: Path) -> None:
    (book.parent / ("~$" + book.name)).mkdir()
    assert owner_file(book) is None


def test_owner_user_reads_the_name_excel_wrote(book: Path) -> None:
    assert owner_user(excel_owner_file(book, "张三")) == "张三"
    assert owner_user(excel_owner_file(book, "Wang Fang")) == "Wang Fang"
    garbage = book.parent / "~$garbage.xlsx"
    garbage.write_bytes(b"\x00" * 10)
    assert owner_user(garbage) is None


def test_locked_workbook_is_refused_with_who_and_what_to_do(book: Path) -> None:
    excel_owner_file(book, "张三")
    with pytest.raises(WorkbookLockedError) as caught:
        ensure_writable(book, fingerprint(book))
    message = str(caught.value)
    assert caught.value.exit_code == 2 and "\n" not in message
    assert message.startswith(str(book))
    assert "open in Excel by 张三" in message and "close it in Excel and run again" in message
    assert f"~${book.name}" in message


def test_changed_workbook_is_refused(book: Path) -> None:
    seen = fingerprint(book)
    book.write_bytes(b"PK\x03\x04 saved meanwhile")
    with pytest.raises(WorkbookChangedError) as caught:
        ensure_writable(book, seen)
    assert caught.value.exit_code == 2
    assert str(caught.value) == (f"{book}: 读取之后有人又保存了工作簿：为免覆盖别人的修改，"
                                 "本次未写入，请重新运行 / someone saved the workbook since it "
                                 "was read; run again")
    ensure_writable(book, None)  # no fingerprint: only the owner file is checked


def test_a_touched_but_unchanged_workbook_may_be_written(book: Path) -> None:
    seen = fingerprint(book)
    os.utime(book, ns=(seen.mtime_ns + 5_000_000_000, seen.mtime_ns + 5_000_000_000))
    ensure_writable(book, seen)


def test_a_deleted_workbook_counts_as_changed(book: Path) -> None:
    seen = fingerprint(book)
    book.unlink()
    with pytest.raises(WorkbookChangedError, match="moved or deleted"):
        ensure_writable(book, seen)
