"""Pausing the cyclic garbage collector while a job builds hundreds of thousands of records.

A check at 100,000 rows allocates millions of small objects (row dicts, Case and CaseResult
records, findings, the JSON document's dicts) and none of them forms a reference cycle, so the
collector, which runs every 700 allocations and walks every live container at each full pass,
finds nothing to free: it only costs time, 15-25 % of `check --dry-run --json` as measured in
docs/performance.md. Reference counting still frees everything as usual while paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is back on (if it was) afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
