"""Whether a workbook may be written: not open in Excel, not read-only, and unchanged since it
was read."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import WorkbookChangedError, WorkbookError, WorkbookLockedError, bilingual
from toolkit.sheets.durable import refuse_read_only

log = logging.getLogger("toolkit.sheets")

OWNER_PREFIX = "~$"
# An owner file is 165 bytes; anything much larger is not one, so never read more than this.
_OWNER_MAX_READ = 512


@dataclass(frozen=True)
class Fingerprint:
    """What a workbook's bytes were when it was read; a save by anyone else changes it."""

    size: int
    mtime_ns: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint:
    """Size, modification time and content hash of the file as it is now."""
    path = Path(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            st = os.fstat(f.fileno())
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as e:
        raise WorkbookError(bilingual("无法读取文件：请检查文件是否还在、是否有权限打开",
                                      f"cannot read the file ({e.strerror or e})"),
                            path=path) from None
    return Fingerprint(st.st_size, st.st_mtime_ns, digest.hexdigest())


def owner_names(path: Path) -> list[str]:
    """The names Excel may give the owner file of `path`: "~$" + the name, and, for long names,
    the name with its first two characters replaced by "~$" (the form Word always uses there)."""
    name = Path(path).name
    names = [OWNER_PREFIX + name]
    if len(name) > 2:
        names.append(OWNER_PREFIX + name[2:])
    return names


def owner_file(path: Path) -> Path | None:
    """The ~$ owner file beside `path` if Excel has it open (or left one behind), else None."""
    path = Path(path)
    folder = path.parent
    wanted = owner_names(path)
    for name in wanted:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    # A shared drive mounted on Linux or macOS may be case-sensitive while Excel, on Windows,
    # is not: compare the folder's ~$ entries ignoring case.
    folded = {n.casefold() for n in wanted}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(OWNER_PREFIX) and entry.name.casefold() in folded:
                    if entry.is_file():
                        return Path(entry.path)
    except OSError:
        return None
    return None


def owner_user(owner: Path) -> str | None:
    """The user name Excel wrote into an owner file, or None when it cannot be read.

    Layout (reverse-engineered, as LibreOffice reads it): byte 0 holds the name's length, then
    the name in the Windows 8-bit code page padded with spaces; at offset 55 (Excel) or 54
    (Word) a 2-byte length, then the name again in UTF-16-LE.
    """
    try:
        with owner.open("rb") as f:
            data = f.read(_OWNER_MAX_READ)
    except OSError:
        return None
    if len(data) < 60 or not 0 < data[0] <= 52:
        return None
    for pos in (55, 54):
        length = data[pos]
        end = pos + 2 + 2 * length
        if 0 < length <= 52 and end <= len(data) and data[pos + 1] == 0:
            try:
                name = data[pos + 2 : end].decode("utf-16-le").strip()
            except UnicodeDecodeError:
                continue
            if name and name.isprintable():
                return name
    return None


def ensure_writable(path: Path, expected: Fingerprint | None, *,
                    current: bytes | None = None) -> None:
    """Refuse (exit 2) to write a workbook Excel has open, a read-only one, or one saved by
    someone since it was read (`expected` is its fingerprint then; None skips that check;
    `current` is its content when the caller already holds it). Reading is never refused."""
    path = Path(path)
    owner = owner_file(path)
    if owner is not None:
        user = owner_user(owner)
        by = f" by {user}" if user else ""
        zh_who = f"正被 {user} " if user else "正"
        raise WorkbookLockedError(bilingual(
            f"工作簿{zh_who}在 Excel 中打开（同一文件夹中有 {owner.name}）：请在 Excel 中关闭它后"
            f"再运行；如果 Excel 并没有运行，请删除 {owner.name}",
            f"the workbook is open in Excel{by} ({owner.name} exists beside it); close it in "
            f"Excel and run again (if Excel is not running, delete {owner.name})"), path=path)
    if current is None and not path.exists():
        if expected is None:
            return
        raise WorkbookChangedError(bilingual(
            "读取之后工作簿被移动或删除了：请确认它的位置后重新运行",
            "the workbook was moved or deleted since it was read; run again"), path=path)
    refuse_read_only(path)
    if expected is None:
        return
    if current is not None:
        now = Fingerprint(len(current), 0, hashlib.sha256(current).hexdigest())
    else:
        now = fingerprint(path)
    # The content decides: a sync tool may touch the time without changing a byte, and a
    # coarse-grained file system (FAT, some shares) may keep the time across a real save.
    if now.size != expected.size or now.sha256 != expected.sha256:
        log.info("%s changed on disk: %s -> %s", path, expected, now)
        raise WorkbookChangedError(bilingual(
            "读取之后有人又保存了工作簿：为免覆盖别人的修改，本次未写入，请重新运行",
            "someone saved the workbook since it was read; run again"), path=path)
