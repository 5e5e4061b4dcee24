"""Findings: problems in a row or in the workbook, reported with stable codes (SPEC §3.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["error", "warning"]

# code -> level (SPEC §3.5). The codes are stable English identifiers.
CODES: dict[str, Level] = {
    "missing": "error",
    "bad-date": "error",
    "bad-number": "error",
    "bad-enum": "error",
    "bad-phone": "error",
    "bad-email": "error",
    "bad-id": "error",
    "duplicate-id": "error",
    "future": "error",
    "order": "error",
    "status-mismatch": "error",
    "unhappy-closed": "error",
    "no-route": "warning",
    "late-claim": "warning",
    "calendar-unknown": "warning",
    "unknown-column": "warning",
}

# Flags of SPEC §3.3: code -> Chinese label written into the 逾期标记 column.
FLAGS: dict[str, str] = {
    "response-overdue": "回复逾期",
    "responded-late": "回复超时",
    "close-overdue": "结案逾期",
    "closed-late": "逾期结案",
    "due-soon": "即将到期",
    "escalated": "已升级",
}
FLAGS_EN: dict[str, str] = {
    "response-overdue": "response overdue",
    "responded-late": "responded late",
    "close-overdue": "close overdue",
    "closed-late": "closed late",
    "due-soon": "due soon",
    "escalated": "escalated",
}


@dataclass(frozen=True)
class Finding:
    """One problem. `row` is the worksheet row (None for the whole workbook); `field` is a
    column key of SPEC §2 (None for the whole workbook)."""

    code: str
    message: str
    row: int | None = None
    field: str | None = None

    @property
    def level(self) -> Level:
        return CODES[self.code]

    def to_json(self, *, with_row: bool = True) -> dict[str, Any]:
        doc = {"level": self.level, "row": self.row, "field": self.field,
               "code": self.code, "message": self.message}
        if not with_row:
            del doc["row"]
        return doc
