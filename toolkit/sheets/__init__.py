"""Workbook I/O: the fast reader, the lossless writer and the open-in-Excel checks.

The public surface is re-exported here; everything under toolkit.sheets.xlsx is the writer's
inside. New files come from toolkit.sheets.template (a new register) and
toolkit.sheets.atomic.write_atomic (any other output file). docs/writeback.md says what a
write into an existing workbook guarantees.
"""

from __future__ import annotations

from toolkit.sheets.atomic import write_atomic
from toolkit.sheets.lock import Fingerprint, ensure_writable, fingerprint
from toolkit.sheets.reader import Workbook, read_workbook
from toolkit.sheets.xlsx.cells import cut_text, split_text
from toolkit.sheets.xlsx.macro import (
    CONFIG_CODE_NAME,
    CONFIG_SHEET,
    Button,
    MacroRequest,
    add_macro,
    check_upgradable,
    code_names,
    stamp,
)
from toolkit.sheets.xlsx.newbook import write_report_workbook
from toolkit.sheets.xlsx.reportspec import CellStyle, Chart, ReportSheet, Series
from toolkit.sheets.xlsx.writer import (
    CellValue,
    ColumnWrite,
    Highlight,
    OwnedSheet,
    SaveResult,
    WorkbookEdit,
    save_edit,
)

__all__ = [
    "CellStyle",
    "CONFIG_CODE_NAME",
    "CONFIG_SHEET",
    "Button",
    "CellValue",
    "Chart",
    "ColumnWrite",
    "Fingerprint",
    "Highlight",
    "MacroRequest",
    "OwnedSheet",
    "ReportSheet",
    "SaveResult",
    "Series",
    "Workbook",
    "WorkbookEdit",
    "add_macro",
    "check_upgradable",
    "code_names",
    "cut_text",
    "ensure_writable",
    "fingerprint",
    "read_workbook",
    "save_edit",
    "split_text",
    "stamp",
    "write_atomic",
    "write_report_workbook",
]
