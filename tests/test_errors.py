"""Fatal errors are bilingual: "<中文，说清楚怎么办> / <English>", on one line.

They are raised before the workbook's 设置 language is known (often the file cannot even be
read), so the Chinese comes first for the complaint desk and the English follows unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import good_row, make_register

from toolkit.cli import cli
from toolkit.config import load_config
from toolkit.errors import (
    ConfigError,
    RuleError,
    ToolkitError,
    WorkbookError,
    WorkbookLockedError,
    bilingual,
)
from toolkit.register import RuleSheet
from toolkit.rules.coerce import to_date_or_none
from toolkit.rules.ruleset import build_ruleset
from toolkit.sheets.lock import ensure_writable
from toolkit.sheets.reader import read_workbook

_HAN = re.compile(r"[\u4e00-\u9fff]")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary formats (.xls) start so


def assert_chinese_then_english(error: ToolkitError, prefix: str, english: str) -> str:
    """The message is `prefix` (the location), then Chinese saying what to do, then " / " and
    the English containing `english`. Returns the Chinese part."""
    message = str(error)
    assert "\n" not in message
    assert message.startswith(prefix), message
    chinese, separator, rest = message[len(prefix):].partition(" / ")
    assert separator, f"no ' / ' between the languages: {message}"
    assert _HAN.match(chinese), f"the message does not start in Chinese: {message}"
    assert "请" in chinese, f"the Chinese does not say what to do: {chinese}"
    assert english not in chinese and english in rest, message
    return chinese


def test_bilingual_puts_chinese_first() -> None:
    assert bilingual("文件是空的", "the file is empty") == "文件是空的 / the file is empty"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"")
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    zh = assert_chinese_then_english(caught.value, f"{path}: ", "the file is empty (0 bytes)")
    assert "空" in zh


@pytest.mark.parametrize("content", [b"just text", _OLE + b"\0" * 600])
def test_xls_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "台账.xls"
    path.write_bytes(content)
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    zh = assert_chinese_then_english(caught.value, f"{path}: ", "this is an old-format .xls")
    assert ".xls" in zh and ".xlsx" in zh


def test_missing_required_header(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row()],
                         keys=["case_id", "received_at", "customer"])
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    zh = assert_chinese_then_english(caught.value, f"{path}: 投诉记录: ",
                                     "missing required column(s) in row 1: ")
    assert zh.startswith("第 1 行缺少必填列") and "受理人" in zh and "联系电话" in zh


def test_locked_workbook(tmp_path: Path) -> None:
    path = make_register(tmp_path / "r.xlsx", [good_row()])
    (tmp_path / "~$r.xlsx").write_bytes(b"\x05alice")
    with pytest.raises(WorkbookLockedError) as caught:
        ensure_writable(path, None)
    zh = assert_chinese_then_english(caught.value, f"{path}: ",
                                     "the workbook is open in Excel (~$r.xlsx exists beside it); "
                                     "close it in Excel and run again")
    assert "Excel" in zh and "关闭" in zh and "~$r.xlsx" in zh


def test_bad_time_limit_in_rule_sheet() -> None:
    sheet = RuleSheet("时限规则", ["类别", "级别", "区域", "回复时限", "结案时限"],
                      [(2, ["*", "*", "*", "1d", "两天"])])
    with pytest.raises(RuleError) as caught:
        build_ruleset({"时限规则": sheet}, to_date_or_none)
    zh = assert_chinese_then_english(caught.value, "时限规则: row 2: ",
                                     "结案时限: '两天' is not a time limit")
    assert zh.startswith("结案时限「两天」") and "5wd" in zh
    # The job that read the file adds its name.
    located = caught.value.in_workbook("book.xlsx")
    assert isinstance(located, WorkbookError)
    assert str(located) == "book.xlsx: " + str(caught.value)


def test_bad_toml_config(tmp_path: Path) -> None:
    path = tmp_path / "toolkit.toml"
    path.write_text("[smtp\nhost=1", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    zh = assert_chinese_then_english(caught.value, f"{path}: ", "not valid TOML (")
    assert "配置文件" in zh and "TOML" in zh


def test_cli_prints_one_bilingual_line_for_a_garbage_workbook(tmp_path: Path) -> None:
    book = tmp_path / "台账.xlsx"
    book.write_bytes(b"this is not a workbook")
    result = CliRunner().invoke(cli, ["check", str(book)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("错误 error: ")
    assert line.index("已损坏") < line.index(" / ") < line.index("damaged or not an Excel")
    assert _HAN.search(line[len("错误 error: "):].replace(str(book), ""))
    assert "Traceback" not in result.output
