"""New register workbooks: 投诉记录 with its drop-downs, and the rule sheets with the defaults."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

# openpyxl may build brand-new files only; it loses parts of a workbook staff have saved
# in Excel (docs/design.md), so nothing here ever opens an existing file.
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from toolkit.errors import UsageError, bilingual
from toolkit.layout import (
    DEFAULT_DEPARTMENTS,
    DEFAULT_LIMITS,
    DEFAULT_ROUTING,
    DEFAULT_SETTINGS,
    DEPARTMENTS_SHEET,
    HOLIDAYS_SHEET,
    LIMITS_SHEET,
    REGISTER_SHEET,
    ROUTING_SHEET,
    SETTING_NAMES,
    SETTING_NOTES,
    SETTINGS_SHEET,
    Department,
    Settings,
    rule_headers,
    settings_value_text,
)
from toolkit.register import (
    COLUMNS,
    CUSTOMER_TYPES,
    DEFAULT_CATEGORIES,
    REGIONS,
    SEVERITIES,
    STAFF_COLUMNS,
    Column,
    Kind,
    column_letter,
)
from toolkit.sheets.durable import fsync_dir, fsync_file, io_error, remove_stale_temps, temp_name

TITLE = "投诉登记台账"
CREATOR = "complaint-toolkit"

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
MONEY_FORMAT = "#,##0.00"
# Drop-downs and checks cover whole columns below the header, as Excel does when a user
# selects a column: a register that outgrows a fixed row count would silently lose them.
LAST_ROW = 1_048_576
# The 部门 sheet's names feed the department drop-downs; the range leaves room for the
# departments a team adds without anyone editing the validation.
DEPARTMENT_ROWS = 200
DEPARTMENT_LIST = f"{DEPARTMENTS_SHEET}!$A$2:$A${DEPARTMENT_ROWS}"

ROUTING_HEADERS = rule_headers(ROUTING_SHEET)
LIMITS_HEADERS = rule_headers(LIMITS_SHEET)
DEPARTMENTS_HEADERS = rule_headers(DEPARTMENTS_SHEET)
HOLIDAYS_HEADERS = rule_headers(HOLIDAYS_SHEET)
SETTINGS_HEADERS = rule_headers(SETTINGS_SHEET)

# Identifiers typed into a General cell get mangled by Excel: 2611-0001 can turn into a
# date and a mobile number into 1.38E+10. Text format keeps what was typed. Free-text
# columns stay General: a Text-formatted cell over 255 characters shows as ####.
_TEXT_KEYS = frozenset({"case_id", "phone", "batch", "order_no"})
_DEPARTMENT_KEYS = frozenset({"department", "complained_dept"})

_HEADER_FONT = Font(name="Calibri", size=11, bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOOLKIT_FILL = PatternFill("solid", fgColor="D9D9D9")
# Required columns stand out so a new team member sees what a row cannot do without.
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_THIN = Side(style="thin", color="8EA9DB")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMULA_START = ("=", "+", "-", "@")

_TEXTS: dict[str, dict[str, str]] = {
    "list-title": {"zh": "请从下拉列表选择", "en": "Choose from the list"},
    "list-error": {"zh": "只能填写下拉列表中的值：{values}",
                   "en": "Only a value from the list is allowed: {values}"},
    "category-prompt": {"zh": "从下拉列表选择投诉类别；"
                              "质量经理在「分派规则」表新增的类别也可直接输入",
                        "en": "Choose a category; a category the quality manager added to the "
                              "分派规则 sheet may be typed in"},
    "category-error": {"zh": "不是默认的投诉类别。若是「分派规则」表中新增的类别，请点「是」保留",
                       "en": "Not one of the default categories. If it is a category added to "
                             "the 分派规则 sheet, click Yes to keep it"},
    "dept-prompt": {"zh": "从「部门」表的部门名称中选择；新部门请先加到「部门」表",
                    "en": "Choose a department from the 部门 sheet; add a new one there first"},
    "dept-error": {"zh": "部门不在「部门」表中。请从下拉列表选择，或先在「部门」表新增该部门",
                   "en": "This department is not on the 部门 sheet. Choose one from the list "
                         "or add it to the 部门 sheet first"},
    "responsible-prompt": {"zh": "留空时由校验按规则自动分派；填写则按人工指定",
                           "en": "Leave blank to have 校验 assign it by the rules; "
                                 "a value typed here is kept"},
    "quantity-error": {"zh": "数量必须是大于等于 0 的整数",
                       "en": "Quantity must be a whole number ≥ 0"},
    "money-error": {"zh": "赔偿金额必须是大于等于 0 的数字",
                    "en": "Compensation must be a number ≥ 0"},
    "number-title": {"zh": "数值不正确", "en": "Invalid number"},
}


def build_register(
    path: Path,
    *,
    rows: Sequence[Mapping[str, object]] = (),
    english: bool = False,
    departments: Sequence[Department] = DEFAULT_DEPARTMENTS,
) -> Path:
    """Create a new register workbook at `path` (.xlsx): the 投诉记录 sheet with the staff
    columns, drop-downs and date formats, then the rule sheets filled with the toolkit/layout.py
    defaults. `rows` (column key -> value) are written under the header, for demos and
    tests. `english` writes the register's headers and prompts in English and sets 语言 to
    en. Never overwrites: an existing `path` raises UsageError."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path}: " + bilingual(
            "新登记表必须是 .xlsx 文件（带「校验」按钮的 .xlsm 模板不由这个命令生成）："
            "请把文件名的扩展名改为 .xlsx",
            "a new register must be an .xlsx file (the .xlsm template "
            "with the 校验 button is not built by this command)"))
    if path.exists():
        raise _exists(path)
    if not path.parent.is_dir():
        raise UsageError(bilingual("要保存到的文件夹不存在：请先建好这个文件夹",
                                   f"{path.parent} is not a folder; create it first"))
    _check_keys(rows)

    lang = "en" if english else "zh"
    wb = Workbook()
    register = wb.active
    register.title = REGISTER_SHEET
    _register_sheet(register, rows, lang)
    settings = replace(DEFAULT_SETTINGS, language=lang)
    _routing_sheet(wb.create_sheet(ROUTING_SHEET))
    _limits_sheet(wb.create_sheet(LIMITS_SHEET))
    _departments_sheet(wb.create_sheet(DEPARTMENTS_SHEET), departments)
    _holidays_sheet(wb.create_sheet(HOLIDAYS_SHEET))
    _settings_sheet(wb.create_sheet(SETTINGS_SHEET), settings)
    wb.active = 0
    wb.properties.title = TITLE
    wb.properties.subject = "客户投诉登记" if lang == "zh" else "Customer complaint register"
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    _save_new(wb, path)
    return path


def _exists(path: Path) -> UsageError:
    return UsageError(bilingual("这个文件已经存在：init 从不覆盖已有的工作簿，请换一个文件名",
                                f"{path} already exists; init never overwrites a workbook"))


def _check_keys(rows: Sequence[Mapping[str, object]]) -> None:
    known = {c.key for c in STAFF_COLUMNS}
    unknown = sorted({k for r in rows for k in r if k not in known})
    if unknown:
        # A programming error, not a user's: the toolkit columns are check's to write.
        raise ValueError(f"not staff column keys: {', '.join(unknown)}")


# ---------------------------------------------------------------------------
# 投诉记录

def _register_sheet(ws: Worksheet, rows: Sequence[Mapping[str, object]], lang: str) -> None:
    # The toolkit's columns come with the template, styled apart (grey: filled by `check`,
    # not by staff), so they look like the rest of the register from day one.
    last_col = column_letter(len(COLUMNS))
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(1, i, col.en if lang == "en" else col.zh)
        _style_header(cell, required=col.required, toolkit=col.toolkit)
        letter = column_letter(i)
        dim = ws.column_dimensions[letter]
        dim.width = col.width
        # A column style is what Excel gives a cell a user types into a blank row, so new
        # rows get the formats without anyone copying them down.
        fmt = _column_format(col)
        if fmt:
            dim.number_format = fmt
    ws.row_dimensions[1].height = 45 if lang == "en" else 30

    for r, values in enumerate(rows, start=2):
        for i, col in enumerate(STAFF_COLUMNS, start=1):
            value = values.get(col.key)
            if value is None or value == "":
                continue
            _write_value(ws.cell(r, i), value, col)

    # Frozen header and first column: the case number stays in view while scrolling right.
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{last_col}{max(1, len(rows) + 1)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _register_validations(ws, lang)


def _column_format(col: Column) -> str | None:
    if col.kind is Kind.DATETIME:
        return DATETIME_FORMAT
    if col.kind is Kind.DATE:
        return DATE_FORMAT
    if col.key in _TEXT_KEYS:
        return TEXT_FORMAT
    if col.kind is Kind.NUMBER:
        return MONEY_FORMAT
    return None


def _write_value(cell: Any, value: object, col: Column) -> None:
    cell.value = value
    # Each written cell carries its column's format, so editing it later in Excel keeps it.
    fmt = _column_format(col)
    if isinstance(value, datetime) and col.kind is not Kind.DATE:
        fmt = DATETIME_FORMAT
    elif isinstance(value, date):
        fmt = DATE_FORMAT
    if fmt:
        cell.number_format = fmt
    if isinstance(value, str):
        # Text from a complaint is never a formula: openpyxl would store "=..." as one.
        # quotePrefix keeps it text when a user later edits the cell in Excel.
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True


def _register_validations(ws: Worksheet, lang: str) -> None:
    def t(key: str, **fields: object) -> str:
        return _TEXTS[key][lang].format(**fields)

    for i, col in enumerate(STAFF_COLUMNS, start=1):
        letter = column_letter(i)
        area = f"{letter}2:{letter}{LAST_ROW}"
        dv: DataValidation | None = None
        if col.key in _DEPARTMENT_KEYS:
            prompt = t("dept-prompt")
            if col.key == "department":
                prompt = f"{t('responsible-prompt')}。{prompt}" if lang == "zh" else \
                    f"{t('responsible-prompt')}. {prompt}"
            dv = _list(DEPARTMENT_LIST, t("list-title"), prompt, t("dept-error"))
        elif col.key == "category":
            # A warning, not a stop: the quality manager may add categories in 分派规则,
            # and check (bad-enum) judges against the rules actually in force.
            dv = _list(_inline(DEFAULT_CATEGORIES), t("list-title"), t("category-prompt"),
                       t("category-error"), style="warning")
        elif col.choices:
            values = "、".join(col.choices) if lang == "zh" else ", ".join(col.choices)
            dv = _list(_inline(col.choices), t("list-title"), "",
                       t("list-error", values=values))
        elif col.kind is Kind.INT:
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                allow_blank=True, showErrorMessage=True,
                                errorTitle=t("number-title"), error=t("quantity-error"))
        elif col.kind is Kind.NUMBER:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                allow_blank=True, showErrorMessage=True,
                                errorTitle=t("number-title"), error=t("money-error"))
        if dv is not None:
            dv.add(area)
            ws.add_data_validation(dv)


def _inline(values: Iterable[str]) -> str:
    text = ",".join(values)
    # Excel's limit for an inline list; longer lists must live on a sheet.
    assert len(text) <= 255, text
    return f'"{text}"'


def _list(
    source: str, title: str, prompt: str, error: str, *, style: str = "stop"
) -> DataValidation:
    dv = DataValidation(type="list", formula1=source, allow_blank=True,
                        showErrorMessage=True, errorStyle=style, errorTitle=title, error=error)
    if prompt:
        dv.showInputMessage = True
        dv.promptTitle = title
        dv.prompt = prompt
    return dv


# ---------------------------------------------------------------------------
# Rule sheets (their headers stay Chinese: the sheet names are; rules/ruleset.py reads both)

def _table(ws: Worksheet, headers: Sequence[str], widths: Sequence[float],
           rows: Iterable[Sequence[object]]) -> int:
    for i, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        _style_header(ws.cell(1, i, header))
        ws.column_dimensions[column_letter(i)].width = width
    ws.row_dimensions[1].height = 20
    n = 1
    for n, values in enumerate(rows, start=2):
        for i, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            cell = ws.cell(n, i, value)
            if isinstance(value, str):
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    return n


def _validate(ws: Worksheet, column: str, dv: DataValidation, last: int = 1000) -> None:
    dv.add(f"{column}2:{column}{last}")
    ws.add_data_validation(dv)


def _routing_sheet(ws: Worksheet) -> None:
    _table(ws, ROUTING_HEADERS, (12, 32, 12, 14), (
        (r.category, "、".join(r.keywords), r.customer_type, r.department)
        for r in DEFAULT_ROUTING))
    _validate(ws, "C", _list(_inline(CUSTOMER_TYPES), "请选择", "留空表示所有客户类型",
                             "客户类型只能是：" + "、".join(CUSTOMER_TYPES)))
    _validate(ws, "D", _list(DEPARTMENT_LIST, "请选择", "", _TEXTS["dept-error"]["zh"]))
    _notes(ws, 6, (
        "从上到下第一条匹配的规则生效。",
        "类别填 * 表示任意类别；关键词用、或逗号分隔，投诉内容包含任一关键词即匹配，"
        "留空表示不看内容。",
        "客户类型留空表示任意客户类型；责任部门须是「部门」表中的部门名称。",
        "已填写责任部门或被投诉部门的投诉不按本表分派。",
    ))


def _limits_sheet(ws: Worksheet) -> None:
    _table(ws, LIMITS_HEADERS, (12, 9, 9, 11, 11), (
        (r.category, r.severity, r.region, str(r.response), str(r.close))
        for r in DEFAULT_LIMITS))
    _validate(ws, "B", _list(_inline(("*", *SEVERITIES)), "请选择", "* 表示任意级别",
                             "级别只能是 * 或：" + "、".join(SEVERITIES)))
    _validate(ws, "C", _list(_inline(("*", *REGIONS)), "请选择", "* 表示任意区域",
                             "区域只能是 * 或：" + "、".join(REGIONS)))
    _notes(ws, 7, (
        "从上到下第一条匹配的规则生效；类别、级别、区域填 * 表示任意。",
        "时限写 Nd（N 个自然日，到期日遇节假日顺延）或 Nwd（N 个工作日），例如 2d、5wd。",
        "设置表的截止时间（默认 16:30）之后受理的投诉从次日起算；到期日的截止时间为时限。",
    ))


def _notes(ws: Worksheet, column: int, notes: Sequence[str]) -> None:
    """A 说明 column beside a rule table: the rules' meaning, where the manager edits them."""
    header = ws.cell(1, column, "说明")
    header.font = _HEADER_FONT
    for i, note in enumerate(notes, start=2):
        ws.cell(i, column, note)
    ws.column_dimensions[column_letter(column)].width = 60


def _departments_sheet(ws: Worksheet, departments: Sequence[Department]) -> None:
    _table(ws, DEPARTMENTS_HEADERS, (16, 12, 28, 10), (
        (d.name, d.manager, d.email, "是" if d.receives_escalations else "否")
        for d in departments))
    _validate(ws, "D", _list('"是,否"', "请选择", "是：重大投诉也发给本部门（升级）",
                             "接收升级只能是 是 或 否"), DEPARTMENT_ROWS)


def _holidays_sheet(ws: Worksheet) -> None:
    _table(ws, HOLIDAYS_HEADERS, (12, 8, 30), ())
    ws.column_dimensions["A"].number_format = DATE_FORMAT
    _validate(ws, "B", _list('"放假,上班"', "请选择",
                             "放假：这天不上班；上班：周末调休上班。覆盖法定节假日日历中这一天",
                             "类型只能是 放假 或 上班"))


def _settings_sheet(ws: Worksheet, settings: Settings) -> None:
    _table(ws, SETTINGS_HEADERS, (18, 16, 60), (
        (name, settings_value_text(settings, attr), SETTING_NOTES.get(name))
        for name, attr in SETTING_NAMES.items()))
    # Text, so 16:30 stays "16:30" when the quality manager retypes it.
    ws.column_dimensions["B"].number_format = TEXT_FORMAT


def _style_header(cell: Any, *, required: bool = False, toolkit: bool = False) -> None:
    cell.font = _HEADER_FONT
    cell.fill = _TOOLKIT_FILL if toolkit else _REQUIRED_FILL if required else _HEADER_FILL
    cell.alignment = _HEADER_ALIGN
    cell.border = _HEADER_BORDER


# ---------------------------------------------------------------------------

def _save_new(wb: Workbook, path: Path) -> None:
    """Save beside the target, on the disk, then publish without ever replacing a file that
    appeared meanwhile: a hard link fails if the name exists. Not `~$`: that prefix means "open
    in Excel" to the toolkit and to Excel. See docs/writeback.md."""
    remove_stale_temps(path.parent, path)
    tmp = temp_name(path)
    try:
        wb.save(tmp)
        fsync_file(tmp)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise _exists(path) from None
        except OSError:
            # Some file systems (FAT, some network shares) have no hard links.
            if path.exists():
                raise _exists(path) from None
            os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as e:
        raise io_error(e, path, "无法写入工作簿", "cannot write the workbook") from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
