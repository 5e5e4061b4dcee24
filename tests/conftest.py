"""Shared test fixtures: the every-feature register, LibreOffice as an independent reader."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import build_every_feature_register

# Every sheet to its own CSV file (<stem>-<sheet>.csv): UTF-8, comma, quoted text, formatted
# values as shown (so a date cell reads "2026-11-03 09:30:00" under its number format).
_CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


@dataclass
class LibreOffice:
    soffice: str
    profile: Path

    def sheets_as_csv(self, workbook: Path, outdir: Path) -> dict[str, list[list[str]]]:
        """Open `workbook` headless and return every sheet's rows as LibreOffice shows them."""
        outdir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [self.soffice, f"-env:UserInstallation={self.profile.as_uri()}", "--headless",
             "--norestore", "--convert-to", _CSV_ALL_SHEETS, "--outdir", str(outdir),
             str(workbook)],
            capture_output=True, text=True, timeout=180, check=False)
        prefix = workbook.stem + "-"
        sheets = {}
        for f in sorted(outdir.glob(f"{workbook.stem}*.csv")):
            name = f.stem[len(prefix):] if f.stem.startswith(prefix) else f.stem
            with f.open(encoding="utf-8", newline="") as fh:
                sheets[name] = list(csv.reader(fh))
        assert sheets, f"LibreOffice wrote no CSV: {done.stdout}\n{done.stderr}"
        return sheets


@pytest.fixture
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> LibreOffice:
    """LibreOffice, or a skip saying why the test cannot run here."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: install libreoffice-calc-nogui to "
                    "check that LibreOffice opens what the toolkit writes")
    return LibreOffice(soffice, tmp_path_factory.mktemp("lo-profile"))


@pytest.fixture
def featured_register(tmp_path: Path) -> Callable[..., Path]:
    """Factory: featured_register("台账.xlsm", rows=12, table=False, report_sheet=False)."""
    def make(name: str = "投诉台账.xlsm", **kwargs: object) -> Path:
        folder = tmp_path / "desk"
        folder.mkdir(exist_ok=True)
        return build_every_feature_register(folder / name, **kwargs)  # type: ignore[arg-type]
    return make
