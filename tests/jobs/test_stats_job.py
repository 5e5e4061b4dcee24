"""`complaints stats` end to end: options, refusals, --json, --dry-run, --out, the demo."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import good_row, make_register, sheet_rows

from toolkit.cli import cli
from toolkit.errors import UsageError, WorkbookChangedError
from toolkit.jobs import stats as stats_job
from toolkit.jobs.stats import default_month, run_stats
from toolkit.rules.stats import Month

AS_OF = "2026-11-24T09:00"


def register(path: Path) -> Path:
    rows = [good_row(case_id=f"2610-{i:04d}", received_at=datetime(2026, 10, 3 + i, 10),
                     customer=f"客户{i}", phone=f"1390000{i:04d}") for i in range(1, 6)]
    rows.append(good_row(case_id="2609-0001", received_at=datetime(2026, 9, 14, 10),
                         customer="老客户", phone="13900009999"))
    return make_register(path, rows)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_default_month_is_the_previous_one() -> None:
    assert default_month(datetime(2026, 11, 24, 9)) == Month(2026, 10)
    assert default_month(datetime(2026, 1, 2)) == Month(2025, 12)


def test_json_is_the_library_document_and_the_sheet_is_written(tmp_path: Path) -> None:
    book = register(tmp_path / "r.xlsx")
    code, out, err = invoke("stats", str(book), "--as-of", AS_OF, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["month"] == "2026-10" and doc["figures"]["received"] == 5
    assert doc["previous"]["received"] == 1
    assert "月度统计" in err  # the closing line, on stderr so stdout stays JSON
    again = run_stats(book, as_of=datetime(2026, 11, 24, 9), dry_run=True)
    assert again.report.to_json() == doc
    assert any("受理件数" in str(r[0]) for r in sheet_rows(book, "月度统计") if r)


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    book = register(tmp_path / "r.xlsx")
    before = digest(book)
    code, out, _ = invoke("stats", str(book), "--as-of", AS_OF, "--dry-run")
    assert code == 0
    assert "受理件数" in out and "--dry-run" in out
    assert digest(book) == before and not (tmp_path / ".bak").exists()


def test_out_writes_a_new_workbook_and_leaves_the_register(tmp_path: Path) -> None:
    book = register(tmp_path / "r.xlsx")
    before = digest(book)
    target = tmp_path / "out" / "十月统计.xlsx"
    code, out, err = invoke("stats", str(book), "--as-of", AS_OF, "--month", "2026-10",
                            "--out", str(target))
    assert code == 0, err
    assert digest(book) == before
    rows = sheet_rows(target, "月度统计")
    assert "2026年10月" in str(rows[0][0])
    assert str(target) in out.splitlines()[-1]
    code, _, err = invoke("stats", str(book), "--as-of", AS_OF, "--out", str(book))
    assert code == 2 and "--out" in err
    code, _, err = invoke("stats", str(book), "--as-of", AS_OF, "--out", str(tmp_path / "s.xlsm"))
    assert code == 2 and ".xlsx" in err


def test_month_outside_the_register_says_so_and_gives_zeros(tmp_path: Path) -> None:
    book = register(tmp_path / "r.xlsx")
    code, out, _ = invoke("stats", str(book), "--as-of", AS_OF, "--month", "2025-03",
                          "--dry-run")
    assert code == 0
    assert "2026-09 至 2026-10" in out and "2025-03 不在其中" in out
    doc = run_stats(book, as_of=datetime(2026, 11, 24, 9), month="2025-03",
                    dry_run=True).report.to_json()
    assert doc["figures"]["received"] == 0 and doc["figures"]["on_time_rate"] is None


def test_bad_and_future_months_are_usage_errors(tmp_path: Path) -> None:
    book = register(tmp_path / "r.xlsx")
    before = digest(book)
    for month in ("2026-13", "October"):
        code, _, err = invoke("stats", str(book), "--as-of", AS_OF, "--month", month)
        assert code == 2 and "YYYY-MM" in err, err
    code, _, err = invoke("stats", str(book), "--as-of", AS_OF, "--month", "2026-12")
    assert code == 2 and "2026-12" in err
    assert digest(book) == before
    with pytest.raises(UsageError):
        run_stats(book, as_of=datetime(2026, 11, 24), month="2027-01")


def test_refused_while_open_in_excel(tmp_path: Path) -> None:
    book = register(tmp_path / "r.xlsx")
    before = digest(book)
    (tmp_path / "~$r.xlsx").write_bytes(b"\x05Alice" + b" " * 50)
    code, _, err = invoke("stats", str(book), "--as-of", AS_OF)
    assert code == 2 and "Excel" in err
    assert digest(book) == before
    # Reading still works, and --out does not write the register.
    assert invoke("stats", str(book), "--as-of", AS_OF, "--dry-run")[0] == 0
    assert invoke("stats", str(book), "--as-of", AS_OF, "--out",
                  str(tmp_path / "s.xlsx"))[0] == 0


def test_refused_when_saved_by_someone_else_meanwhile(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    book = register(tmp_path / "r.xlsx")
    real = stats_job.run_check

    def someone_saves(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        with book.open("ab") as f:  # someone saved the file while the figures were computed
            f.write(b"\0")
        return result

    monkeypatch.setattr(stats_job, "run_check", someone_saves)
    with pytest.raises(WorkbookChangedError):
        run_stats(book, as_of=datetime(2026, 11, 24, 9))
    assert not (tmp_path / ".bak").exists()
    assert sheet_rows(book, "投诉记录")  # still the register it was, nothing written


def test_demo_produces_the_statistics_sheet(tmp_path: Path) -> None:
    code, out, err = invoke("demo", str(tmp_path / "demo"), "--as-of", AS_OF)
    assert code == 0, err
    book = tmp_path / "demo" / "演示投诉台账.xlsx"
    rows = sheet_rows(book, "月度统计")
    assert "2026年10月" in str(rows[0][0])
    doc = json.loads((tmp_path / "demo" / "stats.json").read_text(encoding="utf-8"))
    assert doc["month"] == "2026-10" and doc["figures"]["received"] > 0


def test_a_register_without_cases_gives_a_sheet_of_zeros(tmp_path: Path) -> None:
    book = make_register(tmp_path / "empty.xlsx", [])
    code, out, err = invoke("stats", str(book), "--as-of", AS_OF)
    assert code == 0, err
    assert "还没有可统计的投诉" in out
    rows = sheet_rows(book, "月度统计")
    assert any(r and r[0] == "受理件数" and r[1] == 0 for r in rows)
    assert any(r and r[0] == "一次闭环率" and r[1] == "—" for r in rows)


def test_the_sheet_and_the_report_follow_the_settings_language(tmp_path: Path) -> None:
    rows = [good_row(case_id="2610-0001", received_at=datetime(2026, 10, 5, 10))]
    book = make_register(tmp_path / "en.xlsx", rows,
                         extra_sheets={"设置": [["项目", "值"], ["语言", "en"]]})
    code, out, err = invoke("stats", str(book), "--as-of", AS_OF)
    assert code == 0, err
    assert "Received" in out and "written into sheet 月度统计" in out
    rows_back = sheet_rows(book, "月度统计")
    assert str(rows_back[0][0]).startswith("Customer complaint statistics — 2026-10")
    assert any(r and r[0] == "On-time closure rate" for r in rows_back)


def test_corrective_action_figures_from_a_register_with_those_columns(tmp_path: Path) -> None:
    from toolkit.register import BY_KEY
    if "root_cause" not in BY_KEY:
        pytest.skip("the register has no corrective-action columns yet (issue 15)")
    closed = {"status": "已结案", "resolution": "已处理", "follow_up": "满意",
              "substantiated": "是"}
    rows = [
        good_row(case_id="2610-0001", received_at=datetime(2026, 10, 5, 10), customer="甲",
                 phone="13900000001", closed_at=datetime(2026, 10, 6, 10), root_cause="虚焊",
                 corrective_action="加检", action_due=datetime(2026, 10, 20),
                 action_done_on=datetime(2026, 10, 18), **closed),
        good_row(case_id="2610-0002", received_at=datetime(2026, 10, 6, 10), customer="乙",
                 phone="13900000002", closed_at=datetime(2026, 10, 7, 10), root_cause="漏装",
                 corrective_action="换料", action_due=datetime(2026, 10, 25), **closed),
        good_row(case_id="2610-0003", received_at=datetime(2026, 10, 7, 10), customer="丙",
                 phone="13900000003", closed_at=datetime(2026, 10, 8, 10), **closed),
    ]
    book = make_register(tmp_path / "capa.xlsx", rows)
    doc = run_stats(book, as_of=datetime(2026, 11, 24, 9), month="2026-10",
                    dry_run=True).report.to_json()
    figures = doc["figures"]
    assert figures["capa_done"] == 2 and figures["capa_rate"] == 0.6667
    assert figures["actions_overdue_at_end"] == 1  # 2610-0002: due 10-25, never done
    assert doc["previous"]["capa_rate"] is None and doc["previous"]["capa_done"] == 0
