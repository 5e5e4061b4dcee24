"""`complaints overdue`: the morning overdue email now (or as .eml files with --dry-run)."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.app import EXIT_FINDINGS, EXIT_OK, cli, handle_errors, parse_as_of
from toolkit.cli.config import CONFIG_HELP, book_from
from toolkit.errors import UsageError, bilingual


@cli.command()
@click.argument("book", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", metavar="T",
              help="Judge deadlines as of T (YYYY-MM-DD or YYYY-MM-DDTHH:MM); default now.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help=CONFIG_HELP)
@click.option("--dry-run", is_flag=True, help="Write one .eml file per message instead of sending.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the .eml files of --dry-run.")
@click.option("--working-days-only", is_flag=True,
              help="Send nothing on a day off by the workbook's calendar (for cron jobs).")
@handle_errors
def overdue(book: Path | None, as_of: str | None, config_file: Path | None, dry_run: bool,
            out_dir: Path | None, working_days_only: bool) -> None:
    """Send the morning overdue email now (BOOK, or [workbook] path of the config).

    Each department gets its open cases that are overdue or due today (and the
    接收升级 departments every open 重大 case), plus its overdue corrective actions;
    the summary goes to [mail] summary_to. The workbook is only read, so it may be open
    in Excel. Exit code 0: all sent (or written); 1: some messages could not be delivered;
    2: the config or the workbook is unusable; 70: the toolkit itself failed (rerun with
    --verbose and report it).
    """
    from toolkit.config import load_found_config
    from toolkit.jobs.overdue import run_overdue

    config = load_found_config(config_file)
    if out_dir is not None and not dry_run:
        raise UsageError(bilingual("--out 只和 --dry-run 一起使用", "--out goes with --dry-run"))
    outcome = run_overdue(book_from(book, config), as_of=parse_as_of(as_of), config=config,
                          dry_run=dry_run, out_dir=out_dir,
                          working_days_only=working_days_only)
    for warning in outcome.warnings:
        click.echo(f"警告 warning: {warning}", err=True)
    for mail in outcome.mails:
        where = f" -> {mail.eml}" if mail.eml else ""
        click.echo(f"{mail.key}: {mail.body.subject} ({', '.join(mail.recipients)}){where}")
    if outcome.report is not None:
        for problem in outcome.report.problems():
            click.echo(f"未送达 not delivered: {problem}", err=True)
    click.echo(outcome.closing_line())
    click.get_current_context().exit(EXIT_OK if outcome.ok else EXIT_FINDINGS)
