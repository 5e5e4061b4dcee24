"""`schedule`: the morning mail every working day at send_at, the monthly statistics on the
first working day of a month; a send log so nothing goes out twice (docs/mail.md).

All decisions are taken in `Scheduler.tick(now)`, which the `schedule` package calls at
send_at and every few minutes after; tests call it with the moment they want.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import schedule

from toolkit.config import Config
from toolkit.errors import ConfigError, ToolkitError, bilingual
from toolkit.mail.message import build_message
from toolkit.mail.smtp import MailSender, Outgoing
from toolkit.rules.calendar import WorkCalendar
from toolkit.rules.engine import load_rules
from toolkit.sheets.atomic import write_atomic
from toolkit.sheets.reader import read_workbook

log = logging.getLogger("toolkit.schedule")

RETRY_AFTER = timedelta(minutes=30)
KEEP_DAYS = 120  # send-log entries older than this are dropped


@dataclass
class JobRun:
    """What one run of a job did: the messages that went out, and whether anything is left
    that a later run the same day should try again."""

    sent: list[str] = field(default_factory=list)
    complete: bool = True
    message: str = ""


DailyJob = Callable[[datetime, frozenset[str]], JobRun]  # (now, keys sent earlier today)
MonthlyJob = Callable[[datetime, str], JobRun]  # (now, "YYYY-MM" of the month to compile)
StatsRunner = Callable[..., Any]  # toolkit.jobs.stats.run_stats(path, *, as_of, month, out)


class SendLog:
    """A small JSON file beside the config: which day's mail and which month's statistics
    went out. Read at start, written after every change, so a restart never sends twice."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.days: dict[str, dict[str, Any]] = {}
        self.months: dict[str, str] = {}
        if path.is_file():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                self.days = dict(doc.get("days") or {})
                self.months = dict(doc.get("months") or {})
            except (OSError, ValueError, AttributeError) as e:
                # A damaged log must not stop the mail; it costs at most one duplicate.
                log.warning("send log %s unreadable (%s); starting a new one", path, e)

    def sent_on(self, day: date) -> frozenset[str]:
        return frozenset(self.days.get(day.isoformat(), {}).get("sent", []))

    def day_complete(self, day: date) -> bool:
        return bool(self.days.get(day.isoformat(), {}).get("complete"))

    def record_day(self, day: date, sent: list[str], complete: bool, at: datetime,
                   note: str = "") -> None:
        entry = self.days.setdefault(day.isoformat(), {"sent": []})
        entry["sent"] = sorted(set(entry["sent"]) | set(sent))
        entry["complete"] = complete
        entry["at"] = at.isoformat(timespec="seconds")
        if note:
            entry["note"] = note
        self._save(at.date())

    def month_done(self, month: str) -> bool:
        return month in self.months

    def record_month(self, month: str, at: datetime) -> None:
        self.months[month] = at.isoformat(timespec="seconds")
        self._save(at.date())

    def _save(self, today: date) -> None:
        oldest = (today - timedelta(days=KEEP_DAYS)).isoformat()
        self.days = {d: v for d, v in sorted(self.days.items()) if d >= oldest}
        doc = {"days": self.days, "months": dict(sorted(self.months.items()))}
        write_atomic(self.path, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))


def previous_month(day: date) -> str:
    first = day.replace(day=1)
    return f"{(first - timedelta(days=1)):%Y-%m}"


def monthly_window(calendar: WorkCalendar, day: date) -> bool:
    """Whether the previous month's statistics are due on `day`: from the month's first
    working day up to the 5th (or the first working day itself when that comes later, as
    after the National Day week). A scheduler that was not running then catches up inside
    that window; a new one started later in the month does not compile a stale month."""
    first = calendar.next_working_day(day.replace(day=1))
    return first <= day <= max(first, day.replace(day=5))


def workbook_calendar(book: Path) -> WorkCalendar:
    """The deadline calendar of the workbook (its 节假日 and 设置 sheets), read afresh."""
    rules = load_rules(read_workbook(book).data)
    return WorkCalendar(rules.settings.country, rules.holidays)


class Scheduler:
    """The daily loop's decisions, with the clock, the jobs and the calendar injectable."""

    def __init__(
        self,
        config: Config,
        book: Path,
        *,
        daily: DailyJob | None = None,
        monthly: MonthlyJob | None = None,
        clock: Callable[[], datetime] = datetime.now,
        calendar: Callable[[Path], WorkCalendar] = workbook_calendar,
        retry_after: timedelta = RETRY_AFTER,
    ) -> None:
        self.config = config
        self.book = book
        self.daily = daily or morning_job(config, book)
        self.monthly = monthly
        self.clock = clock
        self.calendar = calendar
        self.retry_after = retry_after
        self.log = SendLog(config.send_log)
        self._next_try: dict[str, datetime] = {}
        self._no_monthly_on: date | None = None

    def tick(self, now: datetime | None = None) -> None:
        """Do whatever is due at `now` (default: the clock). Never raises: every failure is
        logged and the job is tried again `retry_after` later the same day."""
        now = now or self.clock()
        try:
            self._tick(now)
        except Exception as e:  # e.g. the send log's folder became unwritable
            self._failed("scheduler", now, e)

    def _tick(self, now: datetime) -> None:
        if now.time() < self.config.mail.send_at:
            return
        day = now.date()
        month = previous_month(day)
        daily_due = not self.log.day_complete(day) and self._may_try("daily", now)
        monthly_due = (self.monthly is not None and self._no_monthly_on != day
                       and not self.log.month_done(month) and self._may_try("monthly", now))
        if not (daily_due or monthly_due):
            return
        try:
            calendar = self.calendar(self.book)
        except Exception as e:
            self._failed("daily", now, e)
            return
        if not calendar.is_working_day(day):
            if daily_due:
                log.info("%s is not a working day: no mail", day)
                self.log.record_day(day, [], True, now, note="not a working day")
            self._no_monthly_on = day
            return
        if daily_due:
            self._run_daily(now)
        if monthly_due:
            if monthly_window(calendar, day):
                self._run_monthly(now, month)
            else:
                self._no_monthly_on = day  # so the workbook is not read again today for it

    def _may_try(self, job: str, now: datetime) -> bool:
        after = self._next_try.get(job)
        return after is None or now >= after or after.date() != now.date()

    def _run_daily(self, now: datetime) -> None:
        day = now.date()
        try:
            run = self.daily(now, self.log.sent_on(day))
        except Exception as e:
            self._failed("daily", now, e)
            return
        self.log.record_day(day, run.sent, run.complete, now)
        if run.complete:
            self._next_try.pop("daily", None)
            log.info("morning mail %s: %s", day, run.message)
        else:
            self._next_try["daily"] = now + self.retry_after
            log.warning("morning mail %s incomplete, trying again after %s: %s",
                        day, self._next_try["daily"].strftime("%H:%M"), run.message)

    def _run_monthly(self, now: datetime, month: str) -> None:
        assert self.monthly is not None
        try:
            run = self.monthly(now, month)
        except Exception as e:
            self._failed("monthly", now, e)
            return
        if run.complete:
            self.log.record_month(month, now)
            self._next_try.pop("monthly", None)
            log.info("monthly statistics %s: %s", month, run.message)
        else:
            self._next_try["monthly"] = now + self.retry_after
            log.warning("monthly statistics %s incomplete: %s", month, run.message)

    def _failed(self, job: str, now: datetime, e: Exception) -> None:
        self._next_try[job] = now + self.retry_after
        when = self._next_try[job].strftime("%H:%M")
        if isinstance(e, ToolkitError):
            log.error("%s job failed, trying again after %s: %s", job, when, e.message)
        else:  # a bug of ours: keep the traceback in the log for the report
            log.error("%s job failed, trying again after %s: %s: %s", job, when,
                      type(e).__name__, e, exc_info=e)

    def run_forever(
        self,
        *,
        poll_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        stop: Callable[[], bool] = lambda: False,
    ) -> None:
        """Tick now (the catch-up), then at send_at every day and every few minutes after it
        (retries), until `stop()` says so (never, from the command line)."""
        timer = schedule.Scheduler()
        timer.every().day.at(self.config.mail.send_at.strftime("%H:%M")).do(self.tick)
        minutes = max(1, int(self.retry_after.total_seconds() // 60) // 3)
        timer.every(minutes).minutes.do(self.tick)
        log.info("scheduler started for %s: mail at %s on working days, log %s",
                 self.book, self.config.mail.send_at.strftime("%H:%M"), self.log.path)
        self.tick()
        while not stop():
            timer.run_pending()
            sleep(poll_seconds)


def morning_job(config: Config, book: Path, *, sender: MailSender | None = None) -> DailyJob:
    """The real daily job: run_overdue on the workbook, skipping what went out earlier."""

    def job(now: datetime, already: frozenset[str]) -> JobRun:
        from toolkit.jobs.overdue import run_overdue

        outcome = run_overdue(book, as_of=now, config=config, sender=sender, skip=already)
        for warning in outcome.warnings:
            log.warning("%s", warning)
        problems = outcome.report.problems() if outcome.report else []
        return JobRun(outcome.sent_keys, not outcome.retry_keys,
                      "; ".join([outcome.closing_line(), *problems]))

    return job


def stats_file(book: Path, month: str) -> Path:
    """The separate statistics file beside the workbook (the workbook may be open in Excel)."""
    return book.with_name(f"{book.stem}_月度统计_{month}.xlsx")


def monthly_job(config: Config, book: Path, stats: StatsRunner, *,
                sender: MailSender | None = None) -> MonthlyJob:
    """Compile the month's statistics into a separate file, then mail it to summary_to."""

    def job(now: datetime, month: str) -> JobRun:
        out = stats_file(book, month)
        stats(book, as_of=now, month=month, out=out)
        to = config.mail.summary_to
        if not to:
            return JobRun([], True, f"{out} written; no [mail] summary_to to mail it to")
        if config.smtp is None:
            raise ConfigError(f"{config.path}: " + bilingual(
                "配置文件缺少 [smtp] 一节，无法发送月度统计", "[smtp] is missing"))
        subject = f"【月度投诉统计】{month}"
        text = (f"{month} 的客户投诉案件统计表见附件 {out.name}。\n"
                f"文件同时保存在 {out}。\n")
        message = build_message(sender=config.smtp.sender, to=to, subject=subject, text=text,
                                html=f"<p>{_html(text)}</p>", attachments=[
                                    (out.name, out.read_bytes())], when=now)
        report = (sender or MailSender(config.smtp)).send(
            [Outgoing("monthly", tuple(to), message)])
        delivery = report.deliveries[0]
        return JobRun(["monthly"] if delivery.sent else [], delivery.sent,
                      "; ".join([str(out), *report.problems()]))

    return job


def _html(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")
