"""Reading the register for a job: what every job that looks at the cases starts with."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from toolkit.rules.calendar import preload as preload_calendar
from toolkit.sheets import Workbook, read_workbook


def read_workbook_preloading(path: Path, *, report: bool = False) -> Workbook:
    """read_workbook, with the official calendars imported meanwhile on a second thread
    (python-calamine lets go of the GIL while it parses). The 校验报告 sheet is read only when
    asked for: only a writing check compares with it, and after the first check it holds a
    row for every problem in the register."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(preload_calendar)  # its failure, if any, shows again where it is used
        return read_workbook(path, report=report)
