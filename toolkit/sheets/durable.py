"""Files that survive a crash: temporary names, fsync, the swap into place, stale leftovers.

Shared by the workbook writer, its backups and the writer of new output files. The guarantees
and what remains on each platform are in docs/writeback.md.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import logging
import os
import re
import secrets
import socket
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from toolkit.errors import WorkbookError, bilingual

log = logging.getLogger("toolkit.sheets")

TEMP_MARK = ".~toolkit-"
# A temporary file of another computer (a shared folder) or of a process whose id was reused
# cannot be judged by its process id; a save never takes this long, so it is left over.
STALE_SECONDS = 3600
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:4]
_TEMP_RE = re.compile(r"^\.(?P<base>.*)" + re.escape(TEMP_MARK)
                      + r"(?P<pid>\d+)-(?:(?P<host>[0-9a-f]{4})-)?[0-9a-f]+(?P<ext>\.[^.]*)?$")

# Fault injection for the crash tests: called with the name of each point of a save where a
# crash or a failing disk could leave something behind (tests/sheets/test_faults.py).
fault_hook: Callable[[str], None] | None = None


def fault_point(name: str) -> None:
    if fault_hook is not None:
        fault_hook(name)


# ---------------------------------------------------------------------------
# Temporary files


def temp_name(target: Path) -> Path:
    """A hidden temporary name beside `target`, keeping its extension (readers look at it), that
    says which process on which computer made it."""
    return target.with_name(f".{target.stem}{TEMP_MARK}{os.getpid()}-{_HOST}-"
                            f"{secrets.token_hex(3)}{target.suffix}")


def remove_stale_temps(folder: Path, target: Path) -> None:
    """Remove temporary copies of `target` in `folder` left by a run that died (killed, power
    cut): at once when their process is gone, after STALE_SECONDS when it cannot be told."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if not m or m.group("base") != target.stem or (m.group("ext") or "") != target.suffix:
            continue
        pid, host = int(m.group("pid")), m.group("host") or _HOST
        try:
            if host == _HOST and pid != os.getpid() and not pid_alive(pid):
                why = f"process {pid} is gone"
            elif time.time() - entry.stat().st_mtime > STALE_SECONDS:
                why = "older than an hour"
            else:
                continue
            os.unlink(entry.path)
            log.info("removed a stale temporary file %s (%s)", entry.path, why)
        except OSError:
            log.warning("could not remove the stale temporary file %s", entry.path)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs now (on Windows os.kill would terminate it)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        kernel32 = _kernel32()
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(ctypes.get_last_error() == 5)  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError:
        return True
    return True


CHUNK = 1 << 22  # bytes per write; the crash tests make it small to stop between writes


def write_file(tmp: Path, data: bytes, point: str = "file") -> None:
    """Create `tmp` (never an existing file) holding `data`, on the disk before it returns."""
    with tmp.open("xb") as f:
        for start in range(0, max(len(data), 1), CHUNK):
            f.write(data[start:start + CHUNK])
            fault_point(f"{point}-chunk")
        f.flush()
        os.fsync(f.fileno())


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable. POSIX only: Windows has no directory handle to sync
    (NTFS journals the rename itself)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some network file systems refuse: the rename is still done
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# Refusing a target that must not be written


def refuse_read_only(path: Path, what: str = "workbook") -> None:
    """Refuse (exit 2) to replace a read-only file, or one in a folder where no file can be
    created: a replace through the folder would silently rewrite it. `what`: "workbook" or
    "file", the word the message uses."""
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise io_error(e, path, "无法读取文件信息", "cannot look at the file") from None
    if st is not None:
        if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise WorkbookError(bilingual(
                "文件是只读的，未写入：如需写入，请先取消只读属性（Windows：右键 > 属性；"
                "Linux/macOS：chmod u+w）后再运行",
                f"the {what} is read-only; nothing was written (make it writable first)"),
                path=path)
        if os.name == "posix" and not os.access(path, os.W_OK):
            raise WorkbookError(bilingual(
                "没有修改这个文件的权限，未写入：请让文件的所有者或管理员给你写入权限",
                "you have no permission to change this file (file permissions); "
                "nothing was written"), path=path)
    folder = path.parent
    if os.name == "posix":
        try:
            dst = folder.stat()
        except OSError as e:
            raise io_error(e, folder, "无法访问文件夹", "cannot use the folder") from None
        if not dst.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
                folder, os.W_OK | os.X_OK):
            raise WorkbookError(bilingual(
                "不能在这个文件夹里创建文件（文件夹只读或没有权限），未写入：保存时要在文件旁边"
                "写一个临时副本和 .bak 备份，请给这个文件夹写入权限",
                "cannot create files in this folder (read-only or no permission); a save "
                "writes a temporary copy and a .bak backup beside the file; nothing was "
                "written"), path=folder)


# ---------------------------------------------------------------------------
# What an I/O failure means


def reason(e: OSError) -> tuple[str, str]:
    """The cause of an I/O failure, in words a user acts on (Chinese, English)."""
    code = e.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)) or getattr(e, "winerror", 0) in (
            39, 112):
        return "磁盘空间不足", "the disk is full"
    if code == errno.EROFS:
        return "磁盘是只读的", "the disk is read-only"
    if code in (errno.EACCES, errno.EPERM):
        return "没有权限（文件或文件夹的权限）", "permission denied (file or folder permissions)"
    if code == errno.EIO:
        return "磁盘或网络读写出错", "an input/output error of the disk or network"
    text = e.strerror or type(e).__name__
    return text, text


def io_error(e: OSError, path: Path, zh: str, en: str, *, tail_zh: str = "",
             tail_en: str = "") -> WorkbookError:
    """One clear line for an I/O failure: what could not be done, why, on which file."""
    why_zh, why_en = reason(e)
    return WorkbookError(bilingual(f"{zh}：{why_zh}{tail_zh}", f"{en}: {why_en}{tail_en}"),
                         path=path)


# ---------------------------------------------------------------------------
# Putting a finished file in place


def install(tmp: Path, path: Path) -> bool:
    """Put `tmp` at `path` in one step. Returns True when the file it displaced now sits at
    `tmp` (an atomic exchange: Linux renameat2, macOS renamex_np), so the caller can tell
    whether someone saved in the meantime; False after a plain replace (the displaced file is
    gone). `path` is fsynced with its folder either way."""
    fault_point("before-install")
    swapped = _exchange(tmp, path)
    if not swapped:
        os.replace(tmp, path)
    fault_point("installed")
    fsync_dir(path.parent)
    return swapped


_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS stdio.h
_AT_FDCWD = -100
_NOT_SUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV,
                  errno.EPERM}


def _exchange(a: Path, b: Path) -> bool:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        fn = getattr(libc, "renameat2", None)
        if fn is None:
            return False
        result = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    elif sys.platform == "darwin":
        libc = ctypes.CDLL(None, use_errno=True)
        fn = getattr(libc, "renamex_np", None)
        if fn is None:
            return False
        result = fn(os.fsencode(a), os.fsencode(b), _RENAME_SWAP)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _NOT_SUPPORTED:  # the file system cannot: fall back to a replace
        log.info("atomic exchange not supported here (%s): plain replace", os.strerror(code))
        return False
    raise OSError(code, os.strerror(code), str(b))


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino) and a.st_ino != 0


def hold_exclusively(path: Path) -> Callable[[], bytes] | None:
    """Windows: open `path` with no sharing, so that no other program (Excel) can open it or
    save over it until release(), and return a function reading its bytes through that handle.
    Elsewhere None: POSIX has no mandatory lock (see docs/writeback.md)."""
    if sys.platform != "win32":
        return None
    return _WinHold(path).read


def _kernel32() -> ctypes.CDLL:
    dll: ctypes.CDLL = getattr(ctypes, "WinDLL")("kernel32", use_last_error=True)  # noqa: B009
    return dll


class _WinHold:
    """CreateFileW(GENERIC_READ, share mode 0, OPEN_EXISTING): a sharing violation for anyone
    else who opens the file while it is held."""

    def __init__(self, path: Path) -> None:
        import msvcrt

        kernel32 = _kernel32()
        kernel32.CreateFileW.restype = ctypes.c_void_p
        handle = kernel32.CreateFileW(str(path), 0x80000000, 0, None, 3, 0x80, None)
        if handle is None or handle == ctypes.c_void_p(-1).value:
            # A sharing violation (winerror 32) while Excel has it open: a PermissionError.
            raise getattr(ctypes, "WinError")(getattr(ctypes, "get_last_error")())  # noqa: B009
        self.fd: int | None = msvcrt.open_osfhandle(  # type: ignore[attr-defined,unused-ignore]
            handle, os.O_RDONLY)
        _held.append(self)

    def read(self) -> bytes:
        assert self.fd is not None
        chunks = []
        while block := os.read(self.fd, 1 << 20):
            chunks.append(block)
        return b"".join(chunks)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


_held: list[_WinHold] = []


def release() -> None:
    """Close every handle hold_exclusively() took."""
    while _held:
        _held.pop().close()
