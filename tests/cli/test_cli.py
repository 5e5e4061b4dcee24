from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner
from helpers import good_row, make_register

from toolkit.cli import cli
from toolkit.jobs.check import check_workbook

AS_OF = "2026-11-24T09:00"
README = Path(__file__).resolve().parents[2] / "README.md"


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def command_names() -> list[str]:
    assert isinstance(cli, click.Group)
    return sorted(cli.commands)


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    assert run("--help").exit_code == 0
    for name in command_names():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert len(result.output.splitlines()) > 3, name
        assert f"complaints {name}" in readme, name


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and re.search(r"\d+\.\d+\.\d+", result.output)


def test_check_json_equals_the_library_result(tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row(), good_row(case_id="", phone="123")])
    before = digest(book)
    result = run("check", str(book), "--as-of", AS_OF, "--dry-run", "--json")
    assert result.exit_code == 1, result.output  # the bad phone is an error
    doc = json.loads(result.stdout)
    library = check_workbook(book, datetime(2026, 11, 24, 9), dry_run=True).result.to_json()
    assert doc == library
    assert digest(book) == before  # --dry-run leaves the file byte-identical
    assert set(doc) == {"workbook", "as_of", "summary", "cases", "issues"}
    assert doc["as_of"] == "2026-11-24T09:00:00"
    assert result.stderr.strip().endswith("未写入任何内容")  # the closing line, not in the JSON


def test_check_writes_back_and_second_run_changes_nothing(tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row(case_id=None, category="产品质量",
                                                        description="车门异响，要求更换",
                                                        product="X5", batch="B1",
                                                        evidence="IMG_1.jpg")],
                         keys=[*good_row(), "product", "batch", "evidence", "department"])
    first = run("check", str(book), "--as-of", AS_OF)
    assert first.exit_code == 0, first.output
    assert f"已写回 {book}" in first.output
    wb = openpyxl.load_workbook(book, read_only=True)
    rows = list(wb["投诉记录"].iter_rows(values_only=True))
    header = list(rows[0])
    row = dict(zip(header, rows[1], strict=False))
    assert row["投诉编号"] == "2611-0001"
    assert row["责任部门"] == "质量部"
    assert row["回复时限"] == datetime(2026, 11, 4, 16, 30)
    assert row["结案时限"] == datetime(2026, 11, 5, 16, 30)
    assert "结案逾期" in row["逾期标记"]
    assert "校验报告" in wb.sheetnames
    wb.close()
    written = digest(book)
    second = run("check", str(book), "--as-of", AS_OF)
    assert second.exit_code == 0
    assert "已是最新结果" in second.output
    assert digest(book) == written
    assert list((tmp_path / ".bak").iterdir())


@pytest.mark.parametrize("content", [b"", b"garbage", b"PK\x03\x04broken"])
def test_bad_input_exit_2_one_line_no_traceback(tmp_path: Path, content: bytes) -> None:
    book = tmp_path / "bad.xlsx"
    book.write_bytes(content)
    result = run("check", str(book))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(book) in result.stderr
    assert book.read_bytes() == content


def test_bad_as_of_is_a_usage_error(tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row()])
    result = run("check", str(book), "--as-of", "yesterday")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr


def test_refuses_to_write_while_open_in_excel(tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row(case_id=None)])
    (tmp_path / "~$r.xlsx").write_bytes(b"\x05alice")
    before = digest(book)
    result = run("check", str(book), "--as-of", AS_OF)
    assert result.exit_code == 2 and "Excel" in result.stderr
    assert digest(book) == before
    assert run("check", str(book), "--as-of", AS_OF, "--dry-run").exit_code == 0


def test_init_creates_and_refuses_to_overwrite(tmp_path: Path) -> None:
    book = tmp_path / "new.xlsx"
    assert run("init", str(book)).exit_code == 0
    assert book.exists()
    again = run("init", str(book))
    assert again.exit_code == 2 and "already exists" in again.stderr
    checked = run("check", str(book), "--dry-run", "--as-of", AS_OF)
    assert checked.exit_code == 0, checked.output


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_check_refuses_a_read_only_workbook_up_front_and_reads_it_with_dry_run(
        tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row()])
    book.chmod(0o444)
    before = digest(book)
    result = run("check", str(book), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"错误 error: {book}: 文件是只读的，未写入：如需写入，请先取消只读属性"
        "（Windows：右键 > 属性；Linux/macOS：chmod u+w）后再运行 / the workbook is read-only; "
        "nothing was written "
        "(make it writable first)"]
    assert digest(book) == before and not (tmp_path / ".bak").exists()
    assert run("check", str(book), "--as-of", AS_OF, "--dry-run").exit_code == 0


def test_an_os_error_the_library_did_not_word_is_one_line_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.jobs.reading

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x"))

    monkeypatch.setattr(toolkit.jobs.reading, "read_workbook", broken)
    result = run("check", str(tmp_path / "r.xlsx"), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"错误 error: {tmp_path / 'x'}: 读写文件失败：磁盘空间不足 / a file operation failed: "
        "the disk is full"]


def test_an_internal_error_exits_70_and_asks_for_verbose_and_a_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.jobs.check

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug of ours")

    monkeypatch.setattr(toolkit.jobs.check, "check_workbook", broken)
    book = make_register(tmp_path / "r.xlsx", [good_row()])
    result = run("check", str(book), "--dry-run")
    assert result.exit_code == 70
    assert "--verbose" in result.stderr and "report" in result.stderr
    assert "Traceback" not in result.stderr
    verbose = run("--verbose", "check", str(book), "--dry-run")
    assert verbose.exit_code == 70 and "Traceback" in verbose.stderr


def test_a_one_job_command_runs_with_the_collector_off_and_gives_it_back() -> None:
    import gc

    seen: dict[str, bool] = {}
    for name in ("probe-once", "watch"):  # watch runs for days: its collector stays on
        real = cli.commands.get(name)

        @cli.command(name)
        def probe() -> None:
            seen[click.get_current_context().info_name or ""] = gc.isenabled()

        try:
            assert CliRunner().invoke(cli, [name]).exit_code == 0
        finally:
            if real is None:
                del cli.commands[name]
            else:
                cli.commands[name] = real
    assert seen == {"probe-once": False, "watch": True}
    assert gc.isenabled()


def test_the_program_keeps_what_the_job_made_from_the_collector_on_its_way_out() -> None:
    # As `complaints`, the process ends with the command: what the job made is frozen, not
    # walked by the collector once more; the collector itself is back on.
    script = textwrap.dedent("""
        import atexit, gc, sys
        from toolkit.cli.app import cli, main
        made = []
        @cli.command("probe-once")
        def probe():
            made.extend([[i]] for i in range(5000))
        atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() >= 5000))
        sys.argv = ["complaints", "probe-once"]
        main()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.split() == ["True", "True"]


_HOLDING_PROBE = """
    import logging, sys, threading, time
    import click
    from toolkit.bulk import hold
    from toolkit.cli.app import cli, main

    class Record:
        def __del__(self):
            sys.__stdout__.write("freed\\n")

    @cli.command("probe-once")
    @click.option("--thread", is_flag=True)
    def probe(thread):
        hold([Record()])
        if thread:  # still running when the command returns: the process waits for it
            threading.Thread(target=lambda: (time.sleep(0.3), print("joined"))).start()
        for i in range(20000):  # more than one buffer's worth: all of it must come out
            click.echo(f"line {i}")
        logging.getLogger("toolkit.probe").warning("a log line")
        click.get_current_context().exit(1)

    sys.argv = ["complaints", "probe-once", *sys.argv[1:]]
    main()
"""


def test_the_program_ends_without_freeing_what_the_job_held_and_loses_no_output() -> None:
    script = textwrap.dedent(_HOLDING_PROBE)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    lines = done.stdout.splitlines()
    assert done.returncode == 1
    assert lines[0] == "line 0" and lines[-1] == "line 19999" and len(lines) == 20000
    assert "freed" not in lines  # the held record was never freed one by one
    assert "a log line" in done.stderr


def test_the_program_takes_the_usual_way_out_while_a_thread_still_runs() -> None:
    script = textwrap.dedent(_HOLDING_PROBE)
    done = subprocess.run([sys.executable, "-c", script, "--thread"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "joined" in done.stdout.splitlines()
    assert len([x for x in done.stdout.splitlines() if x.startswith("line ")]) == 20000


def test_in_process_callers_keep_nothing_held(tmp_path: Path) -> None:
    from toolkit import bulk

    book = tmp_path / "b.xlsx"
    make_register(book, [good_row()])
    assert run("check", str(book), "--as-of", AS_OF, "--dry-run", "--json").exit_code == 0
    assert not bulk.holding()
