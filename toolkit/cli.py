"""The `complaints` command line: parse options, make one library call, map errors to exit codes."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from toolkit import __version__
from toolkit.errors import ToolkitError, UsageError, bilingual
from toolkit.sheets.durable import reason

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


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
              "demo": "生成 building"}

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
            ctx.exit(EXIT_INPUT)

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
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(name)s: %(message)s", stream=sys.stderr)


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


@cli.command()
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
    Exit code 0: no errors; 1: errors found; 2: the workbook could not be used.
    """
    from toolkit.check import check_workbook, closing_line, human_report

    when = parse_as_of(as_of)
    progress = Progress()
    try:
        outcome = check_workbook(book, when, dry_run=dry_run, progress=progress)
    finally:
        progress.done()
    result = outcome.result
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        for line in human_report(outcome):
            click.echo(line)
    click.echo(closing_line(outcome, book), err=as_json)
    click.get_current_context().exit(EXIT_FINDINGS if result.summary()["errors"] else EXIT_OK)


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
    into the workbook. Open the workbook in Excel or LibreOffice afterwards.
    """
    from toolkit.demo import run_demo

    progress = Progress()
    try:
        report = run_demo(directory, parse_as_of(as_of), progress=progress)
    finally:
        progress.done()
    for line in report.lines:
        click.echo(line)
    click.echo(f"演示完成 demo done: open {report.workbook}")


def main() -> None:
    cli()


# ---------------------------------------------------------------------------
# Machine settings: the morning mail, the scheduler, the config file

_CONFIG_HELP = ("The TOML config file (default: $COMPLAINTS_CONFIG, else config.toml in the "
                "user's config folder).")


def _book_from(book: Path | None, config: Any) -> Path:
    """BOOK from the command line, else the config's [workbook] path."""
    if book is not None:
        return book
    if config is not None and config.workbook is not None:
        return Path(config.workbook)
    where = f"{config.path}: " if config is not None else ""
    raise UsageError(where + bilingual(
        "没有指定工作簿：请在命令行给出 BOOK，或在配置文件 [workbook] 中写 path",
        "no workbook: give BOOK or set [workbook] path in the config file"))


@cli.command()
@click.argument("book", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", metavar="T",
              help="Judge deadlines as of T (YYYY-MM-DD or YYYY-MM-DDTHH:MM); default now.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help=_CONFIG_HELP)
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
    in Excel. Exit code 0: all sent; 1: some messages could not be delivered.
    """
    from toolkit.config import load_found_config
    from toolkit.jobs.overdue import run_overdue

    config = load_found_config(config_file)
    if out_dir is not None and not dry_run:
        raise UsageError(bilingual("--out 只和 --dry-run 一起使用", "--out goes with --dry-run"))
    outcome = run_overdue(_book_from(book, config), as_of=parse_as_of(as_of), config=config,
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


@cli.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help=_CONFIG_HELP)
@handle_errors
def schedule(config_file: Path | None) -> None:
    """Run forever: the morning email every working day at [mail] send_at, the previous
    month's statistics on the first working day of a month.

    The same day is never mailed twice (a send log beside the config file); started late
    it catches up once; failures are logged and retried later that day. Log lines go to
    stderr and to a .log file beside the config. Stop it with Ctrl+C.
    """
    from toolkit.config import load_found_config
    from toolkit.jobs.schedule import Scheduler, monthly_job

    config = load_found_config(config_file)
    if config is None:
        raise UsageError(bilingual(
            "schedule 需要配置文件：请用 --config 指定，或设置环境变量 COMPLAINTS_CONFIG",
            "schedule needs a config file: give --config FILE or set COMPLAINTS_CONFIG"))
    book = _book_from(None, config)
    handler = logging.FileHandler(config.path.with_suffix(".log"), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("toolkit").addHandler(handler)
    logging.getLogger("toolkit").setLevel(logging.INFO)
    try:
        from toolkit.jobs.stats import run_stats  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        run_stats = None
    monthly = monthly_job(config, book, run_stats) if run_stats else None
    click.echo(f"调度已启动 scheduler running: {book}, mail at "
               f"{config.mail.send_at:%H:%M} on working days; log {handler.baseFilename}")
    Scheduler(config, book, monthly=monthly).run_forever()


@cli.command("config")
@click.option("--show", is_flag=True, help="Print the settings found and where from (default).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help=_CONFIG_HELP)
@handle_errors
def config_command(show: bool, config_file: Path | None) -> None:
    """Show which config file is used (--config, $COMPLAINTS_CONFIG or the user's config
    folder) and what it says; the password is never shown, only whether one is available."""
    from toolkit.config import describe_config

    for line in describe_config(config_file):
        click.echo(line)
