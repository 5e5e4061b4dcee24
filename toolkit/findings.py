"""Findings: problems in a row or in the workbook, reported with stable codes (docs/rules.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from toolkit.catalogue import CATALOGUE

Level = Literal["error", "warning"]

# code -> level, and the flag labels written into 逾期标记, from the one catalogue
# (toolkit/catalogue.py, described in docs/rules.md).
CODES: dict[str, Level] = {e.code: e.kind for e in CATALOGUE if e.kind != "flag"}
FLAGS: dict[str, str] = {e.code: e.zh for e in CATALOGUE if e.kind == "flag"}
FLAGS_EN: dict[str, str] = {e.code: e.en for e in CATALOGUE if e.kind == "flag"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem. `row` is the worksheet row (None for the whole workbook); `field` is a
    column key of toolkit.register (None for the whole workbook)."""

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
