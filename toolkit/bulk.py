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


# What a one-job process holds on to until it ends (toolkit/cli/app.py, main). Freeing a
# check's records one by one at the end, a reference count at a time, takes 0.15-0.3 s at
# 100,000 rows; a process that is about to end hands all its memory back at once.
_held: list[object] = []
_holding: list[bool] = []


def hold_until_exit() -> None:
    """From now on, `hold` keeps what it is given: the process ends with the job."""
    _holding.append(True)


def hold(*records: object) -> None:
    """Keep a job's large results alive until the process ends (only after
    hold_until_exit(): in-process callers, the tests, free them as usual)."""
    if _holding:
        _held.extend(records)


def holding() -> bool:
    """Whether anything is held, so the process should end without freeing it."""
    return bool(_held)
