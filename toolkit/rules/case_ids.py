"""Case numbers (投诉编号): the `YYMM-NNNN` format, duplicates, and numbering blank ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import itemgetter

from toolkit.findings import Finding
from toolkit.messages import render
from toolkit.register import Case, HeaderMap

# YYMM-NNNN. Five or more digits are accepted (without a leading zero) because
# assign_case_ids grows past 9999 in a very busy month rather than fail.
CASE_ID_RE = re.compile(r"([0-9]{2})([0-9]{2})-([0-9]{4}|[1-9][0-9]{4,})")

TEMPLATES = {
    "duplicate-id": {
        "zh": "{header}「{value}」已在第 {first} 行使用：投诉编号不能重复，"
              "请改用新编号，或清空此格由工具按月重新编号",
        "en": "{header} '{value}' is already used on row {first}: case numbers must be unique; "
              "give a new one, or clear the cell to have the next number of the month assigned",
    },
}


def normalize_case_id(case_id: str | None) -> str:
    """The case number as compared: trimmed and upper-cased ('' when blank)."""
    return case_id.strip().upper() if case_id else ""


def duplicate_findings(cases: Sequence[Case], headers: HeaderMap, lang: str) -> list[Finding]:
    """`duplicate-id` on each later row that reuses an earlier row's 投诉编号, naming the
    first row that used it."""
    first_row: dict[str, int] = {}
    out: list[Finding] = []
    header = headers.header("case_id")
    numbered = [(c.row, key, c) for c in cases if (key := normalize_case_id(c.case_id))]
    numbered.sort(key=itemgetter(0))  # in row order already, as read: a single pass
    for row, key, case in numbered:
        first = first_row.setdefault(key, row)
        if first != row:
            message = render(TEMPLATES, "duplicate-id", lang,
                             header=header, value=(case.case_id or "").strip(), first=first)
            out.append(Finding("duplicate-id", message, row, "case_id"))
    return out


def assign_case_ids(cases: Sequence[Case]) -> dict[int, str]:
    """Row -> new 投诉编号 for each case with a blank one and a valid 受理时间: the month's
    YYMM and one more than the highest number used for that month so far, in row order.

    Every well-formed existing number counts under its own YYMM, even on a row whose
    受理时间 is in another month (a `bad-id`): handing that number out again would make
    a duplicate. Gaps are not filled, so a number once used never comes back."""
    ids = [normalize_case_id(c.case_id) for c in cases]
    highest: dict[str, int] = {}
    for m in filter(None, map(CASE_ID_RE.fullmatch, ids)):
        yymm, number = m[1] + m[2], int(m[3])
        if number > highest.get(yymm, 0):
            highest[yymm] = number
    assigned: dict[int, str] = {}
    blanks = [c for c, key in zip(cases, ids, strict=True) if not key and c.received_at]
    for case in sorted(blanks, key=lambda c: c.row):
        yymm = case.received_at.strftime("%y%m")  # type: ignore[union-attr]  # filtered above
        number = highest.get(yymm, 0) + 1
        highest[yymm] = number
        # :04d widens to five digits past 9999 instead of failing; CASE_ID_RE accepts it.
        assigned[case.row] = f"{yymm}-{number:04d}"
    return assigned
