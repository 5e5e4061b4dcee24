"""Small register workbooks built in tests with openpyxl (brand-new files only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine as calamine

from toolkit.register import BY_KEY, CellValue

BASE_HEADERS = ("case_id", "received_at", "receiver", "customer", "phone", "category",
                "severity", "description", "status")


def good_row(**overrides: CellValue) -> dict[str, CellValue]:
    """A valid open 服务过程 complaint; override any column by key."""
    row: dict[str, CellValue] = {
        "case_id": "2611-0001",
        "received_at": datetime(2026, 11, 3, 9, 30),
        "receiver": "王丽",
        "customer": "杭州顺达汽车销售服务有限公司",
        "phone": "13800138000",
        "category": "服务过程",
        "severity": "一般",
        "description": "售后人员上门服务态度差，未按约定时间到达",
        "status": "处理中",
    }
    row.update(overrides)
    return row


def make_register(
    path: Path,
    rows: Sequence[Mapping[str, CellValue]] = (),
    *,
    keys: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    sheet: str = "投诉记录",
    english: bool = False,
    extra_sheets: Mapping[str, Sequence[Sequence[CellValue]]] = {},
) -> Path:
    """A register with the given column keys (default: the required ones plus any key used in
    rows), Chinese headers unless english or explicit headers, and optional extra sheets."""
    if keys is None:
        keys = list(BASE_HEADERS)
        for r in rows:
            keys += [k for k in r if k not in keys]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(headers) if headers else
              [BY_KEY[k].en if english else BY_KEY[k].zh for k in keys])
    for r in rows:
        ws.append([r.get(k) for k in keys])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # staff typed text that looks like a formula
    for name, sheet_rows in extra_sheets.items():
        other = wb.create_sheet(name)
        for sr in sheet_rows:
            other.append(list(sr))
    wb.save(path)
    return path


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    """A sheet's rows as python-calamine, an independent reader, sees them."""
    book = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        book.close()
