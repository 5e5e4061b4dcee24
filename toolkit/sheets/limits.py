"""How big a workbook the toolkit opens: a bound on its unpacked size set by this computer's
free memory, so that no input within the bound can exhaust memory (docs/writeback.md)."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import zipfile
from pathlib import Path

from toolkit.errors import WorkbookError, bilingual

log = logging.getLogger("toolkit.sheets")

# A register is some tens of MB unpacked at 100,000 rows. Reading and writing back a package
# peaked at 3.5–3.9 times its unpacked size (measured: 64 MB of XML, 250 MB peak for `check`),
# so a fifth of the free memory leaves room for that and for the rest of the machine.
MEMORY_FACTOR = 5
MAX_UNPACKED_BYTES = 2 * 1024**3  # never more, however large the machine
_UNKNOWN_MEMORY = 4 * 1024**3


def available_memory() -> int:
    """Bytes of memory free for this process now (an estimate; a guess when unknown)."""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/meminfo", encoding="ascii") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        elif sys.platform == "win32":
            class Status(ctypes.Structure):
                _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                            ("ullTotalPhys", ctypes.c_ulonglong),
                            ("ullAvailPhys", ctypes.c_ulonglong),
                            ("ullTotalPageFile", ctypes.c_ulonglong),
                            ("ullAvailPageFile", ctypes.c_ulonglong),
                            ("ullTotalVirtual", ctypes.c_ulonglong),
                            ("ullAvailVirtual", ctypes.c_ulonglong),
                            ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]
            status = Status()
            status.dwLength = ctypes.sizeof(Status)
            if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
                return int(status.ullAvailPhys)
        else:  # macOS and others: half of the physical memory
            return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (OSError, ValueError, AttributeError):
        pass
    return _UNKNOWN_MEMORY


def unpacked_limit() -> int:
    return min(MAX_UNPACKED_BYTES, available_memory() // MEMORY_FACTOR)


def check_unpacked(infos: list[zipfile.ZipInfo], path: Path) -> None:
    """Refuse (exit 2) a package whose parts unpack to more than this computer can hold while
    reading and writing it. The sizes checked are binding: zipfile and calamine both stop at a
    part's declared size (a part that is larger is reported as damaged)."""
    unpacked = sum(i.file_size for i in infos)
    limit = unpacked_limit()
    if unpacked <= limit:
        return
    size, most = _mb(unpacked), _mb(limit)
    raise WorkbookError(bilingual(
        f"工作簿解压后有 {size}，超过这台电脑的可用内存能安全处理的 {most}：请确认这是投诉登记表，"
        "或关闭其他程序后再运行",
        f"the workbook unpacks to {size}, more than the {most} this computer's free memory can "
        "safely process; is this really a complaint register? (closing other programs helps)"),
        path=path)


def _mb(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"
