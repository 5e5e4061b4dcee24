"""`overdue`: read the register, select each department's morning list, mail it (docs/mail.md).

The workbook is only read, so this works while staff have it open in Excel.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from toolkit.bulk import collector_paused
from toolkit.config import Config
from toolkit.errors import ConfigError, UsageError, bilingual
from toolkit.jobs.reading import read_workbook_preloading
from toolkit.mail.attachment import xlsx_bytes
from toolkit.mail.message import build_message, split_addresses
from toolkit.mail.smtp import MailSender, Outgoing, SendReport
from toolkit.report.mail_body import (
    MailBody,
    action_values,
    case_values,
    headers,
    mail_body,
)
from toolkit.rules.calendar import WorkCalendar
from toolkit.rules.engine import CheckResult, run_check
from toolkit.rules.overdue import DepartmentList, OverdueSelection, select_overdue
from toolkit.sheets.atomic import write_atomic

log = logging.getLogger("toolkit.overdue")

SUMMARY = "汇总"  # the key of the summary message (no department has this name)
DEFAULT_SENDER = "投诉管理 <complaints@localhost>"


@dataclass
class PlannedMail:
    key: str  # department name, or SUMMARY
    recipients: tuple[str, ...]
    body: MailBody
    attachment: str  # file name of the .xlsx attachment
    message: EmailMessage
    eml: Path | None = None  # where --dry-run wrote it


@dataclass
class OverdueOutcome:
    workbook: Path
    as_of: datetime
    selection: OverdueSelection
    mails: list[PlannedMail]
    warnings: list[str] = field(default_factory=list)
    report: SendReport | None = None  # None for a dry run
    skipped: list[str] = field(default_factory=list)  # keys sent earlier the same day
    lang: str = "zh"
    holiday: bool = False  # not a working day: nothing was built (working_days_only)

    @property
    def ok(self) -> bool:
        return self.report is None or self.report.ok

    @property
    def sent_keys(self) -> list[str]:
        if self.report is None:
            return []
        return [d.key for d in self.report.deliveries if d.sent]

    @property
    def retry_keys(self) -> list[str]:
        """Messages nobody received for a reason that may pass (server down, 4xx): a later
        run the same day tries them again. A permanent refusal is reported, not repeated."""
        if self.report is None:
            return []
        return [d.key for d in self.report.deliveries if not d.sent and d.temporary]

    def closing_line(self) -> str:
        n = len(self.mails)
        if self.report is None:
            folder = self.mails[0].eml.parent if self.mails and self.mails[0].eml else "-"
            return bilingual(f"--dry-run：{n} 封邮件已写成 .eml 文件，保存在 {folder}，未发送",
                             f"--dry-run: {n} messages written as .eml files to {folder}, "
                             "nothing sent")
        if self.holiday:
            return bilingual(f"{self.as_of:%Y-%m-%d} 不是工作日，未发送邮件",
                             f"{self.as_of:%Y-%m-%d} is not a working day: no mail sent")
        if n == 0 and not self.skipped:
            return bilingual(f"没有需要提醒的投诉，未发送邮件（{self.workbook.name}，截至 "
                             f"{self.as_of:%Y-%m-%d %H:%M}）",
                             f"nothing overdue or due in {self.workbook.name}: no mail sent")
        sent = len(self.sent_keys)
        return bilingual(
            f"已发送 {sent}/{n} 封逾期提醒邮件（{self.workbook.name}，截至 "
            f"{self.as_of:%Y-%m-%d %H:%M}）",
            f"sent {sent} of {n} overdue messages for {self.workbook.name}")


def run_overdue(
    path: Path | str,
    *,
    as_of: datetime,
    config: Config | None,
    dry_run: bool = False,
    out_dir: Path | str | None = None,
    sender: MailSender | None = None,
    skip: Collection[str] = (),
    working_days_only: bool = False,
) -> OverdueOutcome:
    """Build the morning messages from the workbook at `path` as of `as_of` and send them
    (or, with dry_run, write one .eml per message into out_dir). `skip` names messages
    already sent today (the scheduler's send log); they are neither built nor sent.
    `working_days_only`: on a day that is not a working day by the workbook's calendar,
    nothing is built or sent (for a cron job that fires every weekday)."""
    path = Path(path)
    if dry_run and out_dir is None:
        raise UsageError(bilingual("--dry-run 需要同时给出 --out 文件夹，用来保存 .eml 文件",
                                   "--dry-run needs --out DIR for the .eml files"))
    if not dry_run:
        _require_smtp(config)
    with collector_paused():  # millions of acyclic records: see toolkit/bulk.py
        result = run_check(read_workbook_preloading(path).data, as_of, workbook_name=path.name)
    if working_days_only:
        rules = result.rules
        if not WorkCalendar(rules.settings.country, rules.holidays).is_working_day(as_of.date()):
            empty = OverdueSelection(as_of, [], DepartmentList(""))
            return OverdueOutcome(path, as_of, empty, [], report=SendReport([], 0),
                                  lang=rules.settings.language, holiday=True)
    return mail_result(result, path, config=config, dry_run=dry_run, out_dir=out_dir,
                       sender=sender, skip=skip)


def mail_result(
    result: CheckResult,
    path: Path,
    *,
    config: Config | None,
    dry_run: bool = False,
    out_dir: Path | str | None = None,
    sender: MailSender | None = None,
    skip: Collection[str] = (),
) -> OverdueOutcome:
    """The messages for a CheckResult the caller already has, built and sent (or written)."""
    as_of = result.as_of
    selection = select_overdue(result)
    lang = result.rules.settings.language
    outcome = OverdueOutcome(path, as_of, selection, [], lang=lang)
    from_ = config.smtp.sender if config and config.smtp else DEFAULT_SENDER

    without_email: list[str] = []
    for d in selection.departments:
        dept = result.rules.department(d.department)
        valid, bad = split_addresses(dept.email if dept else None)
        for piece in bad:
            outcome.warnings.append(bilingual(
                f"部门「{d.department}」的邮箱「{piece}」不是有效地址，已跳过",
                f"department {d.department}: {piece!r} is not an email address; skipped"))
        if not valid:
            without_email.append(d.department)
            outcome.warnings.append(bilingual(
                f"部门「{d.department}」在「部门」表中没有邮箱："
                f"它的 {_count(d)} 件只出现在汇总邮件中",
                f"department {d.department} has no email address on the 部门 sheet: its "
                f"{_count(d)} cases are only in the summary"))
            continue
        if d.department in skip:
            outcome.skipped.append(d.department)
            continue
        outcome.mails.append(_planned(d.department, tuple(valid), d, as_of, lang, from_))

    summary_to = config.mail.summary_to if config else ()
    if selection.summary and SUMMARY in skip:
        outcome.skipped.append(SUMMARY)
    elif selection.summary and summary_to:
        outcome.mails.append(_planned(SUMMARY, tuple(summary_to), selection.summary, as_of, lang,
                                      from_, summary=True, without_email=tuple(without_email)))
    elif selection.summary:
        where = config.path if config else "--config"
        outcome.warnings.append(bilingual(
            f"{where}：没有设置 [mail] summary_to，汇总邮件未生成",
            f"{where}: [mail] summary_to is empty, so no summary message was made"))

    if dry_run:
        folder = Path(out_dir or ".")
        for mail in outcome.mails:
            mail.eml = write_atomic(folder / eml_name(as_of, mail.key), mail.message.as_bytes())
        return outcome
    if outcome.mails:
        assert config and config.smtp
        sender = sender or MailSender(config.smtp)
        outcome.report = sender.send(
            [Outgoing(m.key, m.recipients, m.message) for m in outcome.mails])
    else:
        outcome.report = SendReport([], 0)
    return outcome


def _count(d: DepartmentList) -> int:
    return len(d.cases) + len(d.actions)


def _require_smtp(config: Config | None) -> None:
    if config is None:
        raise ConfigError(bilingual(
            "发送邮件需要配置文件：请用 --config 指定，或设置环境变量 COMPLAINTS_CONFIG"
            "（只想生成 .eml 文件请用 --dry-run --out 文件夹）",
            "sending needs a config file: give --config FILE or set COMPLAINTS_CONFIG "
            "(or use --dry-run --out DIR)"))
    if config.smtp is None:
        raise ConfigError(f"{config.path}: " + bilingual(
            "配置文件缺少 [smtp] 一节（host、from 等），无法发送邮件",
            "[smtp] is missing (host, from, ...), so nothing can be sent"))


def _planned(key: str, to: tuple[str, ...], d: DepartmentList, as_of: datetime, lang: str,
             sender: str, *, summary: bool = False, without_email: tuple[str, ...] = ()
             ) -> PlannedMail:
    name = attachment_name(as_of, key, lang)
    body = mail_body(d, as_of, lang, summary=summary, attachment=name,
                     without_email=without_email)
    sheets = [("投诉" if lang != "en" else "Complaints", headers(lang, "case_headers", summary),
               [case_values(c, lang, summary=summary) for c in d.cases])]
    if d.actions:
        sheets.append(("整改逾期" if lang != "en" else "Actions overdue",
                       headers(lang, "action_headers", summary),
                       [action_values(a, lang, summary=summary) for a in d.actions]))
    data = xlsx_bytes(sheets)
    message = build_message(sender=sender, to=to, subject=body.subject, text=body.text,
                            html=body.html, attachments=[(name, data)], when=as_of)
    return PlannedMail(key, to, body, name, message)


def _safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", text).strip(" .") or "_"


def attachment_name(as_of: datetime, key: str, lang: str = "zh") -> str:
    word = "逾期投诉" if lang != "en" else "overdue"
    return f"{word}_{_safe(key)}_{as_of:%Y-%m-%d}.xlsx"


def eml_name(as_of: datetime, key: str) -> str:
    return f"{as_of:%Y-%m-%d}_{_safe(key)}.eml"
