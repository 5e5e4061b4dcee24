"""The save under faults: killed at every step, a full disk, a colleague saving at the worst
moment, read-only files and folders. The workbook is always the old or the new version, and
every file in .bak/ opens (docs/writeback.md)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import python_calamine as calamine
from test_writer import AG, HEADERS, REGISTER, check_edit

from toolkit.errors import WorkbookChangedError, WorkbookError
from toolkit.sheets import durable
from toolkit.sheets.lock import fingerprint
from toolkit.sheets.xlsx.backups import copies
from toolkit.sheets.xlsx.writer import ColumnWrite, WorkbookEdit, save_edit

MakeRegister = Callable[..., Path]
TESTS = Path(__file__).parent
ROOT = TESTS.parents[2]

# One child process prepares a copy of the workbook per N and forks a grandchild that runs a
# real save and dies (os._exit, as abrupt as SIGKILL) at the N-th fault point, until a save
# completes; every zip part written counts as a point too. Forking once per N instead of
# starting Python again keeps the test to seconds.
CHILD = """
import os, shutil, sys, zipfile
from pathlib import Path
sys.path[:0] = [{tests!r}, str(Path({tests!r}).parents[1])]
from test_faults import seed
from test_writer import check_edit
from toolkit.sheets import durable
from toolkit.sheets.xlsx.writer import save_edit
template, runs = Path(sys.argv[1]), Path(sys.argv[2])

def save(stop, book, log):
    seen = []
    def hook(point):
        seen.append(point)
        if len(seen) == stop:
            log.write_text(point)
            os._exit(9)
    durable.fault_hook = hook
    durable.CHUNK = 4096
    real = zipfile.ZipFile.writestr
    def writestr(self, *args, **kwargs):
        durable.fault_point("zip-part")
        return real(self, *args, **kwargs)
    zipfile.ZipFile.writestr = writestr
    save_edit(book, check_edit(), expected=None, backups=3)

for n in range(1, 200):
    folder = runs / f"run{{n}}"
    folder.mkdir()
    book = folder / template.name
    shutil.copy2(template, book)
    seed(book)
    log = runs / f"point{{n}}.txt"
    pid = os.fork()
    if pid == 0:
        try:
            save(n, book, log)
        finally:
            os._exit(0 if not log.exists() else 9)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        print(n, flush=True)
        break
    assert os.waitstatus_to_exitcode(status) == 9 and log.exists(), status
"""


def state(path: Path, original: bytes) -> str:
    """"old", "new", or a failure of the test."""
    data = path.read_bytes()
    if data == original:
        return "old"
    assert opens(path), f"{path.name} is neither the old nor a whole new version"
    header = register_row1(path)
    assert header[AG - 1:AG + 5] == HEADERS, "a whole file, but not the new version"
    return "new"


def opens(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            if z.testzip() is not None:
                return False
        register_row1(path)
    except Exception:
        return False
    return True


def register_row1(path: Path) -> list[object]:
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return list(book.get_sheet_by_name(REGISTER).to_python()[0])
    finally:
        book.close()


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if durable.TEMP_MARK in p.name]


def seed(book: Path, n: int = 3) -> list[Path]:
    """n good backups from earlier days."""
    bak = book.parent / ".bak"
    bak.mkdir(exist_ok=True)
    out = []
    for day in range(1, n + 1):
        copy = bak / f"{book.stem}.202610{day:02d}-090000{book.suffix}"
        shutil.copy2(book, copy)
        out.append(copy)
    return out


@pytest.fixture
def book(featured_register: MakeRegister) -> Path:
    return featured_register("投诉台账.xlsm")


@pytest.fixture
def no_faults() -> Iterator[None]:
    yield
    durable.fault_hook = None


# ---------------------------------------------------------------------------
# Killed at every point


@pytest.mark.skipif(sys.platform == "win32", reason="forks a process per point")
def test_killed_at_every_point_the_workbook_is_old_or_new_and_every_backup_opens(
        featured_register: MakeRegister, tmp_path: Path) -> None:
    template = featured_register("投诉台账.xlsm")
    original = template.read_bytes()
    runs = tmp_path / "runs"
    runs.mkdir()
    proc = subprocess.run([sys.executable, "-c", CHILD.format(tests=str(TESTS)), str(template),
                           str(runs)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    last = int(proc.stdout.strip())  # the first N the save got through
    assert state(runs / f"run{last}" / template.name, original) == "new"
    seen: dict[str, list[str]] = {"old": [], "new": []}
    for n in range(1, last):
        point = (runs / f"point{n}.txt").read_text()
        folder = runs / f"run{n}"
        book = folder / template.name
        seen[state(book, original)].append(point)
        for copy in (folder / ".bak").iterdir():
            if durable.TEMP_MARK not in copy.name:
                assert opens(copy), (point, copy.name)
                assert copy.read_bytes() == original, (point, copy.name)
        # The next run removes what the dead one left and saves normally.
        save_edit(book, check_edit(), expected=None, backups=3)
        assert state(book, original) == "new"
        assert leftovers(folder) == [], point
        assert len(copies(book)) == 3 and all(opens(c) for c in copies(book))
    # Every point was reached, and both outcomes happened: the test can tell them apart.
    points = set(seen["old"]) | set(seen["new"])
    assert {"zip-part", "temp-written", "verified", "backup-chunk", "backup-written",
            "backup-named", "before-install", "installed", "rotated"} <= points
    assert "before-install" in seen["old"] and "installed" in seen["new"]
    assert seen["old"].index("before-install") == len(seen["old"]) - 1  # old until the rename


# ---------------------------------------------------------------------------
# A failing disk at every point, and failed runs


def test_a_full_disk_at_every_point_leaves_the_original_and_its_backups(
        book: Path, no_faults: None) -> None:
    good = seed(book, 3)
    original = book.read_bytes()
    points: list[str] = []

    def record(point: str) -> None:
        points.append(point)

    durable.fault_hook = record
    durable.CHUNK = 4096
    try:
        first = save_edit(book, WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: "x"})]),
                          expected=None).backup
        shutil.copy2(good[0], book)  # back to the original for the failing runs
        before_install = points.index("before-install")
        for n in range(1, before_install + 2):
            count = [0]

            def full(point: str, n: int = n, count: list[int] = count) -> None:
                count[0] += 1
                if count[0] == n:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            durable.fault_hook = full
            with pytest.raises(WorkbookError, match="disk is full") as caught:
                save_edit(book, check_edit(), expected=fingerprint(book), backups=3)
            message = str(caught.value)
            assert caught.value.exit_code == 2 and "\n" not in message
            assert book.read_bytes() == original, n
            assert leftovers(book.parent) == [], n
            assert copies(book) == [*good, first], n  # no new one, none pushed out
    finally:
        durable.CHUNK = 1 << 22


def test_failed_runs_never_push_out_good_backups_and_leave_no_backup(
        book: Path, no_faults: None) -> None:
    good = seed(book, 3)

    def refuse(point: str) -> None:
        if point == "before-install":
            raise OSError(errno.EIO, os.strerror(errno.EIO))

    durable.fault_hook = refuse
    for _ in range(3):
        with pytest.raises(WorkbookError, match="input/output error"):
            save_edit(book, check_edit(), expected=None, backups=3)
    assert copies(book) == good
    durable.fault_hook = None
    result = save_edit(book, check_edit(), expected=None, backups=3)
    assert copies(book) == good[1:] + [result.backup]


def test_nothing_to_write_makes_no_backup(book: Path) -> None:
    result = save_edit(book, WorkbookEdit(REGISTER), expected=fingerprint(book))
    assert not result.changed and result.backup is None
    assert not (book.parent / ".bak").exists()


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                    reason="mounting a small tmpfs needs root on Linux")
def test_a_really_full_disk(featured_register: MakeRegister, tmp_path: Path) -> None:
    template = featured_register("投诉台账.xlsm")
    original = template.read_bytes()
    size = len(original)
    outcomes = []
    # Disks that fill up at different moments: during the new copy, the backup, or not at all.
    for pages in range(size // 4096 + 2, 4 * size // 4096 + 4):
        mount = tmp_path / f"disk{pages}"
        mount.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={pages * 4096}", "tmpfs",
                               str(mount)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        try:
            book = mount / template.name
            try:
                shutil.copy2(template, book)
            except OSError:
                continue
            try:
                save_edit(book, check_edit(), expected=fingerprint(book))
                outcomes.append("saved")
                assert state(book, original) == "new"
            except WorkbookError as e:
                assert "disk is full" in str(e) and "left unchanged" in str(e), str(e)
                assert book.read_bytes() == original
                outcomes.append("refused")
            assert leftovers(mount) == []
            for copy in (mount / ".bak").glob("*"):
                assert opens(copy)
        finally:
            subprocess.run(["umount", str(mount)], check=True)
    assert "refused" in outcomes and "saved" in outcomes, outcomes


# ---------------------------------------------------------------------------
# A colleague's save at the worst moment


def colleague_save(book: Path, text: str) -> bytes:
    """A colleague saves from Excel: a whole new file put over the name."""
    other = book.with_name("colleague.xlsm")
    shutil.copy2(book, other)
    save_edit(other, WorkbookEdit(REGISTER, [ColumnWrite(AG, {2: text})]), expected=None,
              backups=0)
    os.replace(other, book)
    return book.read_bytes()


@pytest.mark.skipif(sys.platform != "linux", reason="the atomic exchange is Linux renameat2")
def test_a_save_in_the_last_instant_before_the_replace_is_kept(book: Path,
                                                               no_faults: None) -> None:
    theirs: list[bytes] = []

    def colleague(point: str) -> None:
        if point == "before-install" and not theirs:
            durable.fault_hook = None
            theirs.append(colleague_save(book, "同事最后一刻保存的"))
            durable.fault_hook = colleague

    durable.fault_hook = colleague
    with pytest.raises(WorkbookChangedError, match="their save was kept") as caught:
        save_edit(book, check_edit(), expected=fingerprint(book))
    assert caught.value.exit_code == 2
    assert book.read_bytes() == theirs[0]
    assert register_cell(book, 2, AG) == "同事最后一刻保存的"
    assert leftovers(book.parent) == []
    assert copies(book) == []  # nothing written: no backup


def test_a_save_during_the_backup_is_noticed_after_it(book: Path, no_faults: None) -> None:
    theirs: list[bytes] = []

    def colleague(point: str) -> None:
        if point == "backup-named" and not theirs:
            durable.fault_hook = None
            theirs.append(colleague_save(book, "同事"))
            durable.fault_hook = colleague

    durable.fault_hook = colleague
    with pytest.raises(WorkbookChangedError, match="someone saved the workbook"):
        save_edit(book, check_edit(), expected=fingerprint(book))
    assert book.read_bytes() == theirs[0]
    assert copies(book) == [] and leftovers(book.parent) == []


def register_cell(path: Path, row: int, col: int) -> object:
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(REGISTER).to_python()[row - 1][col - 1]
    finally:
        book.close()


# ---------------------------------------------------------------------------
# Read-only, permissions, .bak in the way


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_a_read_only_workbook_is_refused_up_front(book: Path) -> None:
    book.chmod(0o444)
    original = book.read_bytes()
    with pytest.raises(WorkbookError, match="the workbook is read-only") as caught:
        save_edit(book, check_edit(), expected=fingerprint(book))
    assert caught.value.exit_code == 2 and "Excel" not in str(caught.value)
    assert book.read_bytes() == original and book.stat().st_mode & 0o777 == 0o444
    assert not (book.parent / ".bak").exists() and leftovers(book.parent) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_a_read_only_folder_is_refused_up_front(book: Path) -> None:
    book.parent.chmod(0o555)
    try:
        with pytest.raises(WorkbookError, match="cannot create files in this folder"):
            save_edit(book, check_edit(), expected=None)
    finally:
        book.parent.chmod(0o755)
    assert leftovers(book.parent) == []


def test_a_bak_that_is_a_file_is_named(book: Path) -> None:
    (book.parent / ".bak").write_text("not a folder")
    original = book.read_bytes()
    with pytest.raises(WorkbookError, match=r"cannot save the backup in the \.bak folder "
                                            r"\(a file of that name is in the way\)") as caught:
        save_edit(book, check_edit(), expected=None)
    assert str(book.parent / ".bak") in str(caught.value)
    assert book.read_bytes() == original and leftovers(book.parent) == []


def test_a_backup_that_cannot_be_written_names_bak(book: Path, no_faults: None) -> None:
    def denied(point: str) -> None:
        if point == "backup-chunk":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    durable.fault_hook = denied
    original = book.read_bytes()
    with pytest.raises(WorkbookError, match=r"backup in the \.bak folder \(permission denied"):
        save_edit(book, check_edit(), expected=None)
    assert book.read_bytes() == original and leftovers(book.parent) == []
    assert copies(book) == []


# ---------------------------------------------------------------------------
# Temporary files of dead runs


def test_stale_temporaries_of_dead_processes_go_whatever_their_age(book: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = os.getppid()
    folder, bak = book.parent, book.parent / ".bak"
    bak.mkdir()
    host = durable._HOST
    gone = [folder / f".{book.stem}{durable.TEMP_MARK}{dead.pid}-{host}-a1b2c3{book.suffix}",
            bak / f".{book.stem}{durable.TEMP_MARK}{dead.pid}-{host}-d4e5f6{book.suffix}",
            folder / f".{book.stem}{durable.TEMP_MARK}{dead.pid}-0a1b2c{book.suffix}"]  # old form
    kept = [folder / f".{book.stem}{durable.TEMP_MARK}{alive}-{host}-a1b2c3{book.suffix}",
            folder / f".{book.stem}{durable.TEMP_MARK}{dead.pid}-ffff-a1b2c3{book.suffix}",
            folder / f".其他台账{durable.TEMP_MARK}{dead.pid}-{host}-a1b2c3{book.suffix}"]
    for p in gone + kept:
        p.write_bytes(b"half a workbook")
    before = book.read_bytes()
    save_edit(book, WorkbookEdit(REGISTER), expected=None)  # even a run with nothing to write
    assert [p for p in gone if p.exists()] == [] and book.read_bytes() == before
    assert all(p.exists() for p in kept)  # a live process's, another computer's, another book's
    old = 0
    os.utime(kept[0], (old, old))
    save_edit(book, check_edit(), expected=None)
    assert not kept[0].exists()


def test_without_an_atomic_exchange_the_plain_replace_keeps_the_promises(
        book: Path, monkeypatch: pytest.MonkeyPatch, no_faults: None) -> None:
    """Windows, network shares and FAT have no exchange: the save falls back to a replace."""
    monkeypatch.setattr(durable, "_exchange", lambda a, b: False)
    original = book.read_bytes()
    result = save_edit(book, check_edit(), expected=fingerprint(book))
    assert result.backup is not None and result.backup.read_bytes() == original
    assert register_row1(book)[AG - 1:AG + 5] == HEADERS and leftovers(book.parent) == []

    def colleague(point: str) -> None:  # a save just before the last look is still caught
        if point == "backup-named":
            durable.fault_hook = None
            colleague_save(book, "同事")

    seen = fingerprint(book)
    durable.fault_hook = colleague
    with pytest.raises(WorkbookChangedError):
        save_edit(book, check_edit(), expected=seen)
    assert register_cell(book, 2, AG) == "同事" and copies(book) == [result.backup]
