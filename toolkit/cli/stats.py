"""`complaints stats`: the monthly statistics sheet (月度统计), or its JSON document."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.app import Progress, cli, handle_errors, parse_as_of
from toolkit.report.document import encode


@cli.command()
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--month", metavar="YYYY-MM",
              help="The month to report on; default the month before --as-of (or now).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the statistics to a new workbook FILE instead of into BOOK.")
@click.option("--as-of", "as_of", metavar="T",
              help="Now, for the default month and the generated-at stamp "
                   "(YYYY-MM-DD or YYYY-MM-DDTHH:MM).")
@click.option("--dry-run", is_flag=True, help="Compute only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics document (JSON).")
@handle_errors
def stats(book: Path, month: str | None, out: Path | None, as_of: str | None, dry_run: bool,
          as_json: bool) -> None:
    """Monthly statistics of BOOK: the 月度统计 sheet with figures, breakdowns and charts.

    The figures of the month (default: the previous month) beside last month's,
    breakdowns by 类别, 责任部门, 有效级别, 受理渠道 and 客户类型, the 类别 × 责任部门
    matrix, the top customers, the cases overdue at month end and the unresolvable
    ones, and three charts, laid out for A4 landscape. The sheet is replaced on each
    run and nothing else in BOOK changes; --out writes a new workbook instead.
    """
    from toolkit.bulk import hold
    from toolkit.jobs.stats import run_stats
    from toolkit.report.stats_text import stats_closing_line, stats_lines, stats_notes

    progress = Progress()
    try:
        outcome = run_stats(book, as_of=parse_as_of(as_of), month=month, out=out,
                            dry_run=dry_run, progress=progress)
    finally:
        progress.done()
    hold(outcome)  # freed by the end of the process, not record by record (toolkit/bulk.py)
    lang = outcome.result.rules.settings.language
    if as_json:
        click.echo(encode(outcome.report.to_json()), nl=False)
        for line in stats_notes(outcome.report, lang):
            click.echo(line, err=True)
    else:
        for line in stats_lines(outcome.report, book, lang):
            click.echo(line)
    save = outcome.save
    click.echo(stats_closing_line(outcome.report, lang, book, written=save is not None,
                                  backup=save.backup if save else None, out=outcome.out),
               err=as_json)
