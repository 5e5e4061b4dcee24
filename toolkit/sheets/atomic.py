"""Write a whole new output file atomically: a temporary name in the same folder, flushed and
fsynced, then renamed over the target. Used for files the toolkit creates beside the workbook
(approval forms, a separate statistics workbook, mail attachments written by --dry-run).
See docs/writeback.md for the guarantees."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from toolkit.errors import ToolkitError, bilingual


def write_atomic(path: Path | str, data: bytes) -> Path:
    """Write `data` to `path` so that a reader sees the old file or the new one, never a part."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.~toolkit-", dir=path.parent)
    except OSError as e:
        raise ToolkitError(bilingual(
            f"{path.parent}：无法在此文件夹中写入文件（{e.strerror}）",
            f"{path.parent}: cannot write a file in this folder ({e.strerror})")) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ToolkitError(bilingual(
            f"{path}：写入失败（{e.strerror}）", f"{path}: could not be written ({e.strerror})"),
        ) from None
    _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
