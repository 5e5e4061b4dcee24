from __future__ import annotations

import json

from toolkit.report.document import encode


def test_encode_writes_what_the_standard_encoder_writes() -> None:
    # The document `check --json` printed before orjson: same text, byte for byte.
    doc = {
        "workbook": "投诉台账.xlsx",
        "as_of": "2026-11-24T09:00:00",
        "summary": {"rows": 2, "errors": 1, "warnings": 0},
        "cases": [
            {"row": 2, "case_id": "2611-0001", "flags": [], "repeat_of": None,
             "compensation": 1200.5, "quantity": 3, "open": True,
             "issues": [{"level": "error", "code": "bad-phone",
                         "message": "联系电话「138」不是有效电话：请填写\"11位\"手机号\n\t…"}]},
            {"row": 3, "case_id": None, "flags": ["close-overdue", "escalated"], "empty": {},
             "big": 12345678901234567890, "emoji": "😀 \u2028"},
        ],
        "issues": [],
    }
    expected = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    assert encode(doc).decode("utf-8") == expected


def test_floats_keep_their_value() -> None:
    # Only the spelling of an exponent differs from the standard encoder (1e-7, not 1e-07);
    # the check document holds no floats.
    doc = {"values": [1e-7, 0.1, 1200.5, 1e22, -0.0]}
    assert json.loads(encode(doc)) == doc
