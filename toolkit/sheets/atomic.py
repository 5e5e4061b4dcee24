"""Write a whole new output file atomically: a temporary name in the same folder, flushed and
fsynced, then renamed over the target, and the folder fsynced. Used for files the toolkit
creates beside the workbook (a separate statistics workbook, mail messages written by
--dry-run; approval forms go through toolkit.forms.output, which writes each file the same way
but lists and syncs the folder once per run). See docs/writeback.md for the guarantees."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from toolkit.errors import WorkbookError, WorkbookLockedError, bilingual
from toolkit.sheets.durable import (
    fault_point,
    fsync_dir,
    io_error,
    refuse_read_only,
    remove_stale_temps,
    temp_name,
    write_file,
)


def write_atomic(path: Path | str, data: bytes) -> Path:
    """Write `data` to `path` so that a reader sees the old file or the new one, never a part.
    A read-only target is refused; on any failure the old file is untouched and no temporary
    file is left. Raises WorkbookError (exit 2) with one line naming the file and the cause."""
    path = Path(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise io_error(e, folder, "无法创建文件夹", "cannot create the folder") from None
    remove_stale_temps(folder, path)  # left by a run that was killed half-way
    install(path, data)
    fsync_dir(folder)
    return path


def install(path: Path, data: bytes) -> None:
    """The step write_atomic and the forms' batch writer share: `data` written under a
    temporary name beside `path`, fsynced, and renamed over it (a replaced file keeps its
    mode). The folder is not synced here: the caller does that, per file or once per run."""
    refuse_read_only(path, what="file")
    tmp = temp_name(path)
    try:
        write_file(tmp, data, "atomic")  # fsynced: the rename never names unwritten data
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)  # a replaced file keeps its mode
        except OSError:
            pass
        fault_point("atomic-written")
        os.replace(tmp, path)
    except PermissionError as e:
        if getattr(e, "winerror", None) in (32, 33):
            raise WorkbookLockedError(bilingual(
                "文件正被其他程序（Word 或 Excel？）打开，未写入：请关闭它后再运行",
                "the file is open in another program (Word or Excel?); close it and run "
                "again"), path=path) from None
        raise _failed(e, path) from None
    except OSError as e:
        raise _failed(e, path) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    fault_point("atomic-installed")


def _failed(e: OSError, path: Path) -> WorkbookError:
    if sys.platform == "win32" and isinstance(e, PermissionError):
        return WorkbookError(bilingual(
            "Windows 拒绝写入（拒绝访问），未写入：文件可能是只读的、正被其他程序打开，或你没有"
            "这个文件夹的修改权限",
            "Windows refused the write (access denied): the file may be read-only, open in "
            "another program, or you lack permission in the folder; nothing was written"),
            path=path)
    return io_error(e, path, "无法写入文件", "cannot write the file",
                    tail_zh="；原有文件未改动", tail_en="; nothing was changed")
