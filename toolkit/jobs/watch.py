"""`complaints watch BOOK`: check a workbook each time it has been saved and closed.

The macro-free path (docs/excel.md): for WPS, LibreOffice, or Excel with macros blocked. A
workbook is only written when no program has it open (no Excel/WPS `~$` owner file and no
LibreOffice `.~lock.` file beside it) and its size and modification time have stayed the same
for the debounce interval; a change we made ourselves is not checked again.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from toolkit.errors import ToolkitError, WorkbookError, bilingual
from toolkit.sheets.lock import owner_file, owner_names

log = logging.getLogger("toolkit.watch")

DEBOUNCE_SECONDS = 2.0


@dataclass(frozen=True)
class WatchEvent:
    kind: str  # "watching", "open", "run", "same", "error", "missing", "stopped"
    text: str


Stat = tuple[int, int]  # size, modification time (ns)


def lock_names(path: Path) -> set[str]:
    """Files whose presence means a program has the workbook open."""
    return {n.casefold() for n in [*owner_names(path), f".~lock.{path.name}#"]}


def is_open(path: Path) -> bool:
    return owner_file(path) is not None or (path.parent / f".~lock.{path.name}#").exists()


def run_check(path: Path) -> str:
    """One run of `check` with write-back; returns its closing line."""
    from toolkit.jobs.check import check_workbook
    from toolkit.report.terminal import closing_line

    outcome = check_workbook(path, datetime.now().replace(second=0, microsecond=0))
    summary = outcome.result.summary()
    return (f"{summary['rows']} 行 rows, {summary['errors']} 个错误 errors, "
            f"{summary['warnings']} 个警告 warnings; " + closing_line(outcome, path.name))


class _Changes(FileSystemEventHandler):
    """Sets `changed` when the workbook or its lock files are touched."""

    def __init__(self, path: Path, changed: threading.Event) -> None:
        self.names = lock_names(path) | {path.name.casefold()}
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        for p in (event.src_path, getattr(event, "dest_path", "")):
            name = os.path.basename(os.fsdecode(p)) if p else ""
            if name.casefold() in self.names:
                self.changed.set()
                return


def watch(
    path: Path | str,
    *,
    debounce: float = DEBOUNCE_SECONDS,
    stop: threading.Event | None = None,
    notify: Callable[[WatchEvent], None] | None = None,
    run: Callable[[Path], str] = run_check,
) -> None:
    """Watch `path` until `stop` is set or Ctrl+C; `notify` gets one event per decision."""
    path = Path(path).resolve()
    if not path.is_file():
        raise WorkbookError(bilingual("找不到这个文件：请检查路径和文件名", "no such file"),
                            path=path)
    stop = stop or threading.Event()

    def say(kind: str, text: str) -> None:
        log.info("%s: %s", kind, text)
        if notify:
            notify(WatchEvent(kind, text))

    changed = threading.Event()
    observer = Observer()
    observer.schedule(_Changes(path, changed), str(path.parent), recursive=False)
    ours: Stat | None = None  # what the file looked like after our own write
    reported_open: Stat | None = None
    try:
        # Everything from here on is inside the try, so Ctrl+C at any moment stops cleanly.
        observer.start()
        say("watching", bilingual(f"正在监视 {path}：保存并关闭后自动校验（Ctrl+C 停止）",
                                  f"watching {path}: checked after each save and close "
                                  "(Ctrl+C stops)"))
        while not stop.is_set():
            if not changed.wait(0.5):  # short waits so Ctrl+C and `stop` are seen promptly
                continue
            now = _settle(path, changed, stop, debounce)
            if stop.is_set():
                break
            if now is None:
                say("missing", bilingual(f"{path.name} 不见了，等待它回来", f"{path.name} is gone"))
                continue
            if now == ours:
                say("same", bilingual(f"{path.name} 自上次校验后未变", f"{path.name} is unchanged "
                                      "since our last write"))
                continue
            if is_open(path):
                if now != reported_open:
                    say("open", bilingual(f"{path.name} 仍在打开中，关闭后再校验",
                                          f"{path.name} is still open; it is checked once closed"))
                    reported_open = now
                continue
            try:
                say("run", f"{datetime.now():%H:%M:%S} {path.name}: {run(path)}")
            except ToolkitError as e:
                say("error", f"{datetime.now():%H:%M:%S} {path.name}: {e.message}")
            ours = _stat(path)
    except KeyboardInterrupt:
        pass
    finally:
        if observer.is_alive():
            observer.stop()
            observer.join(timeout=5)
    say("stopped", bilingual("已停止监视", "stopped watching"))


def _stat(path: Path) -> Stat | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _settle(path: Path, changed: threading.Event, stop: threading.Event,
            debounce: float) -> Stat | None:
    """Wait until nothing has touched the workbook for `debounce` seconds and its size and
    modification time held still meanwhile; return that state."""
    while not stop.is_set():
        changed.clear()
        before = _stat(path)
        if changed.wait(debounce):
            continue  # still being written
        after = _stat(path)
        if before == after:
            return after
    return None
