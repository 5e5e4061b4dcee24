"""Reading one register row into a Case, with every per-row finding (docs/rules.md)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from toolkit.findings import Finding
from toolkit.messages import render
from toolkit.register import (
    STAFF_COLUMNS,
    Case,
    CellValue,
    Column,
    HeaderMap,
    Kind,
    RawRow,
    column_for_header,
    column_letter,
)
from toolkit.rules.case_ids import CASE_ID_RE
from toolkit.rules.coerce import text, to_datetime, to_number
from toolkit.rules.messages import TEMPLATES
from toolkit.rules.ruleset import RuleSet

_SEPARATOR = {"zh": "、", "en": ", "}
_VALUE_WIDTH = 40  # a long cell is cut in messages so the report stays readable

# Columns the toolkit itself fills when blank keep a bad value as the staff typed it:
# a None there would make the toolkit assign a number or a department and write it
# over the staff's cell. Everywhere else an unusable value becomes None.
_KEEP_BAD = frozenset({"case_id", "department"})

_REQUIRED = ("received_at", "receiver", "customer", "category", "severity", "description",
             "status")
_MIN_DESCRIPTION = 5
_CLAIM_DAYS = 7  # 004: shortage/damage must be claimed within 7 days of delivery
_CLOSED = "已结案"
_SUBSTANTIATED = "是"
_INEFFECTIVE = "无效"
_UNRESOLVABLE = "无法解决"
_OPEN_STATUSES = frozenset({"新建", "处理中", "待回访"})
_QUALITY = "产品质量"
_TRANSPORT = "物流运输"
_UNHAPPY = "不满意"
_DOMESTIC = "国内"

# Dispatch codes for the per-cell loop, in range order (dates, numbers, texts): small
# ints compare faster than Enum members, and read_case runs for every row.
_DATETIME, _DATE, _INT, _NUMBER, _TEXT, _CASE_ID, _ENUM, _PHONE, _EMAIL = range(9)
_CODE = {Kind.DATETIME: _DATETIME, Kind.DATE: _DATE, Kind.INT: _INT, Kind.NUMBER: _NUMBER,
         Kind.TEXT: _TEXT, Kind.CASE_ID: _CASE_ID, Kind.ENUM: _ENUM, Kind.PHONE: _PHONE,
         Kind.EMAIL: _EMAIL}
_KIND: dict[str, int] = {c.key: _CODE[c.kind] for c in STAFF_COLUMNS}
_POSITION: dict[str | None, int] = {c.key: i for i, c in enumerate(STAFF_COLUMNS)}
_COLUMN: dict[str, Column] = {c.key: c for c in STAFF_COLUMNS}
_EXAMPLE = {_DATETIME: "2026-11-03 09:30", _DATE: "2026-11-03"}

_PHONE_JUNK = re.compile(r"[\s\u3000]+")
_MANY = re.compile(r"[/,，;；、]+")  # a cell may hold two numbers or addresses
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(
    r"(?:0[0-9]{2,3}-?|\(0[0-9]{2,3}\)-?)[0-9]{3,4}-?[0-9]{4}"
    r"(?:(?:-|转|#|ext\.?|x|分机)[0-9]{1,6})?",
    re.IGNORECASE,
)
_INTERNATIONAL = re.compile(r"\+[1-9][0-9]{6,14}")  # E.164: at most 15 digits
_EMAIL_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@(?:[\w-]+\.)+[\w-]{2,}")


def _phone_ok(value: str) -> bool:
    if value.isascii() and value.isdigit():
        # Digits only, as most numbers are typed: nothing to clean or split.
        return bool(_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value))
    s = _PHONE_JUNK.sub("", value)
    if not s.isascii():  # full-width digits, brackets and plus signs typed on a Chinese IME
        s = unicodedata.normalize("NFKC", s)
    parts = [p for p in _MANY.split(s) if p]
    if not parts:
        return False
    for part in parts:
        plain = part.replace("-", "")
        if part.startswith("+"):
            if not _INTERNATIONAL.fullmatch(plain.replace("(", "").replace(")", "")):
                return False
        elif not (_MOBILE.fullmatch(plain) or _LANDLINE.fullmatch(part)):
            return False
    return True


def _email_ok(value: str) -> bool:
    if _MANY.search(value) is None:  # one address, as nearly always
        return bool(_EMAIL_RE.fullmatch(value.strip()) and ".." not in value
                    and not value.strip().startswith("."))
    parts = [p.strip() for p in _MANY.split(value) if p.strip()]
    return bool(parts) and all(
        _EMAIL_RE.fullmatch(p) and ".." not in p and not p.startswith(".") for p in parts)


def _loose(value: str) -> str:
    """An enum value as compared when the exact text did not match: '重 大' is 重大."""
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()


@dataclass(frozen=True)
class _Context:
    """What read_case derives from the header map and the rules, built once per sheet."""

    headers: HeaderMap
    rules: RuleSet
    lang: str
    choices: dict[str, tuple[str, ...]]  # enum key -> allowed values, in order
    allowed: dict[str, frozenset[str]]
    loose: dict[str, dict[str, str]]  # enum key -> _loose(value) -> allowed value
    kinds: dict[str, int]  # staff column key present in the sheet -> its dispatch code
    required: frozenset[str]  # the _REQUIRED columns present in the sheet

    def header(self, key: str) -> str:
        return self.headers.header(key)

    def listing(self, key: str) -> str:
        return _SEPARATOR.get(self.lang, "、").join(self.choices[key]) or "—"

    def add(self, found: list[Finding], row: int, code: str, key: str,
            template: str | None = None, **fields: object) -> None:
        message = render(TEMPLATES, template or code, self.lang, header=self.header(key), **fields)
        found.append(Finding(code, message, row, key))

    def fragment(self, name: str, **fields: object) -> str:
        return render(TEMPLATES, name, self.lang, **fields)


# read_case runs once per row with the same header map and rules: keep the last
# context rather than rebuild the allowed-value sets 100,000 times. Identity, not
# equality, decides, and the strong references keep the ids from being reused.
_last: list[_Context] = []


def _context(headers: HeaderMap, rules: RuleSet) -> _Context:
    if _last and _last[0].headers is headers and _last[0].rules is rules:
        return _last[0]
    choices: dict[str, tuple[str, ...]] = {}
    for col in STAFF_COLUMNS:
        if col.kind is Kind.ENUM:
            choices[col.key] = col.choices
    choices["category"] = tuple(rules.categories)
    choices["department"] = choices["complained_dept"] = tuple(rules.department_names)
    lang = "en" if rules.settings.language == "en" else "zh"
    ctx = _Context(
        headers, rules, lang, choices,
        {k: frozenset(v) for k, v in choices.items()},
        {k: {_loose(c): c for c in v} for k, v in choices.items()},
        {k: code for k, code in _KIND.items() if k in headers.index},
        frozenset(k for k in _REQUIRED if k in headers.index),
    )
    _last[:] = [ctx]
    return ctx


def _show(value: CellValue) -> str:
    s = text(value) or ""
    return s if len(s) <= _VALUE_WIDTH else s[: _VALUE_WIDTH - 1] + "…"


def _stamp(value: date) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()



def header_findings(headers: HeaderMap, lang: str) -> list[Finding]:
    """One `unknown-column` warning per header the toolkit does not read (row 1, no field)."""
    out = []
    for i, header in headers.unknown:
        fields: dict[str, object] = {"letter": column_letter(i + 1), "header": header}
        template = "unknown-column"
        known = _find_column(headers, header)
        if known is not None:  # a second column with a known header: only the first is read
            template = "duplicate-column"
            fields["first"] = column_letter(headers.index[known] + 1)
        out.append(Finding("unknown-column", render(TEMPLATES, template, lang, **fields), 1, None))
    return out


def _find_column(headers: HeaderMap, header: str) -> str | None:
    col = column_for_header(header)
    return col.key if col is not None and col.key in headers.index else None


def read_case(
    raw: RawRow, headers: HeaderMap, rules: RuleSet, as_of: datetime, *,
    date1904: bool = False,
) -> tuple[Case, list[Finding]]:
    """The row as a Case, and its findings. A value that cannot be used becomes None with
    exactly one finding (except 投诉编号 and 责任部门, see _KEEP_BAD); a rule whose column
    is absent from the sheet is skipped."""
    ctx = _context(headers, rules)
    row = raw.row
    vals: dict[str, Any] = {}
    bad: set[str] = set()  # columns whose value was reported as unusable
    found: list[Finding] = []

    kinds = ctx.kinds
    for key, value in raw.values.items():
        kind = kinds.get(key)
        if kind is None or value is None:  # toolkit columns are output, never input
            continue
        if kind <= _DATE:
            # The reader hands most dates over as naive whole-second datetimes: the common
            # case costs no call.
            if type(value) is datetime and value.tzinfo is None and not value.microsecond:
                dt: datetime | None = value
            else:
                try:
                    dt = to_datetime(value, date1904=date1904)
                except (ValueError, OverflowError):  # CoerceError is a ValueError
                    bad.add(key)
                    ctx.add(found, row, "bad-date", key, value=_show(value),
                            example=_EXAMPLE[kind])
                    continue
            if dt is not None:
                vals[key] = dt if kind == _DATETIME else dt.date()
            continue
        if kind <= _NUMBER:
            _read_number(ctx, found, bad, vals, row, key, kind, value)
            continue
        s = value.strip() if type(value) is str else text(value)
        if not s:
            continue
        if kind == _TEXT or kind == _CASE_ID:  # 投诉编号 is checked once 受理时间 is known
            vals[key] = s
            continue
        if kind == _ENUM:
            good = s if s in ctx.allowed[key] else ctx.loose[key].get(_loose(s))
            if good is not None:
                vals[key] = good
                continue
            ctx.add(found, row, "bad-enum", key, value=_show(s), choices=ctx.listing(key))
        elif kind == _PHONE:
            if _phone_ok(s):
                vals[key] = s
                continue
            ctx.add(found, row, "bad-phone", key, value=_show(s))
        else:
            if _email_ok(s):
                vals[key] = s
                continue
            ctx.add(found, row, "bad-email", key, value=_show(s))
        bad.add(key)
        if key in _KEEP_BAD:
            vals[key] = s

    _check_row(ctx, found, bad, vals, row, as_of)
    if "region" not in vals and "region" not in bad:
        vals["region"] = _DOMESTIC  # a blank 区域 means 国内 (docs/rules.md)
    if len(found) > 1:
        found.sort(key=lambda f: _POSITION.get(f.field, len(_POSITION)))
    return Case(row, **vals), found


def _read_number(ctx: _Context, found: list[Finding], bad: set[str], vals: dict[str, Any],
                 row: int, key: str, kind: int, value: CellValue) -> None:
    try:
        n = to_number(value)
    except (ValueError, OverflowError):
        bad.add(key)
        ctx.add(found, row, "bad-number", key, value=_show(value),
                example="12" if kind == _INT else "1,200.50")
        return
    if n is None:
        return
    template = None
    if kind == _INT and not n.is_integer():
        template = "bad-whole"
    elif n < 0:
        template = "bad-negative"
    if template:
        bad.add(key)
        ctx.add(found, row, "bad-number", key, template, value=_show(value))
        return
    vals[key] = int(n) if kind == _INT else n


def _check_row(ctx: _Context, found: list[Finding], bad: set[str], vals: dict[str, Any],
               row: int, as_of: datetime) -> None:
    """The rules that look at more than one cell, or at a blank one."""
    index = ctx.headers.index
    add = ctx.add

    def blank(key: str) -> bool:  # present in the sheet, and empty in this row
        return key not in vals and key not in bad and key in index

    absent = ctx.required.difference(vals, bad)  # one C call: most rows have every value
    if absent:
        for key in _REQUIRED:
            if key in absent:
                add(found, row, "missing", key, hint=_hint(ctx, key))
    description = vals.get("description")
    if description is not None and len(description) < _MIN_DESCRIPTION:
        add(found, row, "missing", "description", "missing-short", value=_show(description))
    if blank("phone"):
        if "email" not in index:  # no 邮箱 column to point to
            add(found, row, "missing", "phone", "missing-phone")
        elif blank("email"):
            add(found, row, "missing", "phone", "missing-contact", email=ctx.header("email"))

    category = vals.get("category")
    if category == _QUALITY or category == _TRANSPORT:
        needed = ("product", "batch", "evidence") if category == _QUALITY else ("evidence",)
        for key in needed:
            if blank(key):
                add(found, row, "missing", key, "missing-for-category", category=category,
                    category_header=ctx.header("category"), hint=_hint(ctx, key))

    received = vals.get("received_at")
    status = vals.get("status")
    closed_at = vals.get("closed_at")
    if status == _CLOSED:
        if blank("resolution"):
            add(found, row, "missing", "resolution", "missing-to-close", why="",
                status=ctx.header("status"), hint=_hint(ctx, "resolution"))
        if blank("follow_up"):
            add(found, row, "missing", "follow_up", "missing-to-close",
                status=ctx.header("status"), why=ctx.fragment("why-follow-up"),
                hint=_hint(ctx, "follow_up"))
        elif vals.get("follow_up") == _UNHAPPY:
            add(found, row, "unhappy-closed", "follow_up", status=ctx.header("status"))
        # Not also `missing`: the mismatch says what is wrong with the pair.
        if blank("closed_at"):
            add(found, row, "status-mismatch", "closed_at", "status-closed-no-time",
                status=ctx.header("status"))
        # Only a register that has both columns is asked for them (docs/capa.md).
        if (vals.get("substantiated") == _SUBSTANTIATED
                and "root_cause" in index and "corrective_action" in index):
            for key in ("root_cause", "corrective_action"):
                if blank(key):
                    add(found, row, "no-capa", key, hint=_hint(ctx, key),
                        substantiated=ctx.header("substantiated"))
                    break
    elif status == _UNRESOLVABLE:
        if blank("resolution"):
            add(found, row, "missing", "resolution", "missing-unresolvable",
                status=ctx.header("status"))
    elif status in _OPEN_STATUSES and closed_at is not None:
        add(found, row, "status-mismatch", "status", "status-open-closed-at", value=status,
            closed=ctx.header("closed_at"), closed_value=_stamp(closed_at))

    for key in ("received_at", "first_response_at", "closed_at"):
        when = vals.get(key)
        if when is not None and when > as_of:
            add(found, row, "future", key, value=_stamp(when), as_of=_stamp(as_of))
    for key in ("delivered_on", "action_done_on"):
        day = vals.get(key)
        if day is not None and day > as_of.date():
            add(found, row, "future", key, value=_stamp(day), as_of=_stamp(as_of))
    delivered = vals.get("delivered_on")

    if received is not None:
        for key in ("first_response_at", "closed_at"):
            when = vals.get(key)
            if when is not None and when < received:
                add(found, row, "order", key, value=_stamp(when),
                    received=ctx.header("received_at"), received_value=_stamp(received))
        done = vals.get("action_done_on")  # a date: done on the day of receipt is in order
        if done is not None and done < received.date():
            add(found, row, "order", "action_done_on", value=_stamp(done),
                received=ctx.header("received_at"), received_value=_stamp(received))
        if category == _TRANSPORT and delivered is not None:
            days = (received.date() - delivered).days
            if days > _CLAIM_DAYS:
                add(found, row, "late-claim", "delivered_on", value=_stamp(delivered), days=days,
                    received=ctx.header("received_at"), received_value=_stamp(received))

    if vals.get("effect") == _INEFFECTIVE:
        add(found, row, "action-ineffective", "effect")

    case_id = vals.get("case_id")
    if case_id is not None:
        _check_case_id(ctx, found, row, case_id, received)


def _check_case_id(ctx: _Context, found: list[Finding], row: int, case_id: str,
                   received: datetime | None) -> None:
    m = CASE_ID_RE.fullmatch(case_id)
    month = int(m.group(2)) if m else 0
    if m is None or not 1 <= month <= 12:
        example = f"{_yymm(received) if received else '2611'}-0001"
        ctx.add(found, row, "bad-id", "case_id", value=_show(case_id), example=example)
    elif received is not None and (received.month != month
                                   or received.year % 100 != int(m.group(1))):
        ctx.add(found, row, "bad-id", "case_id", "bad-id-month", value=_show(case_id),
                yymm=m.group(1) + m.group(2), expected=_yymm(received),
                received=ctx.header("received_at"), received_value=_stamp(received))


def _yymm(when: datetime) -> str:
    return f"{when.year % 100:02d}{when.month:02d}"


def _hint(ctx: _Context, key: str) -> str:
    """What a valid value looks like, as a fragment for the `missing` messages."""
    if "hint-" + key in TEMPLATES:
        return ctx.fragment("hint-" + key)
    kind = _COLUMN[key].kind
    if kind is Kind.ENUM:
        return ctx.fragment("hint-choices", choices=ctx.listing(key))
    if kind is Kind.DATETIME:
        return ctx.fragment("hint-datetime")
    return ""

