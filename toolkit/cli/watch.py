"""`complaints watch` and `complaints install-shortcut`: the path without macros."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.app import cli, handle_errors


@cli.command()
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--debounce", type=click.FloatRange(0.1, 600), default=2.0, show_default=True,
              metavar="SECONDS", help="Quiet time after the last change before a check.")
@handle_errors
def watch(book: Path, debounce: float) -> None:
    """Check BOOK each time it has been saved and closed (no macros needed).

    For WPS, LibreOffice or Excel with macros blocked: keep this running; when the
    workbook is saved and closed (no ~$ or .~lock file beside it, size and time stable)
    `check` runs and writes its results back. Never writes while the workbook is open.
    One line per run; Ctrl+C stops.
    """
    from toolkit.jobs.watch import WatchEvent
    from toolkit.jobs.watch import watch as run_watch

    def show(event: WatchEvent) -> None:
        if event.kind != "same":
            click.echo(event.text)

    run_watch(book, debounce=debounce, notify=show)


@cli.command("install-shortcut")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the shortcut (default: Windows' Send To folder; elsewhere the "
                   "applications folder of the desktop).")
@handle_errors
def install_shortcut(dest: Path | None) -> None:
    """A "Send to" / drag-onto shortcut that runs `check` on the workbooks given to it.

    On Windows: 投诉校验.cmd in the Send To folder (right-click a workbook > Send to), which
    also works when a workbook is dragged onto it (copy it to the desktop). Elsewhere: a
    .desktop entry that file managers offer under "Open with".
    """
    from toolkit.jobs.shortcut import install

    path = install(dest)
    click.echo(f"已创建快捷方式 shortcut created: {path}")
