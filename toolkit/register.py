"""The register model: the register's columns, the raw workbook data and the Case record."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import Any, overload


class Kind(StrEnum):
    """How a column's values are read and checked."""

    TEXT = "text"
    DATETIME = "datetime"
    DATE = "date"
    ENUM = "enum"
    INT = "int"
    NUMBER = "number"
    CASE_ID = "case_id"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: Kind
    required: bool = False
    toolkit: bool = False
    # Fixed allowed values; empty for free text and for lists that live in rule sheets.
    choices: tuple[str, ...] = ()
    width: float = 12


CHANNELS = ("电话", "邮件", "现场", "书面", "网站", "业务部转接", "财务部转接")
CUSTOMER_TYPES = ("经销商", "终端客户", "重点客户")
REGIONS = ("国内", "国外")
DEFAULT_CATEGORIES = (
    "产品质量", "技术能力", "服务过程", "销售过程", "备件供应",
    "随车文件", "财务问题", "物流运输", "其他",
)
SEVERITIES = ("一般", "中级", "强烈", "重大")
SUBSTANTIATED = ("是", "否", "待查")
APPROVALS = ("无需审批", "待审批", "已批准", "已驳回")
FOLLOW_UPS = ("满意", "基本满意", "不满意")
STATUSES = ("新建", "处理中", "待回访", "已结案", "无法解决")
CLOSED_STATUSES = ("已结案", "无法解决")
EFFECTS = ("有效", "无效", "待确认")

_K = Kind
STAFF_COLUMNS: tuple[Column, ...] = (
    Column("case_id", "投诉编号", "Case ID", _K.CASE_ID, required=True, width=11),
    Column("received_at", "受理时间", "Received", _K.DATETIME, required=True, width=17),
    Column("channel", "受理渠道", "Channel", _K.ENUM, choices=CHANNELS, width=11),
    Column("receiver", "受理人", "Received by", _K.TEXT, required=True, width=9),
    Column("customer", "客户名称", "Customer", _K.TEXT, required=True, width=22),
    Column("contact", "联系人", "Contact", _K.TEXT, width=9),
    Column("phone", "联系电话", "Phone", _K.PHONE, required=True, width=15),
    Column("email", "邮箱", "Email", _K.EMAIL, width=22),
    Column("customer_type", "客户类型", "Customer type", _K.ENUM, choices=CUSTOMER_TYPES, width=10),
    Column("region", "区域", "Region", _K.ENUM, choices=REGIONS, width=7),
    Column("category", "投诉类别", "Category", _K.ENUM, required=True, width=10),
    Column("severity", "投诉级别", "Severity", _K.ENUM, required=True, choices=SEVERITIES, width=9),
    Column("complained_dept", "被投诉部门", "Department complained about", _K.ENUM, width=11),
    Column("description", "投诉内容", "Description", _K.TEXT, required=True, width=40),
    Column("product", "产品名称", "Product", _K.TEXT, width=14),
    Column("batch", "生产批次", "Batch", _K.TEXT, width=12),
    Column("order_no", "订单号", "Order no.", _K.TEXT, width=14),
    Column("quantity", "数量", "Quantity", _K.INT, width=7),
    Column("delivered_on", "收货日期", "Delivered on", _K.DATE, width=11),
    Column("evidence", "证据", "Evidence", _K.TEXT, width=18),
    Column("substantiated", "是否属实", "Substantiated", _K.ENUM, choices=SUBSTANTIATED, width=9),
    Column("department", "责任部门", "Responsible dept", _K.ENUM, width=11),
    Column("handler", "处理人", "Handler", _K.TEXT, width=9),
    Column("first_response_at", "首次回复时间", "First response", _K.DATETIME, width=17),
    Column("resolution", "处理方案", "Resolution", _K.TEXT, width=30),
    Column("compensation", "赔偿金额", "Compensation", _K.NUMBER, width=10),
    Column("appointment_on", "预约日期", "Appointment", _K.DATE, width=11),
    Column("approval", "审批状态", "Approval", _K.ENUM, choices=APPROVALS, width=10),
    Column("closed_at", "结案时间", "Closed", _K.DATETIME, width=17),
    Column("follow_up", "回访结果", "Follow-up", _K.ENUM, choices=FOLLOW_UPS, width=10),
    Column("status", "状态", "Status", _K.ENUM, required=True, choices=STATUSES, width=9),
    # Corrective and preventive action (docs/capa.md): optional; a register without these
    # columns gets none of their findings.
    Column("root_cause", "原因分析", "Root cause", _K.TEXT, width=30),
    Column("corrective_action", "纠正措施", "Corrective action", _K.TEXT, width=30),
    Column("action_due", "整改期限", "Action due", _K.DATE, width=11),
    Column("action_done_on", "整改完成", "Action done", _K.DATE, width=11),
    Column("effect", "效果确认", "Effect verified", _K.ENUM, choices=EFFECTS, width=9),
)
CAPA_KEYS = ("root_cause", "corrective_action", "action_due", "action_done_on", "effect")

TOOLKIT_COLUMNS: tuple[Column, ...] = (
    Column("due_response", "回复时限", "Response due", _K.DATETIME, toolkit=True, width=17),
    Column("due_close", "结案时限", "Close due", _K.DATETIME, toolkit=True, width=17),
    Column("flags", "逾期标记", "Flags", _K.TEXT, toolkit=True, width=16),
    Column("repeat_of", "重复投诉", "Repeat of", _K.TEXT, toolkit=True, width=14),
    Column("effective_severity", "有效级别", "Effective severity", _K.TEXT, toolkit=True, width=9),
    Column("check", "校验结果", "Check", _K.TEXT, toolkit=True, width=40),
)

COLUMNS: tuple[Column, ...] = STAFF_COLUMNS + TOOLKIT_COLUMNS
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
REQUIRED_HEADERS: tuple[Column, ...] = tuple(c for c in STAFF_COLUMNS if c.required)


def normalize_header(text: object) -> str:
    """Header text as compared: NFKC, trimmed, inner spaces removed, case folded."""
    s = unicodedata.normalize("NFKC", str(text or "")).strip()
    return "".join(s.split()).casefold()


_BY_HEADER: dict[str, Column] = {}
for _c in COLUMNS:
    _BY_HEADER[normalize_header(_c.zh)] = _c
    _BY_HEADER[normalize_header(_c.en)] = _c
    _BY_HEADER[normalize_header(_c.key)] = _c


def column_for_header(text: object) -> Column | None:
    """The column a header names, in Chinese, English or as its key; None if unknown."""
    return _BY_HEADER.get(normalize_header(text))


# A raw cell value as the reader hands it over: never coerced beyond the reader's
# normalisation (a date cell at midnight is still a datetime; an empty string is None).
CellValue = str | int | float | bool | datetime | date | time | timedelta | None


@dataclass
class HeaderMap:
    """Where each known column sits in the register sheet (0-based indexes)."""

    index: dict[str, int]  # column key -> 0-based column index
    headers: dict[str, str]  # column key -> header text as the sheet shows it
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (index, header)
    width: int = 0  # number of columns up to the last non-empty header

    @classmethod
    def from_row(cls, row: Sequence[object]) -> HeaderMap:
        index: dict[str, int] = {}
        headers: dict[str, str] = {}
        unknown: list[tuple[int, str]] = []
        width = 0
        for i, cell in enumerate(row):
            if cell is None or str(cell).strip() == "":
                continue
            width = i + 1
            col = column_for_header(cell)
            if col is None or col.key in index:
                unknown.append((i, str(cell).strip()))
                continue
            index[col.key] = i
            headers[col.key] = str(cell).strip()
        return cls(index, headers, unknown, width)

    def missing_required(self) -> list[Column]:
        return [c for c in REQUIRED_HEADERS if c.key not in self.index]

    def header(self, key: str) -> str:
        """The header as the sheet shows it, or the Chinese one for an absent column."""
        return self.headers.get(key) or BY_KEY[key].zh


@dataclass(slots=True)
class RawRow:
    """One register row as read: its worksheet row number and its cells by column key."""

    row: int
    values: dict[str, CellValue]

    def get(self, key: str) -> CellValue:
        return self.values.get(key)


# Types the reader hands over that normalise_cell returns unchanged: one set lookup.
AS_READ = frozenset({str, float, int, bool, datetime})


def normalise_cell(value: object) -> CellValue:
    """A cell as the rules take it: None when empty, a datetime for a date."""
    # calamine gives "" for empty cells and a date (not a datetime) for a date cell at
    # midnight; mixing date and datetime breaks sorting and subtraction (docs/design.md).
    if value == "" or value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (str, int, float, bool, datetime, time)):
        return value
    return str(value)


class RegisterRows(Sequence[RawRow]):
    """The register's rows as the reader found them: each row's worksheet number and the
    sheet's own list of cells, kept as read ("" for an empty cell; each list reaches every
    known column). A RawRow, with its dict of values, is made only when asked for; a whole
    column comes out in one pass, which is how the rules read 100,000 rows
    (docs/performance.md)."""

    __slots__ = ("numbers", "cells", "positions", "_made")

    def __init__(self, numbers: list[int], cells: list[list[Any]], index: dict[str, int]):
        self.numbers = numbers
        self.cells = cells
        self.positions = index  # column key -> 0-based position in each cell list
        self._made: list[RawRow | None] | None = None

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, i: int) -> RawRow: ...
    @overload
    def __getitem__(self, i: slice) -> list[RawRow]: ...
    def __getitem__(self, i: int | slice) -> RawRow | list[RawRow]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if self._made is None:
            self._made = [None] * len(self.numbers)
        made = self._made[i]
        if made is None:
            cells = self.cells[i]
            made = self._made[i] = RawRow(self.numbers[i], {
                key: v if type(v) in AS_READ else normalise_cell(v)
                for key, idx in self.positions.items()
                if (v := cells[idx]) != "" and v is not None})
        return made

    def __iter__(self) -> Iterator[RawRow]:
        return (self[i] for i in range(len(self)))

    def columns(self) -> dict[str, Sequence[Any]]:
        """Every known column's cells as read ("" or None where empty), all transposed in one
        pass (three times faster than taking the columns one by one)."""
        if not self.cells:
            return {key: () for key in self.positions}
        table = list(zip(*self.cells, strict=False))  # each list reaches every known column
        return {key: table[idx] for key, idx in self.positions.items()}

    def cells_of(self, key: str) -> list[Any]:
        """The column's cells as read ("" or None where empty); all None when the sheet has
        no such column."""
        idx = self.positions.get(key)
        if idx is None:
            return [None] * len(self.numbers)
        return list(map(itemgetter(idx), self.cells))


def row_numbers(rows: Sequence[RawRow]) -> list[int]:
    """The worksheet row number of each row, in order."""
    return rows.numbers if isinstance(rows, RegisterRows) else [r.row for r in rows]


def cells_as_read(rows: Sequence[RawRow], key: str) -> Sequence[Any]:
    """One column of the rows as read, not normalised: "" or None where empty, and a cell
    normalise_cell would change stays as it is. For comparing a column that is nearly all
    unchanged; column() gives the values."""
    if isinstance(rows, RegisterRows):
        return rows.cells_of(key)
    return [r.values.get(key) for r in rows]


def column(rows: Sequence[RawRow], key: str) -> list[CellValue]:
    """One column of the rows, each value as RawRow.get gives it (None where empty)."""
    if isinstance(rows, RegisterRows):
        # An empty cell ("") is the commonest in the toolkit's own columns: no call for it.
        return [None if v == "" else v if type(v) in AS_READ else normalise_cell(v)
                for v in rows.cells_of(key)]
    return [r.values.get(key) for r in rows]


@dataclass
class RuleSheet:
    """A rule sheet as read: header texts and data rows, or None when the sheet is absent."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[CellValue]]]  # (worksheet row number, cells)


@dataclass
class RegisterData:
    """Everything the rules need from a workbook, read once, with no file handle left open."""

    path: str
    register_sheet: str
    header_row: int
    headers: HeaderMap
    rows: Sequence[RawRow]  # the reader's are RegisterRows
    rule_sheets: dict[str, RuleSheet]  # by sheet name (分派规则, 时限规则, 部门, 节假日, 设置)
    last_column: int  # 1-based index of the last used column of the register sheet
    sheet_names: list[str] = field(default_factory=list)
    # Rows whose staff cells are all blank but whose toolkit cells still hold values (the
    # staff cleared a row): not cases; their toolkit cells are cleared on the next write.
    toolkit_only_rows: list[RawRow] = field(default_factory=list)
    # The workbook counts dates from 1904 (old Mac Excel, Numbers): a serial typed into a
    # date column means a date 1,462 days later than in the usual 1900 system.
    date1904: bool = False


@dataclass(slots=True)
class Case:
    """One register row after coercion. Values that could not be coerced are None
    (the rule engine reported them). Slotted: a register holds 100,000 of them."""

    row: int
    case_id: str | None = None
    received_at: datetime | None = None
    channel: str | None = None
    receiver: str | None = None
    customer: str | None = None
    contact: str | None = None
    phone: str | None = None
    email: str | None = None
    customer_type: str | None = None
    region: str | None = None
    category: str | None = None
    severity: str | None = None
    complained_dept: str | None = None
    description: str | None = None
    product: str | None = None
    batch: str | None = None
    order_no: str | None = None
    quantity: int | None = None
    delivered_on: date | None = None
    evidence: str | None = None
    substantiated: str | None = None
    department: str | None = None
    handler: str | None = None
    first_response_at: datetime | None = None
    resolution: str | None = None
    compensation: float | None = None
    appointment_on: date | None = None
    approval: str | None = None
    closed_at: datetime | None = None
    follow_up: str | None = None
    status: str | None = None
    root_cause: str | None = None
    corrective_action: str | None = None
    action_due: date | None = None
    action_done_on: date | None = None
    effect: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


_RANKS: dict[str | None, int] = {s: i for i, s in enumerate(SEVERITIES)}


def severity_rank(severity: str | None) -> int:
    """0 for 一般 up to 3 for 重大; -1 when unknown."""
    return _RANKS.get(severity, -1)


def column_letter(number: int) -> str:
    """The column letters for a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while number:
        number, r = divmod(number - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def unique(values: Iterable[str]) -> list[str]:
    """Values in first-seen order without repeats."""
    return list(dict.fromkeys(values))
