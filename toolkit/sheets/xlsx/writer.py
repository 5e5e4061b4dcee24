"""The lossless writer: the one way a command writes into a workbook staff use.

It edits the package the way a careful person would by hand. Every zip part it has no reason
to touch is copied byte for byte; inside the parts it must change (the register sheet, the
style sheet, and — only when a toolkit sheet is added or a formula cell overwritten — the
workbook, its relationships and content types) it splices in exactly the new pieces and keeps
every other byte. openpyxl drops x14 drop-downs, data bars, buttons and chart styles when it
saves (docs/design.md); Excelize keeps the features but re-serialises the theme, the package
relationships, the calculation chain and the row attributes, and needs half a minute and
2.7 GB for a 100,000-row register. Cells are written as inline strings, so the shared string
table is never rewritten and text starting with = + - @ can never become a formula.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from toolkit.errors import (
    ToolkitError,
    WorkbookChangedError,
    WorkbookError,
    WorkbookLockedError,
    bilingual,
)
from toolkit.register import CellValue, column_letter
from toolkit.sheets.durable import (
    TEMP_MARK,
    fault_point,
    fsync_file,
    hold_exclusively,
    install,
    io_error,
    release,
    remove_stale_temps,
    same_file,
    temp_name,
)
from toolkit.sheets.limits import check_unpacked
from toolkit.sheets.lock import Fingerprint, ensure_writable, fingerprint
from toolkit.sheets.xlsx.apply import write_package
from toolkit.sheets.xlsx.backups import BACKUP_DIR, discard, keep_displaced, rotate, write_backup
from toolkit.sheets.xlsx.backups import clean as backups_clean
from toolkit.sheets.xlsx.cells import TEMPORAL
from toolkit.sheets.xlsx.edit import ColumnWrite, Highlight, OwnedSheet, WorkbookEdit
from toolkit.sheets.xlsx.readback import verify_written
from toolkit.sheets.xlsx.styles import color

# The public API: callers import all of it from here. The request types live in edit.py so the
# part editors below the writer can take them without importing the writer.
__all__ = ["BACKUP_DIR", "CellValue", "ColumnWrite", "Highlight", "OwnedSheet", "SaveResult",
           "WorkbookEdit", "save_edit"]

log = logging.getLogger("toolkit.sheets")

MAX_ROW = 1_048_576
MAX_COL = 16_384
_TEMP_MARK = TEMP_MARK  # the name tests look for


@dataclass
class SaveResult:
    path: Path
    backup: Path | None
    changed: bool
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)  # read, edit, zip, verify, replace


# ---------------------------------------------------------------------------
# Saving


def save_edit(
    path: Path,
    edit: WorkbookEdit,
    *,
    expected: Fingerprint | None,
    backups: int = 10,
    verify: Callable[[Path], None] | None = None,
) -> SaveResult:
    """Apply `edit` to the workbook at `path` atomically, keeping everything else as it was.

    `expected` is the fingerprint taken when the workbook was read (None: skip that check).
    The newest `backups` copies of the previous file are kept in a .bak folder beside it.
    `verify(tmp)` may raise to reject the written file before it replaces the original.
    Raises WorkbookError subclasses (exit 2); on any failure the original is left untouched.
    The order of the steps, and why, is in docs/writeback.md.
    """
    started = time.perf_counter()
    path = Path(path)
    if path.is_symlink():
        # Replacing a link would leave the real workbook behind: write through to it.
        path = Path(os.path.realpath(path))
    remove_stale_temps(path.parent, path)  # left by a run that was killed half-way
    backups_clean(path)
    if edit.is_empty():
        log.info("%s: nothing to write", path)
        return SaveResult(path, None, False, time.perf_counter() - started)
    _check_edit(edit)
    ensure_writable(path, None)  # open in Excel? read-only? The content is compared below.
    phases: dict[str, float] = {}
    clock = _Clock(phases)
    raw, read_fp = _read_original(path)
    _check_size(raw, path)
    if expected is not None and read_fp.sha256 != expected.sha256:
        raise WorkbookChangedError(bilingual(
            "读取之后有人又保存了工作簿：为免覆盖别人的修改，本次未写入，请重新运行",
            "someone saved the workbook since it was read; run again"), path=path)
    tmp = temp_name(path)
    backup: Path | None = None
    installed = False
    try:
        clock("read")
        written = write_package(raw, edit, tmp, path, clock)
        fsync_file(tmp)  # on the disk before anything points at it (a no-op if it already is)
        fault_point("temp-written")
        verify_written(tmp, written, path)
        clock("verify")
        if verify is not None:
            try:
                verify(tmp)
            except ToolkitError:
                raise
            except Exception as e:  # a caller's check: any failure means "do not replace"
                raise WorkbookError(bilingual(
                    "写出的工作簿没有通过检查，原文件未改动：请重新运行，如仍出错请联系维护人员",
                    f"the written workbook failed a check ({e}); "
                    "the original was left unchanged"), path=path) from e
        fault_point("verified")
        # Someone may have saved (or opened the file in Excel) while we worked.
        ensure_writable(path, read_fp)
        if backups > 0:
            backup = write_backup(path, raw, read_fp.mtime_ns)
        _copy_mode(path, tmp)
        ours = os.stat(tmp)
        swapped = _install(tmp, path, read_fp)
        installed = True
        if swapped and not _displaced_was_read(tmp, path, read_fp):
            # A colleague's save landed in the last instant: it is in `tmp` now. Put it back.
            log.warning("%s: someone saved it while it was being replaced; their save is put "
                        "back", path)
            try:
                install(tmp, path)
            except OSError:
                kept = keep_displaced(tmp, path)
                raise WorkbookChangedError(bilingual(
                    f"写入的同时有人保存了工作簿：对方保存的版本已放在 {kept}，请核对后重新运行",
                    f"someone saved the workbook while it was being written; their save is "
                    f"kept as {kept}; compare and run again"), path=path) from None
            installed = False
            if not same_file(os.stat(tmp), ours):
                keep_displaced(tmp, path)  # yet another save: never lose it either
            raise WorkbookChangedError(bilingual(
                "写入的同时有人保存了工作簿：已恢复对方保存的版本，本次未写入，请重新运行",
                "someone saved the workbook while it was being written; their save was kept "
                "and nothing was written; run again"), path=path)
        clock("replace")
    except ToolkitError:
        raise
    except MemoryError:
        raise WorkbookError(bilingual(
            "内存不足，无法写入工作簿，原文件未改动：请关闭其他程序后再运行",
            "not enough memory to write the workbook; it was left unchanged"),
            path=path) from None
    except OSError as e:
        raise io_error(e, path, "无法写入工作簿", "cannot write the workbook",
                       tail_zh="；原文件未改动", tail_en="; it was left unchanged") from e
    except Exception as e:  # a bug here must still leave the original untouched, and say so
        log.debug("writing %s failed", path, exc_info=True)
        raise WorkbookError(bilingual(
            "写入时程序内部出错，原文件未改动：请加 --verbose 重新运行，并把结果报告给维护人员",
            f"cannot write the workbook (internal error: {type(e).__name__}: {e}); "
            "it was left unchanged"), path=path) from e
    finally:
        if backup is not None and not installed:
            discard(backup)  # nothing was written: no backup either
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove the temporary file %s", tmp)
    rotate(path, backups)  # only now: a failed run never pushes out a good backup
    fault_point("rotated")
    seconds = time.perf_counter() - started
    log.info("%s: written in %.2fs (%s); backup %s", path, seconds,
             ", ".join(f"{k} {v:.2f}s" for k, v in phases.items()), backup)
    return SaveResult(path, backup, True, seconds, phases)


def _copy_mode(path: Path, tmp: Path) -> None:
    try:
        os.chmod(tmp, path.stat().st_mode & 0o7777)
    except OSError:
        pass  # a share that ignores modes: the replace below still works


def _install(tmp: Path, path: Path, read_fp: Fingerprint) -> bool:
    """The replace, with the last look at the workbook as late as possible before it. Returns
    True when the platform exchanged the two files atomically (the displaced file is at `tmp`)."""
    try:
        hold = hold_exclusively(path)  # Windows: nobody can open the file until the replace
    except PermissionError as e:
        raise _replace_refused(e, path) from None
    try:
        ensure_writable(path, read_fp, current=hold() if hold else None)
    finally:
        release()
    try:
        return install(tmp, path)
    except PermissionError as e:
        raise _replace_refused(e, path) from None


def _displaced_was_read(displaced: Path, path: Path, read_fp: Fingerprint) -> bool:
    """Whether the file the exchange displaced is the one read (else someone saved in between).
    If it cannot be read, it is kept in .bak/ rather than judged."""
    try:
        return fingerprint(displaced).sha256 == read_fp.sha256
    except WorkbookError:
        keep_displaced(displaced, path)
        return True


def _replace_refused(e: PermissionError, path: Path) -> WorkbookError:
    if getattr(e, "winerror", None) in (32, 33):  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
        return WorkbookLockedError(bilingual(
            "工作簿正被其他程序（可能是 Excel）占用，未写入：请关闭它后再运行",
            "the workbook is in use by another program (Excel?); close it and run again"),
            path=path)
    if sys.platform == "win32":
        return WorkbookError(bilingual(
            "Windows 拒绝替换工作簿（拒绝访问），未写入：文件可能是只读的、正被其他程序打开，"
            "或你没有这个文件夹的修改权限",
            "Windows refused to replace the workbook (access denied): it may be read-only, "
            "open in another program, or you lack permission in the folder; nothing was "
            "written"), path=path)
    return WorkbookError(bilingual(
        "没有权限替换工作簿（文件或文件夹的权限），未写入：请让所有者或管理员给你写入权限",
        "permission denied replacing the workbook (file or folder permissions); nothing "
        "was written"), path=path)


class _Clock:
    """Seconds spent in each phase since the previous call, for the log and SaveResult."""

    def __init__(self, phases: dict[str, float]) -> None:
        self.phases, self.last = phases, time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self.last
        self.last = now


def _check_edit(edit: WorkbookEdit) -> None:
    """Reject an edit the writer could only carry out by corrupting the file."""
    seen: set[int] = set()
    for c in edit.columns:
        if not 1 <= c.column <= MAX_COL:
            raise WorkbookError(bilingual(
                f"无法写入第 {c.column} 列：Excel 只有第 1–{MAX_COL} 列",
                f"cannot write column {c.column}: Excel has columns 1–{MAX_COL}"))
        if c.column in seen:
            raise WorkbookError(bilingual(f"第 {c.column} 列在一次写入中出现了两次",
                                          f"column {c.column} is written twice in one edit"))
        seen.add(c.column)
        if c.values and not (1 <= min(c.values) and max(c.values) <= MAX_ROW):
            rows = f"{min(c.values)}–{max(c.values)}"
            raise WorkbookError(bilingual(
                f"无法写入第 {rows} 行：Excel 只有第 1–{MAX_ROW} 行",
                f"cannot write rows {rows}: Excel has rows 1–{MAX_ROW}"))
        for row, value in c.values.items():
            if value is None or type(value) is str or type(value) is int:
                continue  # the common cases, checked without a call
            _check_value(value, f"{column_letter(c.column)}{row}")
    names: set[str] = set()
    for s in edit.owned_sheets:
        if not _valid_sheet_name(s.name):
            raise WorkbookError(bilingual(f"「{s.name}」不是有效的 Excel 工作表名称",
                                          f"{s.name!r} is not a valid Excel sheet name"))
        if s.name.casefold() in names or s.name.casefold() == edit.sheet.casefold():
            raise WorkbookError(bilingual(f"工作表「{s.name}」在一次写入中出现了两次",
                                          f"sheet {s.name} is written twice in one edit"))
        names.add(s.name.casefold())
        for r, cells in enumerate(s.rows, start=1):
            for c_, value in enumerate(cells, start=1):
                _check_value(value, f"{s.name}!{column_letter(c_)}{r}")
    for h in edit.highlights:
        color(h.fill)
        if h.font_color:
            color(h.font_color)


def _check_value(value: object, where: str) -> None:
    if value is None or isinstance(value, (str, bool, int, *TEMPORAL)):
        if isinstance(value, (datetime, date)) and value.year < 1900:
            raise WorkbookError(bilingual(
                f"无法写入 {where}：Excel 不支持 1900 年以前的日期",
                f"cannot write {where}: Excel has no dates before 1900"))
        if isinstance(value, timedelta) and value < timedelta(0):
            raise WorkbookError(bilingual(
                f"无法写入 {where}：Excel 不支持负的时长",
                f"cannot write {where}: Excel has no negative durations"))
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WorkbookError(bilingual(
                f"无法写入 {where}：{value} 不是 Excel 能保存的数字",
                f"cannot write {where}: {value} is not a number Excel can hold"))
        return
    kind = type(value).__name__
    raise WorkbookError(bilingual(f"无法写入 {where}：不支持的值类型 {kind}",
                                  f"cannot write {where}: unsupported value type {kind}"))


def _valid_sheet_name(name: str) -> bool:
    return (0 < len(name) <= 31 and not set(name) & set("[]:*?/\\")
            and not name.startswith("'") and not name.endswith("'"))


def _check_size(raw: bytes, path: Path) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # the package reader below says so in its words
    check_unpacked(infos, path)


def _read_original(path: Path) -> tuple[bytes, Fingerprint]:
    try:
        with path.open("rb") as f:
            st = os.fstat(f.fileno())
            raw = f.read()
    except FileNotFoundError:
        raise WorkbookError(bilingual("找不到这个文件：请检查路径和文件名", "no such file"),
                            path=path) from None
    except OSError as e:
        raise WorkbookError(bilingual("无法读取文件：请检查文件是否还在、是否有权限打开",
                                      f"cannot read the file ({e.strerror or e})"),
                            path=path) from None
    return raw, Fingerprint(len(raw), st.st_mtime_ns, hashlib.sha256(raw).hexdigest())
