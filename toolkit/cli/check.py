"""`complaints check`: validate the register and write the results back."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.catalogue import CATALOGUE
from toolkit.cli.app import EXIT_FINDINGS, EXIT_OK, Progress, cli, handle_errors, parse_as_of


def _codes_epilog() -> str:
    """The codes from the catalogue, one paragraph per level (click wraps each)."""
    names = {"error": "Error codes", "warning": "Warning codes", "flag": "Flags (逾期标记)"}
    return "\n\n".join(
        f"{title}: " + ", ".join(e.code for e in CATALOGUE if e.kind == kind) + "."
        for kind, title in names.items()) + "\n\n`complaints codes` explains each one."


@cli.command(epilog=_codes_epilog())
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", metavar="T",
              help="Judge deadlines as of T (YYYY-MM-DD or YYYY-MM-DDTHH:MM); default now.")
@click.option("--dry-run", is_flag=True, help="Check only; leave the workbook untouched.")
@click.option("--json", "as_json", is_flag=True, help="Print the result document (JSON).")
@handle_errors
def check(book: Path, as_of: str | None, dry_run: bool, as_json: bool) -> None:
    """Validate the register BOOK, route, compute deadlines, flag overdue and repeats.

    Unless --dry-run, blank 投诉编号 and 责任部门 are filled, the toolkit columns
    (回复时限 … 校验结果) are written, and the 校验报告 sheet lists every problem;
    nothing else in the workbook changes and a backup is kept in .bak/.
    Exit code 0: no errors; 1: errors found; 2: the workbook could not be used;
    70: the toolkit itself failed (rerun with --verbose and report it).
    """
    from toolkit.bulk import collector_paused, hold
    from toolkit.jobs.check import check_workbook
    from toolkit.report.document import encode
    from toolkit.report.terminal import closing_line, human_report

    when = parse_as_of(as_of)
    progress = Progress()
    try:
        outcome = check_workbook(book, when, dry_run=dry_run, progress=progress)
    finally:
        progress.done()
    hold(outcome)  # freed by the end of the process, not record by record (toolkit/bulk.py)
    result = outcome.result
    if as_json:
        with collector_paused():
            tree = result.to_json()
            document = encode(tree)
        hold(tree, document)
        click.echo(document, nl=False)
    else:
        for line in human_report(outcome):
            click.echo(line)
    click.echo(closing_line(outcome, book), err=as_json)
    click.get_current_context().exit(EXIT_FINDINGS if result.summary()["errors"] else EXIT_OK)
