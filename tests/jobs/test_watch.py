"""`watch`: a real file in a real folder, saved while open (nothing happens), then closed (checked).
Waits are on the watcher's own events with a bound, never fixed sleeps."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import good_row, make_register, sheet_rows

from toolkit.cli import cli
from toolkit.jobs.watch import WatchEvent, is_open, watch

TIMEOUT = 30  # seconds: a bound for a slow machine, not a delay


class Watching:
    def __init__(self, book: Path) -> None:
        self.book = book
        self.events: queue.Queue[WatchEvent] = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=watch, args=(book,), kwargs={
            "debounce": 0.3, "stop": self.stop, "notify": self.events.put}, daemon=True)

    def next(self) -> WatchEvent:
        return self.events.get(timeout=TIMEOUT)


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Watching]:
    book = make_register(tmp_path / "台账.xlsx", [good_row()])
    w = Watching(book)
    w.thread.start()
    assert w.next().kind == "watching"
    yield w
    w.stop.set()
    w.thread.join(TIMEOUT)
    assert not w.thread.is_alive()


def save(book: Path, customer: str) -> None:
    """What Excel does on save: write a new file beside the old one, then rename it over."""
    tmp = book.with_name("8A3F21C0.tmp")
    make_register(tmp, [good_row(customer=customer)])
    os.replace(tmp, book)


def headers(book: Path) -> list[object]:
    return sheet_rows(book, "投诉记录")[0]


def test_checked_after_save_and_close_never_while_open(watching: Watching) -> None:
    book = watching.book
    owner = book.with_name("~$" + book.name)
    owner.write_bytes(b"\x05staff" + b" " * 160)  # Excel opens the workbook
    save(book, "宁波海达")  # ... and the user saves while it is open
    event = watching.next()
    assert event.kind == "open"
    assert "校验结果" not in headers(book)  # nothing written while open

    owner.unlink()  # the user closes the workbook
    event = watching.next()
    assert event.kind == "run", event
    assert "台账.xlsx" in event.text
    assert "校验结果" in headers(book)
    assert sheet_rows(book, "投诉记录")[1][3] == "宁波海达"

    # Our own write is seen, and not checked again; nor is a later open and close without a save.
    assert watching.next().kind == "same"
    owner.write_bytes(b"\x05staff" + b" " * 160)
    owner.unlink()
    assert watching.next().kind == "same"
    watching.stop.set()
    assert watching.next().kind == "stopped"


def test_a_libreoffice_lock_means_open(tmp_path: Path) -> None:
    book = make_register(tmp_path / "台账.xlsx", [good_row()])
    assert not is_open(book)
    lock = tmp_path / ".~lock.台账.xlsx#"
    lock.write_text(",staff,host,01.12.2026 09:00,file:///home/staff/.config/libreoffice/4;")
    assert is_open(book)


def test_watch_command_refuses_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["watch", str(tmp_path / "none.xlsx")])
    assert result.exit_code == 2


def test_ctrl_c_stops_the_command_cleanly(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    book = make_register(tmp_path / "台账.xlsx", [good_row()])
    proc = subprocess.Popen(
        [sys.executable, "-c", "from toolkit.cli import main; main()", "watch", str(book),
         "--debounce", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    guard = threading.Timer(TIMEOUT, proc.kill)  # a bound on the blocking read below
    guard.start()
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # blocks until the watcher is running
        assert str(book) in first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        guard.cancel()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped watching" in out
    assert "Traceback" not in err
