"""`complaints demo`: build the demo register and run every command that exists on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from toolkit.config import load_config
from toolkit.demo.data import demo_rows
from toolkit.jobs.check import check_workbook
from toolkit.jobs.forms import FORMS_FOLDER, forms_from_result
from toolkit.jobs.overdue import mail_result
from toolkit.jobs.stats import run_stats
from toolkit.layout import DEFAULT_DEPARTMENTS, Department
from toolkit.report.document import encode
from toolkit.report.forms import closing_line as forms_closing_line
from toolkit.report.stats_text import stats_lines
from toolkit.report.terminal import human_report
from toolkit.rules.engine import Progress
from toolkit.sheets.atomic import write_atomic
from toolkit.sheets.template import build_register

DEMO_BOOK = "演示投诉台账.xlsx"
DEMO_CONFIG = "complaints.toml"
DEMO_MAIL = "mail"

# Example addresses for the demo's 部门 sheet; 技术部 is left without one, so the demo shows
# the warning and the summary carrying its cases.
_DEMO_EMAILS = {"质量部": "quality@example.com", "客服部": "service@example.com",
                "销售部": "sales@example.com", "备件部": "parts@example.com",
                "物流部": "logistics@example.com", "财务部": "finance@example.com",
                "总经理办公室": "gm-office@example.com"}
DEMO_DEPARTMENTS = tuple(Department(d.name, d.manager, _DEMO_EMAILS.get(d.name),
                                    d.receives_escalations) for d in DEFAULT_DEPARTMENTS)

_CONFIG_TEXT = """# Example machine settings for the demo (see docs/mail.md).
[smtp]
host = "smtp.example.com"
port = 587
security = "starttls"
user = "complaints@example.com"
password_env = "COMPLAINTS_SMTP_PASSWORD"
from = "投诉管理 <complaints@example.com>"

[mail]
summary_to = ["desk@example.com"]
send_at = "08:30"

[workbook]
path = "{book}"
"""


@dataclass
class DemoReport:
    workbook: Path
    outputs: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def run_demo(directory: Path, as_of: datetime, *, progress: Progress | None = None) -> DemoReport:
    """Build DIRECTORY/演示投诉台账.xlsx from the demo rows and check it as of `as_of`.
    The demo's own workbook is rebuilt on every run; nothing else in DIRECTORY is touched."""
    directory.mkdir(parents=True, exist_ok=True)
    book = directory / DEMO_BOOK
    if progress:
        progress("demo", 0, 1)
    if book.exists():
        book.unlink()
    build_register(book, rows=demo_rows(as_of), departments=DEMO_DEPARTMENTS)
    report = DemoReport(book)

    outcome = check_workbook(book, as_of, progress=progress)
    check_json = directory / "check.json"
    write_atomic(check_json, encode(outcome.result.to_json()))
    report.outputs += [book, check_json]
    report.lines += human_report(outcome, worst=8)

    stats = run_stats(book, as_of=as_of, progress=progress)
    stats_json = directory / "stats.json"
    write_atomic(stats_json, encode(stats.report.to_json()))
    report.outputs.append(stats_json)
    report.lines.append("")
    report.lines += stats_lines(stats.report, book, stats.result.rules.settings.language)
    report.lines.append("")
    report.lines.append(f"register with results, 校验报告 and 月度统计: {book}")
    report.lines.append(f"check result document (JSON):            {check_json}")
    report.lines.append(f"statistics of {stats.report.month} (JSON):           {stats_json}")

    # The approval forms of every case that needs sign-off, from the same check result.
    forms = forms_from_result(outcome.result, out_dir=directory / FORMS_FOLDER,
                              progress=progress)
    report.outputs += [f.path for f in forms.forms]
    report.lines.append(forms_closing_line(forms))

    config_path = directory / DEMO_CONFIG
    config_path.write_text(_CONFIG_TEXT.format(book=DEMO_BOOK), encoding="utf-8")
    mail_dir = directory / DEMO_MAIL
    for old in mail_dir.glob("*.eml"):
        old.unlink()
    mail = mail_result(outcome.result, book, config=load_config(config_path), dry_run=True,
                       out_dir=mail_dir)
    report.outputs += [config_path, *(m.eml for m in mail.mails if m.eml)]
    report.lines.append(f"morning overdue mail, {len(mail.mails)} messages (.eml):  {mail_dir}")
    report.lines += [f"  {w}" for w in mail.warnings]
    return report
