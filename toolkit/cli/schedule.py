"""`complaints schedule`: the daily loop of the morning email and the monthly statistics."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from toolkit.cli.app import cli, handle_errors
from toolkit.cli.config import CONFIG_HELP, book_from
from toolkit.errors import UsageError, bilingual


@cli.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help=CONFIG_HELP)
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
    book = book_from(None, config)
    handler = logging.FileHandler(config.path.with_suffix(".log"), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("toolkit").addHandler(handler)
    logging.getLogger("toolkit").setLevel(logging.INFO)
    from toolkit.jobs.stats import run_stats

    monthly = monthly_job(config, book, run_stats)
    click.echo(f"调度已启动 scheduler running: {book}, mail at "
               f"{config.mail.send_at:%H:%M} on working days; log {handler.baseFilename}")
    Scheduler(config, book, monthly=monthly).run_forever()
