"""The check summary, counted in one pass, against the plain definition of each count."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from toolkit.demo.data import demo_rows
from toolkit.findings import CODES
from toolkit.register import STAFF_COLUMNS, HeaderMap, RawRow, RegisterData
from toolkit.rules.engine import run_check

AS_OF = datetime(2026, 11, 24, 9)


def test_summary_and_code_counts_match_the_cases() -> None:
    rows = [RawRow(i + 2, {k: v for k, v in r.items() if v is not None})
            for i, r in enumerate(demo_rows(AS_OF))]
    data = RegisterData(path="demo.xlsx", register_sheet="投诉记录", header_row=1,
                        headers=HeaderMap.from_row([c.zh for c in STAFF_COLUMNS]), rows=rows,
                        rule_sheets={}, last_column=len(STAFF_COLUMNS))
    result = run_check(data, AS_OF)
    findings = result.all_findings()
    cases = result.cases
    expected = {
        "rows": len(cases),
        "errors": sum(1 for f in findings if f.level == "error"),
        "warnings": sum(1 for f in findings if f.level == "warning"),
        "open": sum(1 for c in cases if c.case.is_open),
        "overdue": sum(1 for c in cases if c.overdue),
        "due_soon": sum(1 for c in cases if "due-soon" in c.flags),
        "repeats": sum(1 for c in cases if c.repeat_kind == "repeat"),
        "recontacts": sum(1 for c in cases if c.repeat_kind == "recontact"),
        "escalated": sum(1 for c in cases if "escalated" in c.flags),
    }
    summary = result.summary()
    assert {k: summary[k] for k in expected} == expected
    # The demo has something in every count, so none of them passes by being zero.
    assert all(expected[k] for k in expected), expected
    assert result.code_counts() == Counter(f.code for f in findings)
    assert set(result.code_counts()) <= set(CODES)


def test_json_stamps_keep_their_offsets() -> None:
    # Stamps are memoised for naive moments only: equal aware ones keep their own offsets.
    from datetime import UTC, timedelta, timezone

    from toolkit.rules.engine import _iso

    east = datetime(2026, 1, 1, 10, tzinfo=timezone(timedelta(hours=8)))
    utc = datetime(2026, 1, 1, 2, tzinfo=UTC)
    assert east == utc
    assert (_iso(east), _iso(utc)) == ("2026-01-01T10:00:00+08:00", "2026-01-01T02:00:00+00:00")
    assert _iso(datetime(2026, 1, 1, 9)) == _iso(datetime(2026, 1, 1, 9)) == "2026-01-01T09:00:00"
    assert _iso(None) is None
