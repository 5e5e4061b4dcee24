"""`complaints forms`: the approval forms (客诉问题处理审批表) as Word documents."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.app import EXIT_FINDINGS, EXIT_OK, Progress, cli, handle_errors, parse_as_of


@cli.command()
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--case", "cases", multiple=True, metavar="ID",
              help="Only the case with this 投诉编号 (repeatable); default: every case that "
                   "needs approval.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the forms; default: 审批表 beside the workbook.")
@click.option("--pdf", is_flag=True, help="Also a PDF of each form (needs LibreOffice).")
@click.option("--force", is_flag=True,
              help="Rewrite every form, even unchanged ones and files the toolkit did not write.")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path),
              help="A Word template to fill; default: 客诉问题处理审批表.docx beside the "
                   "workbook, else the built-in one.")
@click.option("--as-of", "as_of", metavar="T",
              help="Judge deadlines as of T (YYYY-MM-DD or YYYY-MM-DDTHH:MM); default now.")
@handle_errors
def forms(book: Path, cases: tuple[str, ...], out_dir: Path | None, pdf: bool, force: bool,
          template: Path | None, as_of: str | None) -> None:
    """Approval forms (客诉问题处理审批表) as Word documents, filled from the register BOOK.

    Without --case: every case with 赔偿金额 > 0, 有效级别 强烈 or 重大, or 审批状态
    待审批. Files are named <投诉编号>_<客户名称>.docx; an existing form is rewritten only
    when its case changed. The workbook itself is not written.
    Exit code 0: done; 1: a form has fields left blank because the row has errors, or a
    file was skipped; 2: unusable input (nothing written); 70: the toolkit itself failed
    (rerun with --verbose and report it).
    """
    from toolkit.jobs.forms import run_forms
    from toolkit.report.forms import closing_line, summary_lines

    progress = Progress()
    try:
        outcome = run_forms(book, as_of=parse_as_of(as_of), case_ids=list(cases) or None,
                            out_dir=out_dir, pdf=pdf, force=force, template=template,
                            progress=progress)
    finally:
        progress.done()
    for line in summary_lines(outcome):
        click.echo(line)
    click.echo(closing_line(outcome))
    click.get_current_context().exit(EXIT_FINDINGS if outcome.not_done else EXIT_OK)
