"""The .bak folder: a copy of the previous workbook before each save, the newest N kept.

A copy is written under a temporary name, flushed and fsynced, and only then given its final
name, so every file under a final name in .bak/ is whole. Old copies are removed only after the
new workbook is in place (rotate), so failed runs never push out good backups.
See docs/writeback.md.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime
from pathlib import Path

from toolkit.errors import WorkbookError, bilingual
from toolkit.sheets.durable import (
    fault_point,
    fsync_dir,
    reason,
    remove_stale_temps,
    temp_name,
    write_file,
)

log = logging.getLogger("toolkit.sheets")

BACKUP_DIR = ".bak"


def backup_folder(path: Path) -> Path:
    return path.parent / BACKUP_DIR


def _pattern(path: Path) -> re.Pattern[str]:
    return re.compile(re.escape(path.stem) + r"\.(\d{8}-\d{6})(?:-(\d+))?"
                      + re.escape(path.suffix) + "$")


def copies(path: Path) -> list[Path]:
    """This workbook's backups, oldest first (other workbooks' copies in the folder are theirs)."""
    folder = backup_folder(path)
    pattern = _pattern(path)
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        m = pattern.match(entry.name)
        if m and entry.is_file():
            found.append(((m.group(1), int(m.group(2) or 1)), Path(entry.path)))
    return [p for _, p in sorted(found)]


def clean(path: Path) -> None:
    """Remove the temporary copies a killed run left in .bak/."""
    remove_stale_temps(backup_folder(path), path)


def write_backup(path: Path, raw: bytes, mtime_ns: int) -> Path:
    """Store `raw` (the workbook as read) as <folder>/.bak/<stem>.<YYYYmmdd-HHMMSS[-n]><ext>.
    Raises WorkbookError naming .bak when it cannot; nothing is left behind then."""
    folder = backup_folder(path)
    try:
        folder.mkdir(exist_ok=True)
    except FileExistsError:
        raise _error(folder, "已存在同名的文件（不是文件夹）", "a file of that name is in the way",
                     ) from None
    except OSError as e:
        raise _error(folder, *reason(e)) from None
    if not folder.is_dir():
        raise _error(folder, "已存在同名的文件（不是文件夹）", "a file of that name is in the way")
    tmp = temp_name(folder / path.name)
    try:
        write_file(tmp, raw, "backup")
        fault_point("backup-written")
        try:
            os.utime(tmp, ns=(mtime_ns, mtime_ns))  # the copy shows when the original was saved
        except OSError:
            pass
        target = _publish(tmp, path, folder)
    except OSError as e:
        raise _error(folder, *reason(e)) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove the temporary file %s", tmp)
    try:
        fault_point("backup-named")
        fsync_dir(folder)
    except OSError as e:
        discard(target)
        raise _error(folder, *reason(e)) from None
    return target


def _publish(tmp: Path, path: Path, folder: Path) -> Path:
    """Give the finished copy a free final name; the newest always sorts last."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    pattern = _pattern(path)
    taken = [m for m in (pattern.match(p.name) for p in copies(path)) if m]
    n = max((int(m.group(2) or 1) for m in taken if m.group(1) == stamp), default=0) + 1
    while True:
        target = folder / f"{path.stem}.{stamp}{f'-{n}' if n > 1 else ''}{path.suffix}"
        try:
            os.link(tmp, target)  # fails if the name exists: never replaces another copy
            return target
        except FileExistsError:
            n += 1
        except OSError:
            # Some file systems (FAT, some network shares) have no hard links.
            if target.exists():
                n += 1
                continue
            os.replace(tmp, target)
            return target


def keep_displaced(file: Path, path: Path) -> Path | None:
    """File a save someone made in the last instant before a replace under a backup name, so
    that it is never lost (see docs/writeback.md, the race window)."""
    folder = backup_folder(path)
    try:
        folder.mkdir(exist_ok=True)
        target = _publish(file, path, folder)
        file.unlink(missing_ok=True)
    except OSError:
        log.warning("could not move %s into %s; it stays where it is", file, folder)
        return None
    log.warning("a save made while the workbook was replaced is kept as %s", target)
    fsync_dir(folder)
    return target


def discard(backup: Path) -> None:
    """Remove a backup made by a save that then did not write (it equals the file in place)."""
    try:
        backup.unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove the unneeded backup %s", backup)


def rotate(path: Path, keep: int) -> None:
    """Keep the newest `keep` copies; run only after the new workbook is in place."""
    if keep <= 0:
        return
    for old in copies(path)[:-keep]:
        try:
            old.unlink()
        except OSError:
            log.warning("could not remove the old backup %s", old)


def _error(folder: Path, why_zh: str, why_en: str) -> WorkbookError:
    return WorkbookError(bilingual(
        f"无法在 {BACKUP_DIR} 文件夹中保存备份（{why_zh}），工作簿未改动：请检查这个文件夹",
        f"cannot save the backup in the {BACKUP_DIR} folder ({why_en}); the workbook was left "
        "unchanged"), path=folder)
