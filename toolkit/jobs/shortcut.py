"""`complaints install-shortcut`: run `check` on a workbook from the file manager, no macros.

On Windows a .cmd file in the Send To folder (right-click a workbook > Send to > 投诉校验), which
also runs when workbooks are dragged onto it; elsewhere a .desktop entry for "Open with".
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from toolkit.errors import UsageError, bilingual
from toolkit.sheets.atomic import write_atomic

NAME = "投诉校验"


def complaints_command() -> list[str]:
    """How to start this toolkit's `complaints` from anywhere: its own script when installed,
    else this interpreter running the command line module."""
    script = Path(sys.executable).with_name("complaints.exe" if os.name == "nt" else "complaints")
    if script.is_file():
        return [str(script)]
    found = shutil.which("complaints")
    if found:
        return [found]
    return [sys.executable, "-c", "from toolkit.cli import main; main()"]


def windows_cmd(command: list[str]) -> bytes:
    """The Send To / drag-onto batch file: `check` on each workbook given, then a pause so the
    window stays open for the person to read the result."""
    run = " ".join(f'"{part}"' for part in command)
    lines = [
        "@echo off",
        "rem complaint-toolkit: check the workbooks sent to this shortcut (docs/excel.md)",
        "chcp 65001 >nul",
        ":next",
        'if "%~1"=="" goto done',
        f'{run} check "%~1"',
        "shift",
        "goto next",
        ":done",
        "pause",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def desktop_entry(command: list[str]) -> bytes:
    """A freedesktop .desktop entry offered under "Open with" for Excel workbooks."""
    exec_line = " ".join(_desktop_quote(p) for p in [*command, "check"]) + " %f"
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        f"Name={NAME} (complaints check)",
        "Comment=Validate a complaint register and write the results back",
        f"Exec={exec_line}",
        "Terminal=true",
        "NoDisplay=false",
        "MimeType=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;"
        "application/vnd.ms-excel.sheet.macroEnabled.12;",
        "",
    ]).encode("utf-8")


def _desktop_quote(arg: str) -> str:
    # The Desktop Entry spec: quote arguments with reserved characters, escape " ` $ \ inside.
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def default_folder() -> Path:
    if os.name == "nt":
        appdata = os.environ.get("APPDATA")
        if not appdata:
            raise UsageError(bilingual("找不到 APPDATA 文件夹：请用 --dest 指定快捷方式的位置",
                                       "APPDATA is not set; give the folder with --dest"))
        return Path(appdata) / "Microsoft" / "Windows" / "SendTo"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "applications"


def install(dest: Path | None = None, *, windows: bool | None = None,
            command: list[str] | None = None) -> Path:
    """Write the shortcut into `dest` (default: the Send To or applications folder)."""
    windows = os.name == "nt" if windows is None else windows
    command = command or complaints_command()
    folder = Path(dest) if dest is not None else default_folder()
    if windows:
        return write_atomic(folder / f"{NAME}.cmd", windows_cmd(command))
    path = write_atomic(folder / "complaint-toolkit-check.desktop", desktop_entry(command))
    path.chmod(0o755)
    return path


def exec_argv(entry: bytes, file: Path) -> list[str]:
    """The command a file manager runs for `file` from a .desktop entry (used by the tests)."""
    line = next(x for x in entry.decode().splitlines() if x.startswith("Exec="))[5:]
    return [str(file) if a == "%f" else a for a in shlex.split(line)]
