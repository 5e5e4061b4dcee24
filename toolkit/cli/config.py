"""`complaints config --show`: which config file is used and what it says (password masked);
the --config option and the [workbook] path fallback the mail commands share."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.app import cli, handle_errors
from toolkit.config import Config
from toolkit.errors import UsageError, bilingual

CONFIG_HELP = ("The TOML config file (default: $COMPLAINTS_CONFIG, else config.toml in the "
               "user's config folder).")


def book_from(book: Path | None, config: Config | None) -> Path:
    """BOOK from the command line, else the config's [workbook] path."""
    if book is not None:
        return book
    if config is not None and config.workbook is not None:
        return Path(config.workbook)
    where = f"{config.path}: " if config is not None else ""
    raise UsageError(where + bilingual(
        "没有指定工作簿：请在命令行给出 BOOK，或在配置文件 [workbook] 中写 path",
        "no workbook: give BOOK or set [workbook] path in the config file"))


@cli.command("config")
@click.option("--show", is_flag=True, help="Print the settings found and where from (default).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help=CONFIG_HELP)
@handle_errors
def config_command(show: bool, config_file: Path | None) -> None:
    """Show which config file is used (--config, $COMPLAINTS_CONFIG or the user's config
    folder) and what it says; the password is never shown, only whether one is available."""
    from toolkit.config import describe_config

    for line in describe_config(config_file):
        click.echo(line)
