from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from formdocs import form_tables

from toolkit.cli import cli
from toolkit.sheets.reader import read_workbook


def test_demo_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(out), "--as-of", "2026-11-24T09:00"])
    assert result.exit_code == 0, result.output
    book = out / "演示投诉台账.xlsx"
    assert str(book) in result.output.splitlines()[-1]
    doc = json.loads((out / "check.json").read_text(encoding="utf-8"))
    s = doc["summary"]
    assert s["rows"] >= 300
    assert s["errors"] > 0 and s["overdue"] > 0 and s["repeats"] > 0 and s["recontacts"] > 0
    codes = {i["code"] for c in doc["cases"] for i in c["issues"]}
    assert {"bad-phone", "bad-date", "missing", "status-mismatch", "duplicate-id"} <= codes
    # Every case has a number and a department after the write-back.
    data = read_workbook(book).data
    assert all(r.get("case_id") for r in data.rows if r.get("received_at"))
    assert all(r.get("due_close") or r.get("check") or r.get("repeat_of") for r in data.rows)
    assert "校验报告" in data.sheet_names

    # The approval forms: at least every case whose effective level needs sign-off.
    forms = sorted((out / "审批表").glob("*.docx"))
    names = {f.name.split("_")[0] for f in forms}
    major = {c["case_id"] for c in doc["cases"] if c["effective_severity"] in ("强烈", "重大")}
    assert major and major <= names
    assert f"审批表 {len(forms)} 份" in result.output
    first = form_tables(forms[0])[0]
    assert first["投诉编号"] == forms[0].name.split("_")[0]

    # The morning mail as .eml files: one per department with something to report, the
    # summary to the desk address of the example config; the config itself loads.
    from email import policy
    from email.parser import BytesParser

    from toolkit.config import load_config

    emls = sorted((out / "mail").glob("*.eml"))
    assert "2026-11-24_汇总.eml" in [p.name for p in emls] and len(emls) >= 4
    summary = BytesParser(policy=policy.default).parsebytes(
        (out / "mail" / "2026-11-24_汇总.eml").read_bytes())
    assert summary["To"] == "desk@example.com"
    assert f"逾期{s['overdue']}件" in summary["Subject"]
    assert len(list(summary.iter_attachments())) == 1
    assert load_config(out / "complaints.toml").workbook == book.resolve()

    # Running the demo again rebuilds its own workbook rather than failing.
    again = CliRunner().invoke(cli, ["demo", str(out), "--as-of", "2026-11-24T09:00"])
    assert again.exit_code == 0, again.output
    assert f"未变化 {len(forms)}" in again.output  # the forms' cases did not change
