"""install-shortcut: the Send To batch file's text, and the .desktop entry run for real."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner
from helpers import good_row, make_register, sheet_rows

from toolkit.cli import cli
from toolkit.jobs.shortcut import complaints_command, exec_argv, install


def test_windows_send_to_file_checks_each_workbook(tmp_path: Path) -> None:
    cmd = [r"C:\Users\王丽\AppData\Local\Programs\Python\Python312\Scripts\complaints.exe"]
    path = install(tmp_path, windows=True, command=cmd)
    assert path.name == "投诉校验.cmd"
    text = path.read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # a batch file wants CRLF line ends
    assert lines[0] == "@echo off"
    assert "chcp 65001 >nul" in lines  # the UTF-8 path of a Chinese user name survives
    assert f'"{cmd[0]}" check "%~1"' in lines
    assert lines.index(":next") < lines.index("shift") < lines.index("goto next")
    assert "pause" in lines


def test_desktop_entry_runs_check_on_the_file(tmp_path: Path) -> None:
    path = install(tmp_path / "apps", windows=False)
    entry = path.read_bytes()
    assert b"MimeType=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;" in entry
    book = make_register(tmp_path / "台账 一.xlsx", [good_row()])
    done = subprocess.run(exec_argv(entry, book), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "校验结果" in sheet_rows(book, "投诉记录")[0]


def test_command_names_a_runnable_complaints() -> None:
    command = complaints_command()
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0 and "complaints" in done.stdout


def test_install_shortcut_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["install-shortcut", "--dest", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.iterdir())) == 1
    assert str(tmp_path) in result.output
