"""New output files: old or new, never a part; read-only targets refused; nothing left behind."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.errors import UsageError, WorkbookError
from toolkit.sheets import durable
from toolkit.sheets.atomic import write_atomic

OLD, NEW = b"old form " * 1000, b"new form " * 3000

CHILD = """
import os, sys
from toolkit.sheets import durable
from toolkit.sheets.atomic import write_atomic
stop, seen = int(sys.argv[1]), []
def hook(point):
    seen.append(point)
    if len(seen) == stop:
        print(point, flush=True)
        os._exit(9)
durable.fault_hook = hook
durable.CHUNK = 4096
write_atomic(sys.argv[2], b"new form " * 3000)
print("done", flush=True)
"""


@pytest.fixture
def no_faults() -> Iterator[None]:
    yield
    durable.fault_hook = None


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if durable.TEMP_MARK in p.name]


def test_replaces_keeping_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "forms" / "2611-0001_客户.docx"
    write_atomic(target, OLD)
    target.chmod(0o640)
    write_atomic(target, NEW)
    assert target.read_bytes() == NEW and target.stat().st_mode & 0o777 == 0o640
    assert temps(target.parent) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_a_read_only_target_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "表.docx"
    target.write_bytes(OLD)
    target.chmod(0o444)
    with pytest.raises(WorkbookError, match="the file is read-only") as caught:
        write_atomic(target, NEW)
    assert caught.value.exit_code == 2 and str(target) in str(caught.value)
    assert target.read_bytes() == OLD and temps(tmp_path) == []


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path: Path,
                                                         no_faults: None) -> None:
    target = tmp_path / "表.docx"
    target.write_bytes(OLD)

    def full(point: str) -> None:
        if point == "atomic-chunk":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    durable.fault_hook = full
    with pytest.raises(WorkbookError, match="cannot write the file: the disk is full; nothing "
                                            "was changed"):
        write_atomic(target, NEW)
    assert target.read_bytes() == OLD and temps(tmp_path) == []


def test_killed_at_every_point_the_file_is_old_or_new(tmp_path: Path) -> None:
    target = tmp_path / "表.docx"
    outcomes = set()
    for n in range(1, 50):
        target.write_bytes(OLD)
        proc = subprocess.run([sys.executable, "-c", CHILD, str(n), str(target)],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode == 0:
            break
        assert proc.returncode == 9, proc.stderr
        data = target.read_bytes()
        assert data in (OLD, NEW), proc.stdout
        outcomes.add((proc.stdout.strip(), data == NEW))
        write_atomic(target, NEW)  # the next run clears what the dead one left
        assert temps(tmp_path) == []
    assert ("atomic-chunk", False) in outcomes and ("atomic-installed", True) in outcomes


def test_temporaries_of_dead_runs_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "表.docx"
    stale = tmp_path / f".表{durable.TEMP_MARK}{dead.pid}-{durable._HOST}-abcdef.docx"
    stale.write_bytes(b"half")
    write_atomic(target, NEW)
    assert not stale.exists() and target.read_bytes() == NEW


def test_init_publishes_a_new_register_the_same_way(tmp_path: Path) -> None:
    from toolkit.sheets.template import build_register

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".台账{durable.TEMP_MARK}{dead.pid}-{durable._HOST}-abcdef.xlsx"
    stale.write_bytes(b"half")
    book = build_register(tmp_path / "台账.xlsx")
    assert book.exists() and temps(tmp_path) == []
    before = book.read_bytes()
    with pytest.raises(UsageError, match="init never overwrites a workbook"):
        build_register(book)
    assert book.read_bytes() == before and temps(tmp_path) == []
