"""The `complaints` group and the one place that turns exceptions into messages and exit codes.

Each command lives in its own module beside this one (init, check, demo, codes) and makes one
library call; exit codes are 0 ok, 1 findings, 2 usage or input error, 70 internal error.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import click

from toolkit import __version__
from toolkit.bulk import hold_until_exit, holding
from toolkit.errors import ToolkitError, UsageError, bilingual
from toolkit.sheets.durable import reason

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
EXIT_INTERNAL = 70  # EX_SOFTWARE of sysexits.h: a bug of ours, not a bad workbook


def parse_as_of(text: str | None) -> datetime:
    """`--as-of` value: YYYY-MM-DD (midnight) or YYYY-MM-DDTHH:MM; now when absent."""
    if not text:
        return datetime.now().replace(second=0, microsecond=0)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(bilingual(
            f"--as-of {text!r} 不是有效的时间：请写成 2026-11-24 或 2026-11-24T09:00 这样的格式",
            f"--as-of {text!r}: write YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2026-11-24T09:00")
        ) from None
    return value.replace(tzinfo=None, microsecond=0)


class Progress:
    """Progress on stderr when it is a terminal; silent otherwise (pipes, CI, --json readers)."""

    LABELS = {"read": "读取 reading", "check": "校验 checking", "write": "写回 writing",
              "demo": "生成 building", "forms": "审批表 forms", "pdf": "PDF"}

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        label = self.LABELS.get(stage, stage)
        text = f"{label} {done}/{total} …" if total > 1 else f"{label} …"
        # Chinese characters take two columns: pad for that so nothing is left behind.
        click.echo("\r" + text.ljust(2 * len(self.last)), nl=False, err=True)
        self.last = text

    def done(self) -> None:
        if self.enabled and self.last:
            click.echo("\r" + " " * (2 * len(self.last)) + "\r", nl=False, err=True)
            self.last = ""


def handle_errors(fn: F) -> F:
    """Turn ToolkitError into a one-line message and its exit code; never show a traceback
    unless --verbose asked for it."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        verbose = bool(ctx.obj and ctx.obj.get("verbose"))
        try:
            return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except ToolkitError as e:
            if verbose:
                traceback.print_exc()
            click.echo(f"错误 error: {e.message}", err=True)
            ctx.exit(e.exit_code)
        except BrokenPipeError:
            # The reader of our output went away (`| head`): stop quietly, as cat does.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_FINDINGS)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was written", err=True)
            ctx.exit(130)
        except OSError as e:  # a disk or permission failure the library did not word itself
            if verbose:
                traceback.print_exc()
            zh, en = reason(e)
            where = f"{e.filename}: " if e.filename else ""
            click.echo(f"错误 error: {where}" + bilingual(f"读写文件失败：{zh}",
                                                          f"a file operation failed: {en}"),
                       err=True)
            ctx.exit(EXIT_INPUT)
        except Exception as e:  # a bug: still one line, and the way to see more
            if verbose:
                traceback.print_exc()
            click.echo("错误 internal error: " + bilingual(
                "程序内部出错：请加 --verbose 重新运行查看详情，并报告给维护人员",
                f"{type(e).__name__}: {e} (run with --verbose for the details and report it)"),
                err=True)
            ctx.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="complaints")
@click.option("-v", "--verbose", is_flag=True, help="Log details and show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """投诉管理工具 — the complaint register toolkit for Excel workbooks.

    The workbook stays the system of record: staff keep working in Excel, the
    toolkit validates it, fills case numbers and departments, computes deadlines
    in working days and flags overdue and repeat complaints.
    """
    ctx.obj = {"verbose": verbose}
    if ctx.invoked_subcommand not in _RUNS_FOR_DAYS and gc.isenabled():
        # One job, then the process ends: the cyclic collector stays off until then. A job
        # pausing it only while it works (toolkit/bulk.py) is not enough here: what the job
        # allocated is still in the youngest generation when the collector comes back, and
        # the first collections afterwards (the output, the closing line) walk all of it.
        gc.disable()
        ctx.call_on_close(_collector_back)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(name)s: %(message)s", stream=sys.stderr)


# Commands that keep running (their jobs pause the collector only while they work).
_RUNS_FOR_DAYS = frozenset({"schedule", "watch"})

# Set by main(): the process is the `complaints` program and ends with the command.
_PROCESS_ENDS: list[bool] = []


def _collector_back() -> None:
    if _PROCESS_ENDS:
        # Everything the job made moves out of the collector's sight first: turned back on, it
        # would walk all of it once more (a quarter of a second at 100,000 rows), and so would
        # the interpreter's last collection on the way out. In-process callers (the tests)
        # keep a collector that sees everything.
        gc.freeze()
    gc.enable()


def main() -> None:
    _PROCESS_ENDS.append(True)
    hold_until_exit()
    try:
        cli()
    except SystemExit as e:
        if holding():
            _end_now(e.code)
        raise


def _end_now(code: object) -> None:
    """End the process without freeing what the job held (toolkit/bulk.py): the output is
    flushed and the logs closed first. Anything unusual (a message as the exit code, a
    thread still running, output that cannot be flushed) takes the interpreter's own way
    out instead."""
    if not (code is None or isinstance(code, int)) or threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: reported on the usual way out
        return
    logging.shutdown()
    os._exit(code or 0)

