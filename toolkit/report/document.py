"""The machine form of a report (`--json`): one JSON document, encoded with orjson.

orjson writes the same text as `json.dumps(doc, ensure_ascii=False, indent=2)` (a test holds
them equal) some fifteen times faster: the standard encoder falls back to pure Python when it
indents, and at 100,000 cases that was the largest single item of `check --dry-run --json`
(docs/performance.md).
"""

from __future__ import annotations

from typing import Any

import orjson


def encode(doc: dict[str, Any]) -> bytes:
    """UTF-8 JSON, indented by two spaces, ending in a newline."""
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
