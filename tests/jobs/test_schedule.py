"""The scheduler's decisions, driven by an injected clock (never by sleeping), with the real
morning-mail job sending to a real SMTP server on loopback."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from mailbook import morning_register
from smtpserver import Server, free_port, smtp_server

from toolkit.config import Config, MailConfig, SmtpConfig
from toolkit.jobs.schedule import (
    DailyJob,
    JobRun,
    Scheduler,
    monthly_job,
    morning_job,
    stats_file,
)
from toolkit.mail.attachment import xlsx_bytes
from toolkit.mail.smtp import MailSender

NOV_24 = date(2026, 11, 24)  # a Tuesday


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm))


@pytest.fixture
def server() -> Iterator[Server]:
    with smtp_server() as s:
        yield s


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return morning_register(tmp_path / "台账.xlsx")


def _config(tmp_path: Path, server: Server, book: Path) -> Config:
    return Config(path=tmp_path / "complaints.toml", smtp=server.smtp(),
                  mail=MailConfig(("desk@example.com",), time(8, 30)), workbook=book)


class Counting:
    """The real daily job, counting its runs."""

    def __init__(self, job: DailyJob) -> None:
        self.job = job
        self.runs: list[datetime] = []

    def __call__(self, now: datetime, already: frozenset[str]) -> JobRun:
        self.runs.append(now)
        return self.job(now, already)


def _scheduler(config: Config, book: Path, **kwargs: Any) -> tuple[Scheduler, Counting]:
    assert config.smtp is not None
    daily = Counting(morning_job(config, book, sender=MailSender(config.smtp, backoff=())))
    return Scheduler(config, book, daily=daily, **kwargs), daily


def _subjects(server: Server) -> list[str]:
    return sorted(str(r.message["Subject"]) for r in server.inbox.received)


def test_sends_at_send_at_and_never_twice_across_restarts(tmp_path: Path, server: Server,
                                                          book: Path) -> None:
    config = _config(tmp_path, server, book)
    scheduler, daily = _scheduler(config, book)
    scheduler.tick(at(NOV_24, 8, 29))
    assert server.inbox.received == [] and daily.runs == []
    scheduler.tick(at(NOV_24, 8, 30))
    assert len(server.inbox.received) == 3  # 客服部, 总经理办公室, the summary
    scheduler.tick(at(NOV_24, 9, 0))
    restarted, daily2 = _scheduler(config, book)  # a new process reads the same send log
    restarted.tick(at(NOV_24, 11, 0))
    assert len(server.inbox.received) == 3 and daily2.runs == []
    log = json.loads(config.send_log.read_text(encoding="utf-8"))
    assert log["days"]["2026-11-24"]["complete"] is True
    assert log["days"]["2026-11-24"]["sent"] == ["客服部", "总经理办公室", "汇总"]
    assert config.send_log.parent == config.path.parent


def test_started_late_catches_up_once(tmp_path: Path, server: Server, book: Path) -> None:
    scheduler, daily = _scheduler(_config(tmp_path, server, book), book)
    scheduler.tick(at(NOV_24, 14, 0))  # started in the afternoon: today's mail goes now
    scheduler.tick(at(NOV_24, 14, 10))
    assert daily.runs == [at(NOV_24, 14, 0)] and len(server.inbox.received) == 3
    scheduler.tick(at(date(2026, 11, 25), 7, 0))  # the next morning, before send_at
    assert len(daily.runs) == 1
    scheduler.tick(at(date(2026, 11, 25), 8, 30))
    assert len(daily.runs) == 2 and len(server.inbox.received) == 6


def test_holidays_by_the_deadline_calendar(tmp_path: Path, server: Server) -> None:
    # 11-25 a day off and Saturday 11-28 a working day, by the workbook's 节假日 sheet.
    book = morning_register(tmp_path / "r.xlsx", holidays=[
        [datetime(2026, 11, 25), "放假", "公司活动"], [datetime(2026, 11, 28), "上班", "补班"]])
    scheduler, daily = _scheduler(_config(tmp_path, server, book), book)
    scheduler.tick(at(date(2026, 10, 1), 9))  # National Day
    scheduler.tick(at(date(2026, 11, 25), 9))
    scheduler.tick(at(date(2026, 11, 29), 9))  # an ordinary Sunday
    assert daily.runs == [] and server.inbox.received == []
    scheduler.tick(at(date(2026, 11, 28), 9))  # the make-up Saturday
    assert len(daily.runs) == 1 and len(server.inbox.received) == 3


def test_a_failed_run_is_retried_later_that_day_without_duplicates(
        tmp_path: Path, server: Server, book: Path) -> None:
    scheduler, daily = _scheduler(_config(tmp_path, server, book), book)
    server.inbox.data_answer, server.inbox.data_failures_left = "451 4.3.0 busy", 1
    scheduler.tick(at(NOV_24, 8, 30))  # the first message (客服部) is turned away for now
    assert len(server.inbox.received) == 2
    scheduler.tick(at(NOV_24, 8, 45))  # too soon to try again
    assert len(daily.runs) == 1
    scheduler.tick(at(NOV_24, 9, 0))
    scheduler.tick(at(NOV_24, 9, 30))
    assert len(daily.runs) == 2
    assert [r.rcpt_tos for r in server.inbox.received].count(
        ["service@example.com", "lead@example.com"]) == 1
    assert len(server.inbox.received) == 3


def test_survives_a_missing_workbook_and_a_server_that_is_down(
        tmp_path: Path, server: Server, caplog: pytest.LogCaptureFixture) -> None:
    book = tmp_path / "later.xlsx"
    config = _config(tmp_path, server, book)
    scheduler, daily = _scheduler(config, book)
    with caplog.at_level(logging.WARNING, logger="toolkit"):
        scheduler.tick(at(NOV_24, 8, 30))  # no workbook yet: logged, not raised
    assert "daily job failed, trying again after 09:00" in caplog.text
    assert "Traceback" not in caplog.text
    morning_register(book)
    server_down = Config(path=config.path, mail=config.mail, workbook=book,
                         smtp=SmtpConfig("127.0.0.1", free_port(), "none", sender="a@x.cn"))
    down, _ = _scheduler(server_down, book)
    with caplog.at_level(logging.WARNING, logger="toolkit"):
        down.tick(at(NOV_24, 9, 0))
    assert f"cannot reach the mail server 127.0.0.1:{server_down.smtp.port}" in caplog.text
    scheduler.tick(at(NOV_24, 9, 1))  # the first scheduler's retry, server up
    assert len(server.inbox.received) == 3


def test_reads_while_excel_has_the_workbook_open(tmp_path: Path, server: Server,
                                                 book: Path) -> None:
    (book.parent / f"~${book.name}").write_bytes(b"\x04user" + b"\x00" * 50)
    scheduler, daily = _scheduler(_config(tmp_path, server, book), book)
    scheduler.tick(at(NOV_24, 8, 30))
    assert len(server.inbox.received) == 3


def test_monthly_statistics_on_the_first_working_day(tmp_path: Path, server: Server,
                                                     book: Path) -> None:
    config = _config(tmp_path, server, book)
    calls: list[dict[str, Any]] = []

    def stand_in_stats(path: Path, *, as_of: datetime, month: str, out: Path) -> None:
        calls.append({"path": path, "as_of": as_of, "month": month, "out": out})
        out.write_bytes(xlsx_bytes([("月度统计", ["月份", "受理件数"], [[month, 42]])]))

    assert config.smtp is not None
    monthly = monthly_job(config, book, stand_in_stats,
                          sender=MailSender(config.smtp, backoff=()))
    scheduler, daily = _scheduler(config, book, monthly=monthly)
    scheduler.tick(at(date(2026, 11, 30), 9))  # not the first working day: daily mail only
    assert calls == []
    scheduler.tick(at(date(2026, 12, 1), 8, 30))  # Tue 12-01
    scheduler.tick(at(date(2026, 12, 1), 10, 0))
    assert [(c["month"], c["out"]) for c in calls] == [("2026-11", stats_file(book, "2026-11"))]
    assert calls[0]["out"].parent == book.parent and calls[0]["path"] == book
    stats_mail = [r.message for r in server.inbox.received
                  if r.message["Subject"] == "【月度投诉统计】2026-11"]
    assert len(stats_mail) == 1 and stats_mail[0]["To"] == "desk@example.com"
    (part,) = list(stats_mail[0].iter_attachments())
    ws = openpyxl.load_workbook(io.BytesIO(part.get_content())).active
    assert [c.value for c in ws[2]] == ["2026-11", 42]
    # A restart on 12-02 does not compile November again.
    again, _ = _scheduler(config, book, monthly=monthly)
    again.tick(at(date(2026, 12, 2), 9))
    assert len(calls) == 1


def test_monthly_after_the_national_day_week(tmp_path: Path, server: Server,
                                             book: Path) -> None:
    months: list[str] = []

    def monthly(now: datetime, month: str) -> JobRun:
        months.append(f"{now:%m-%d} {month}")
        return JobRun(["monthly"], True, "ok")

    scheduler, _ = _scheduler(_config(tmp_path, server, book), book, monthly=monthly)
    for day in (1, 7, 8, 9):
        scheduler.tick(at(date(2026, 10, day), 9))
    assert months == ["10-08 2026-09"]


def test_run_forever_ticks_at_once_and_stops(tmp_path: Path, server: Server,
                                             book: Path) -> None:
    config = _config(tmp_path, server, book)
    scheduler, daily = _scheduler(config, book, clock=lambda: at(NOV_24, 9))
    sleeps: list[float] = []
    scheduler.run_forever(sleep=sleeps.append, stop=lambda: len(sleeps) >= 2)
    assert daily.runs == [at(NOV_24, 9)] and sleeps == [30.0, 30.0]
    assert len(server.inbox.received) == 3


def test_an_unwritable_send_log_does_not_stop_the_loop(tmp_path: Path, server: Server,
                                                       book: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config's folder should be")
    config = _config(tmp_path, server, book)
    config = Config(path=blocker / "complaints.toml", smtp=config.smtp, mail=config.mail,
                    workbook=book)
    scheduler, daily = _scheduler(config, book)
    with caplog.at_level(logging.ERROR, logger="toolkit"):
        scheduler.tick(at(NOV_24, 8, 30))  # mail goes, the log cannot be written: logged
    assert len(server.inbox.received) == 3
    assert "scheduler job failed" in caplog.text
    scheduler.tick(at(NOV_24, 9, 30))  # the process still knows what it sent today
    assert len(server.inbox.received) == 3 and len(daily.runs) == 1


def test_cli_schedule_needs_a_config_with_a_workbook(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from toolkit.cli import cli

    monkeypatch.delenv("COMPLAINTS_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "none"))
    result = CliRunner().invoke(cli, ["schedule"])
    assert result.exit_code == 2 and "schedule needs a config file" in result.output
    config = tmp_path / "c.toml"
    config.write_text('[mail]\nsend_at = "08:30"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["schedule", "--config", str(config)])
    assert result.exit_code == 2
    assert str(config) in result.output and "[workbook] path" in result.output


def test_monthly_with_the_real_statistics_job(tmp_path: Path, server: Server,
                                              book: Path) -> None:
    from helpers import sheet_rows

    from toolkit.jobs.stats import run_stats

    config = _config(tmp_path, server, book)
    assert config.smtp is not None
    before = book.read_bytes()
    monthly = monthly_job(config, book, run_stats, sender=MailSender(config.smtp, backoff=()))
    scheduler, _ = _scheduler(config, book, monthly=monthly)
    scheduler.tick(at(date(2026, 12, 1), 8, 30))
    out = stats_file(book, "2026-11")
    assert out.is_file() and book.read_bytes() == before  # beside the workbook, not into it
    rows = sheet_rows(out, "月度统计")
    assert any("2026-11" in str(cell) for row in rows for cell in row)
    (stats_mail,) = [r.message for r in server.inbox.received
                     if r.message["Subject"] == "【月度投诉统计】2026-11"]
    (part,) = list(stats_mail.iter_attachments())
    assert part.get_filename() == out.name and part.get_content() == out.read_bytes()
