"""The `complaints` command line: a thin layer over the library (see toolkit.jobs)."""

from __future__ import annotations

from toolkit.cli import check, codes, demo, init, watch  # noqa: F401  (each registers its command)
from toolkit.cli.app import cli, main

__all__ = ["cli", "main"]
