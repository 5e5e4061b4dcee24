"""`complaints init`: a new register from the template, or the register with the buttons."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.app import cli, handle_errors
from toolkit.errors import UsageError, bilingual


@cli.command()
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--english", is_flag=True, help="English column headers instead of Chinese.")
@click.option("--macro", is_flag=True,
              help="An .xlsm with the buttons 校验 / 生成审批表 / 月度统计 (xlwings).")
@click.option("--from", "source", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="With --macro: upgrade this existing register (.xlsx), keeping its data.")
@click.option("--interpreter", metavar="PATH",
              help="With --macro: the python.exe the buttons run (default: this Python on "
                   "Windows, else python on the PATH).")
@handle_errors
def init(book: Path, english: bool, macro: bool, source: Path | None,
         interpreter: str | None) -> None:
    """Create a new register BOOK (.xlsx) from the template, or with --macro an .xlsm with buttons.

    The workbook has the 投诉记录 sheet with every column, drop-down lists and date
    formats, and the rule sheets (分派规则, 时限规则, 部门, 节假日, 设置) filled with
    the defaults for the quality manager to edit. With --macro the .xlsm also carries
    the VBA project, three buttons on 投诉记录 and a hidden xlwings.conf sheet naming the
    interpreter; --from OLD.xlsx upgrades an existing register instead, everything in it
    kept (OLD is only read). Never overwrites a file.
    """
    if (source or interpreter) and not macro:
        raise UsageError(bilingual("--from 和 --interpreter 只能与 --macro 一起使用",
                                   "--from and --interpreter go with --macro"))
    if macro:
        from toolkit.jobs.macro import init_macro

        path = init_macro(book, source=source, interpreter=interpreter, english=english)
        what = f"已升级 upgraded {source} into" if source else "已创建 created"
        click.echo(f"{what} {path}（带按钮 with buttons）: set INTERPRETER_WIN on the hidden "
                   "xlwings.conf sheet if Python is not on the PATH; see docs/excel.md")
        return
    from toolkit.sheets.template import build_register

    path = build_register(book, english=english)
    click.echo(f"已创建登记表 created the register {path}: fill in 部门 (负责人, 邮箱) and start "
               "recording complaints on 投诉记录")
