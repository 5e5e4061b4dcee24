"""`complaints demo`: build the demo register and run the toolkit on it."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.app import Progress, cli, handle_errors, parse_as_of


@cli.command()
@click.argument("directory", required=False, default="demo-out",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--as-of", "as_of", metavar="T",
              help="The demo's 'now' (YYYY-MM-DD or YYYY-MM-DDTHH:MM); default now.")
@handle_errors
def demo(directory: Path, as_of: str | None) -> None:
    """Build a realistic demo register in DIRECTORY (default demo-out) and run the toolkit on it.

    Some hundreds of complaints over 14 months, with overdue, repeat, re-contact,
    unresolvable and deliberately invalid rows; then `check` writes its results
    into the workbook and `stats` compiles the previous month's 月度统计 sheet.
    Open the workbook in Excel or LibreOffice afterwards.
    """
    from toolkit.demo.run import run_demo

    progress = Progress()
    try:
        report = run_demo(directory, parse_as_of(as_of), progress=progress)
    finally:
        progress.done()
    for line in report.lines:
        click.echo(line)
    click.echo(f"演示完成 demo done: open {report.workbook}")
