"""The `complaints` command line: a thin layer over the library (see toolkit.jobs)."""

from __future__ import annotations

from toolkit.cli import (  # noqa: F401  (each registers its command)
    check,
    codes,
    config,
    demo,
    forms,
    init,
    overdue,
    schedule,
    stats,
    watch,
)
from toolkit.cli.app import cli, main

__all__ = ["cli", "main"]
