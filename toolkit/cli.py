"""The `complaints` command line: parse options, make one library call, map errors to exit codes."""

from __future__ import annotations

import click

from toolkit import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="complaints")
def cli() -> None:
    """投诉管理工具 — complaint register toolkit for Excel workbooks."""


def main() -> None:
    cli()
