"""Writing the files of a forms run: each one atomically, as write_atomic does, at a cost that
does not grow with the number of files already in the folder.

write_atomic (toolkit/sheets/atomic.py) is made for one file: it lists the folder for
temporary files a killed run left of that file, and it fsyncs the folder after the rename.
A forms run writes thousands of files into one folder, so that listing would be read once per
form, ever longer (at 18,000 forms it cost more than making the form), and the folder synced
thousands of times. Here the folder is listed once, when the run first writes into it, and a
form's leftovers are removed only if that listing showed some; each file is still written
under a temporary name, fsynced and renamed over the target, so a reader (or a crash at any
point) finds the old form or the new one, never a part; the folder is fsynced once, when the
run has written its files (finish()). A power cut before that may lose some renames, which
leaves the older forms in place: the next run sees their fingerprints differ and writes them
again. See docs/forms.md (Files and re-runs) and docs/writeback.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.sheets.atomic import install
from toolkit.sheets.durable import TEMP_MARK, fsync_dir, io_error, remove_stale_temps


class FormWriter:
    """Writes files atomically into one or more folders; call finish() when done (also after a
    failure: what was renamed is then made durable)."""

    def __init__(self) -> None:
        # folder -> the stems of the temporary files it held when the run first wrote there
        self._leftovers: dict[Path, set[str]] = {}

    def write(self, path: Path, data: bytes) -> Path:
        """Write `data` to `path` so that a reader sees the old file or the new one. Raises
        WorkbookError (exit 2) naming the file and the cause, as write_atomic does."""
        folder = path.parent
        leftovers = self._leftovers.get(folder)
        if leftovers is None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise io_error(e, folder, "无法创建文件夹", "cannot create the folder") from None
            leftovers = self._leftovers[folder] = _temporary_stems(folder)
        if path.stem in leftovers:
            remove_stale_temps(folder, path)  # left by a run that was killed half-way
        install(path, data)
        return path

    def finish(self) -> None:
        """Make the renames durable: one fsync per folder written."""
        for folder in self._leftovers:
            fsync_dir(folder)


def _temporary_stems(folder: Path) -> set[str]:
    """The stems of the files whose temporary copies are in `folder` (".<stem>.~toolkit-…")."""
    try:
        names = [e.name for e in os.scandir(folder)]
    except OSError:
        return set()
    return {n[1:n.rindex(TEMP_MARK)] for n in names if n.startswith(".") and TEMP_MARK in n}
