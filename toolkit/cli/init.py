"""`complaints init`: a new register from the template."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.app import cli, handle_errors


@cli.command()
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--english", is_flag=True, help="English column headers instead of Chinese.")
@handle_errors
def init(book: Path, english: bool) -> None:
    """Create a new register BOOK (.xlsx) from the template.

    The workbook has the 投诉记录 sheet with every column, drop-down lists and date
    formats, and the rule sheets (分派规则, 时限规则, 部门, 节假日, 设置) filled with
    the defaults for the quality manager to edit. Never overwrites a file.
    """
    from toolkit.sheets.template import build_register

    path = build_register(book, english=english)
    click.echo(f"已创建登记表 created the register {path}: fill in 部门 (负责人, 邮箱) and start "
               "recording complaints on 投诉记录")
