"""New register workbooks, read back with python-calamine, openpyxl and LibreOffice."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as calamine
from helpers import sheet_rows

from toolkit.errors import UsageError
from toolkit.layout import (
    DEFAULT_DEPARTMENTS,
    DEFAULT_SETTINGS,
    RULE_SHEETS,
    SETTING_NAMES,
    SETTING_NOTES,
    settings_value_text,
)
from toolkit.register import (
    COLUMNS,
    DEFAULT_CATEGORIES,
    STAFF_COLUMNS,
    TOOLKIT_COLUMNS,
    HeaderMap,
    Kind,
    RuleSheet,
    column_letter,
)
from toolkit.rules.coerce import to_date_or_none
from toolkit.rules.ruleset import build_ruleset, default_ruleset
from toolkit.sheets.template import DEPARTMENT_LIST, build_register

SHEETS = ["投诉记录", "分派规则", "时限规则", "部门", "节假日", "设置"]
LETTER = {c.key: column_letter(i) for i, c in enumerate(COLUMNS, start=1)}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return build_register(tmp_path / "投诉台账.xlsx")


calamine_rows = sheet_rows


def sheet_xml(path: Path, n: int = 1) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{n}.xml").decode()


def test_sheets_and_staff_headers(book: Path) -> None:
    wb = calamine.CalamineWorkbook.from_path(str(book))
    assert wb.sheet_names == SHEETS
    wb.close()
    rows = calamine_rows(book, "投诉记录")
    # Header only: staff columns, then the toolkit's (check fills those).
    assert rows == [[c.zh for c in STAFF_COLUMNS] + [c.zh for c in TOOLKIT_COLUMNS]]
    headers = HeaderMap.from_row(rows[0])
    assert not headers.missing_required() and not headers.unknown


def test_rule_sheets_read_back_as_the_defaults(book: Path) -> None:
    sheets = {}
    for name in RULE_SHEETS:
        rows = calamine_rows(book, name)
        sheets[name] = RuleSheet(name, [str(h) for h in rows[0]],
                                 [(i, list(r)) for i, r in enumerate(rows[1:], start=2)])
    rules = build_ruleset(sheets, to_date_or_none)
    defaults = default_ruleset()

    # Rules read from a sheet remember their row; the built-in ones have none.
    assert [dataclasses.replace(r, row=None) for r in rules.routing] == list(defaults.routing)
    assert [dataclasses.replace(r, row=None) for r in rules.limits] == list(defaults.limits)
    assert rules.departments == DEFAULT_DEPARTMENTS
    assert rules.holidays == ()
    assert rules.settings == DEFAULT_SETTINGS

    routing = calamine_rows(book, "分派规则")
    assert routing[0][:4] == ["类别", "关键词", "客户类型", "责任部门"]
    assert routing[1][:4] == ["*", "发票、收款、退款、对账", "", "财务部"]
    limits = calamine_rows(book, "时限规则")
    assert limits[0][:5] == ["类别", "级别", "区域", "回复时限", "结案时限"]
    assert limits[1][:5] == ["产品质量", "*", "*", "1d", "2d"]
    assert limits[7][:5] == ["*", "*", "国外", "1d", "18d"]
    departments = calamine_rows(book, "部门")
    assert departments[0] == ["部门名称", "负责人", "邮箱", "接收升级"]
    assert [r[0] for r in departments[1:]] == [d.name for d in DEFAULT_DEPARTMENTS]
    assert departments[-1] == ["总经理办公室", "", "", "是"]
    assert calamine_rows(book, "节假日") == [["日期", "类型", "说明"]]
    settings = calamine_rows(book, "设置")
    assert settings[0] == ["项目", "值", "说明"]
    assert settings[1:] == [[name, settings_value_text(DEFAULT_SETTINGS, attr), SETTING_NOTES[name]]
                            for name, attr in SETTING_NAMES.items()]
    assert settings[2][1] == "16:30"  # text, not a time serial


def test_register_sheet_layout(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb["投诉记录"]
    assert wb.sheetnames == SHEETS
    assert wb.properties.title == "投诉登记台账"
    assert wb.properties.creator == "complaint-toolkit"
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{LETTER['check']}1"
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(1, i)
        fills = ("D9D9D9",) if col.toolkit else ("DDEBF7", "F8CBAD")
        assert cell.font.b and cell.fill.fgColor.rgb.endswith(fills)
        assert cell.alignment.wrap_text and cell.alignment.horizontal == "center"
        assert ws.column_dimensions[column_letter(i)].width == col.width
    # Column styles are what a newly typed cell takes in Excel.
    for col in COLUMNS:
        fmt = ws.column_dimensions[LETTER[col.key]].number_format
        if col.kind is Kind.DATETIME:
            assert fmt == "yyyy-mm-dd hh:mm", col.key
        elif col.kind is Kind.DATE:
            assert fmt == "yyyy-mm-dd", col.key
    assert ws.column_dimensions[LETTER["case_id"]].number_format == "@"
    assert ws.column_dimensions[LETTER["phone"]].number_format == "@"
    for name in SHEETS[1:]:
        assert wb[name].freeze_panes == "A2"
        assert wb[name]["A1"].font.b
    assert wb["节假日"].column_dimensions["A"].number_format == "yyyy-mm-dd"


def test_register_drop_downs(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["投诉记录"]
    by_column: dict[str, Any] = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            first, last = ref.split(":")
            letter = re.sub(r"\d", "", first)
            assert first == f"{letter}2" and int(re.sub(r"\D", "", last)) >= 5000
            by_column[letter] = dv
    for col in STAFF_COLUMNS:
        dv = by_column.get(LETTER[col.key])
        if col.choices:
            assert dv is not None and dv.type == "list", col.key
            assert dv.formula1 == '"' + ",".join(col.choices) + '"'
            assert dv.showErrorMessage
    category = by_column[LETTER["category"]]
    assert category.formula1 == '"' + ",".join(DEFAULT_CATEGORIES) + '"'
    assert category.errorStyle == "warning"  # categories added in 分派规则 may be typed
    for key in ("department", "complained_dept"):
        dv = by_column[LETTER[key]]
        assert dv.type == "list" and dv.formula1 == DEPARTMENT_LIST == "部门!$A$2:$A$200"
        assert dv.showInputMessage and "部门" in dv.prompt and "部门" in dv.error
    assert by_column[LETTER["quantity"]].type == "whole"
    assert by_column[LETTER["compensation"]].type == "decimal"
    free_text = {"receiver", "customer", "description", "resolution", "received_at"}
    assert not free_text & {k for k, v in LETTER.items() if v in by_column}

    holidays = openpyxl.load_workbook(book)["节假日"]
    (dv,) = holidays.data_validations.dataValidation
    assert dv.formula1 == '"放假,上班"' and str(dv.sqref).startswith("B2:")


def test_rows_are_written_in_column_order_with_formats(tmp_path: Path) -> None:
    row = {
        "case_id": "2611-0001", "received_at": datetime(2026, 11, 3, 9, 30),
        "receiver": "王丽", "customer": "杭州顺达汽车销售服务有限公司", "phone": "13800138000",
        "category": "产品质量", "severity": "一般", "description": "前大灯总成进水起雾",
        "quantity": 3, "compensation": 1200.5, "delivered_on": date(2026, 11, 1),
        "appointment_on": datetime(2026, 11, 6), "status": "处理中",
    }
    path = build_register(tmp_path / "r.xlsx", rows=[row, {"customer": "第二行", "status": ""}])
    rows = calamine_rows(path, "投诉记录")
    assert len(rows) == 3
    got = dict(zip((c.key for c in COLUMNS), rows[1], strict=True))
    for key, value in row.items():
        if isinstance(value, datetime) and value.time() == datetime.min.time():
            value = value.date()  # calamine returns a date for a midnight date cell
        assert got[key] == value, key
    assert rows[2][[c.key for c in STAFF_COLUMNS].index("customer")] == "第二行"

    ws = openpyxl.load_workbook(path)["投诉记录"]
    assert ws[f"{LETTER['received_at']}2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws[f"{LETTER['delivered_on']}2"].number_format == "yyyy-mm-dd"
    assert ws[f"{LETTER['appointment_on']}2"].number_format == "yyyy-mm-dd"
    assert ws[f"{LETTER['case_id']}2"].number_format == "@"
    assert ws.auto_filter.ref == f"A1:{LETTER['check']}3"


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    probes = ['=HYPERLINK("http://example.com","点击")', "+86 138 0013 8000", "-5 件短少",
              "@SUM(A1:A2)", "=1+2"]
    rows = [{"description": text, "phone": text} for text in probes]
    path = build_register(tmp_path / "r.xlsx", rows=rows)
    xml = sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    data = calamine_rows(path, "投诉记录")[1:]
    index = [c.key for c in STAFF_COLUMNS].index("description")
    assert [r[index] for r in data] == probes
    ws = openpyxl.load_workbook(path)["投诉记录"]
    for r in range(2, 2 + len(probes)):
        cell = ws[f"{LETTER['description']}{r}"]
        assert cell.data_type == "s" and cell.quotePrefix  # stays text when edited in Excel


def test_init_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"staff data")
    with pytest.raises(UsageError, match="already exists; init never overwrites") as e:
        build_register(path)
    assert e.value.exit_code == 2
    assert path.read_bytes() == b"staff data"
    assert sorted(os.listdir(tmp_path)) == ["台账.xlsx"]


@pytest.mark.parametrize("name", ["台账.xlsm", "台账.xls", "台账.csv", "台账"])
def test_only_xlsx(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match=r"\.xlsx"):
        build_register(tmp_path / name)
    assert not os.listdir(tmp_path)


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder"):
        build_register(tmp_path / "nope" / "台账.xlsx")


def test_no_temporary_file_is_left(tmp_path: Path) -> None:
    build_register(tmp_path / "台账.xlsx", rows=[{"customer": "x"}])
    assert os.listdir(tmp_path) == ["台账.xlsx"]


def test_unknown_row_key_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="due_close"):
        build_register(tmp_path / "r.xlsx", rows=[{"due_close": "x"}])
    assert not os.listdir(tmp_path)


def test_english_headers(tmp_path: Path) -> None:
    path = build_register(tmp_path / "register.xlsx", english=True)
    header = calamine_rows(path, "投诉记录")[0]
    assert header == [c.en for c in COLUMNS]
    headers = HeaderMap.from_row(header)
    assert not headers.missing_required() and not headers.unknown
    settings = {r[0]: r[1] for r in calamine_rows(path, "设置")[1:]}
    assert settings["语言"] == "en"
    ws = openpyxl.load_workbook(path)["投诉记录"]
    errors = [dv.error for dv in ws.data_validations.dataValidation]
    assert errors and all(re.match("[A-Z]", e) for e in errors), errors


@pytest.mark.libreoffice
def test_libreoffice_opens_the_workbook(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    row = {"case_id": "2611-0001", "received_at": datetime(2026, 11, 3, 9, 30),
           "customer": "杭州顺达汽车销售服务有限公司", "description": "=1+2 不是公式",
           "delivered_on": date(2026, 11, 1), "status": "处理中"}
    path = build_register(tmp_path / "book.xlsx", rows=[row])
    out = tmp_path / "out"
    # UTF-8, cells as shown, every sheet to its own file (LibreOffice 7.2+).
    options = "44,34,76,1,,0,false,true,true,false,false,-1"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", f"csv:Text - txt - csv (StarCalc):{options}", "--outdir", str(out),
         str(path)],
        capture_output=True, text=True, timeout=240, check=False)
    files = {p.name: p for p in out.glob("*.csv")} if out.exists() else {}
    assert files, f"LibreOffice wrote nothing: {result.stdout} {result.stderr}"
    register = files.get("book-投诉记录.csv") or files.get("book.csv")
    assert register is not None, sorted(files)
    lines = register.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(c.zh for c in COLUMNS)
    cells = lines[1].split(",")
    assert cells[:2] == ["2611-0001", "2026-11-03 09:30"]
    assert "=1+2 不是公式" in cells and "2026-11-01" in cells
    if "book-设置.csv" in files:
        assert "截止时间,16:30," in files["book-设置.csv"].read_text(encoding="utf-8")
