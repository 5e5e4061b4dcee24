"""Reading one register row into a Case, with every per-row finding (docs/rules.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import repeat
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
    RegisterRows,
    column_for_header,
    column_letter,
    row_numbers,
)
from toolkit.rules.case_ids import CASE_ID_RE
from toolkit.rules.coerce import text, to_datetime, to_number
from toolkit.rules.messages import TEMPLATES
from toolkit.rules.nfkc import nfkc
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
        s = nfkc(s)
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
    return "".join(nfkc(value).split()).casefold()


@dataclass(frozen=True)
class _Context:
    """What read_case derives from the header map and the rules, built once per sheet."""

    headers: HeaderMap
    rules: RuleSet
    lang: str
    choices: dict[str, tuple[str, ...]]  # enum key -> allowed values, in order
    allowed: dict[str, frozenset[str]]
    exact: dict[str, dict[CellValue, str | None]]  # enum key -> cell typed exactly -> value
    loose: dict[str, dict[str, str]]  # enum key -> _loose(value) -> allowed value
    kinds: dict[str, int]  # staff column key present in the sheet -> its dispatch code
    required: frozenset[str]  # the _REQUIRED columns present in the sheet

    def header(self, key: str) -> str:
        return self.headers.header(key)

    def listing(self, key: str) -> str:
        return _SEPARATOR.get(self.lang, "、").join(self.choices[key]) or "—"

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
        {k: {"": None, **{c: c for c in v}} for k, v in choices.items()},
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
    """The row as a Case, and its findings (read_cases for one row)."""
    return read_cases([raw], headers, rules, as_of, date1904=date1904)[0]


def read_cases(
    raws: Sequence[RawRow], headers: HeaderMap, rules: RuleSet, as_of: datetime, *,
    date1904: bool = False,
) -> list[tuple[Case, list[Finding]]]:
    """Each row as a Case, and its findings, in the order given. A value that cannot be used
    becomes None with exactly one finding (except 投诉编号 and 责任部门, see _KEEP_BAD); a rule
    whose column is absent from the sheet is skipped.

    The work runs down the register rather than along each row: every column is read and
    coerced in one pass, then every rule that looks at more than one cell runs down the
    columns it needs. The findings and Cases are those of reading each row on its own; only
    the order of the work differs (docs/performance.md)."""
    ctx = _context(headers, rules)
    b = _Batch(ctx, row_numbers(raws))
    # The reader's rows hand over their columns as read; rows made by hand give theirs.
    table: dict[str, Sequence[Any]] = (
        raws.columns() if isinstance(raws, RegisterRows)
        else {key: [r.values.get(key) for r in raws] for key in ctx.kinds})
    for key, kind in ctx.kinds.items():
        cells = table[key]
        if kind <= _DATE:
            b.cols[key] = _read_dates(b, key, kind, cells, date1904)
        elif kind <= _NUMBER:
            b.cols[key] = _read_numbers(b, key, kind, cells)
        else:
            b.cols[key] = _read_texts(b, key, kind, cells)

    _check_rows(b, as_of)

    region = b.cols.get("region")  # a blank 区域 means 国内 (docs/rules.md)
    if region is None:
        b.cols["region"] = [_DOMESTIC] * b.n
    else:
        unusable = b.bad.get("region", ())
        for i in [i for i, v in enumerate(region) if v is None]:
            if i not in unusable:
                region[i] = _DOMESTIC

    nothing = [None] * b.n
    cases = map(Case, b.rows, *(b.cols.get(c.key, nothing) for c in STAFF_COLUMNS))
    for found in b.found:
        if len(found) > 1:
            found.sort(key=_position)
    return list(zip(cases, b.found, strict=True))


def _position(f: Finding) -> int:
    return _POSITION.get(f.field, len(_POSITION))


class _Batch:
    """The rows being read: the coerced columns by key, the positions whose value was reported
    as unusable, and each row's findings. Positions index the rows as given."""

    def __init__(self, ctx: _Context, rows: list[int]) -> None:
        self.ctx = ctx
        self.rows = rows
        self.n = len(rows)
        self.cols: dict[str, list[Any]] = {}
        self.bad: dict[str, set[int]] = {}
        self.found: list[list[Finding]] = [[] for _ in rows]

    def add(self, i: int, code: str, key: str, template: str | None = None,
            **fields: object) -> None:
        ctx = self.ctx
        message = render(TEMPLATES, template or code, ctx.lang, header=ctx.header(key), **fields)
        self.found[i].append(Finding(code, message, self.rows[i], key))

    def reject(self, i: int, key: str, code: str, template: str | None = None,
               **fields: object) -> None:
        """The value at position i cannot be used: one finding, and the cell counts as bad."""
        self.bad.setdefault(key, set()).add(i)
        self.add(i, code, key, template, **fields)

    def col(self, key: str) -> list[Any]:
        found = self.cols.get(key)
        if found is None:  # the column is not in the sheet
            found = self.cols[key] = [None] * self.n
        return found

    def blanks(self, key: str, among: list[int] | None = None) -> list[int]:
        """Positions (of all, or `among`) where the column is in the sheet and the row leaves
        it empty."""
        if key not in self.ctx.headers.index:
            return []
        unusable = self.bad.get(key, ())
        col = self.cols[key]
        if among is None:
            return [i for i, v in enumerate(col) if v is None and i not in unusable]
        return [i for i in among if col[i] is None and i not in unusable]

    def blank(self, key: str, i: int) -> bool:
        return (key in self.ctx.headers.index and self.cols[key][i] is None
                and i not in self.bad.get(key, ()))


_ODD = object()  # a cell the one-line fast path of its column did not take
_UNUSABLE = object()  # a value that was reported as unusable


def _read_dates(b: _Batch, key: str, kind: int, cells: Sequence[Any],
                date1904: bool) -> list[Any]:
    # The reader hands most dates over as naive whole-second datetimes: those cost no call.
    out: list[Any] = [
        v if v is None or (type(v) is datetime and v.tzinfo is None and not v.microsecond)
        else None if v == "" else _ODD for v in cells]
    # Dates typed as text repeat down the register (many complaints a day): each distinct
    # text is parsed once. (Only text: equal numbers or datetimes may be of other types or
    # time zones, which read differently.)
    parsed: dict[str, Any] = {}
    for i in [i for i, v in enumerate(out) if v is _ODD]:
        value = cells[i]
        when = parsed.get(value, _ODD) if type(value) is str else _ODD
        if when is _ODD:
            try:
                when = to_datetime(value, date1904=date1904)
            except (ValueError, OverflowError):  # CoerceError is a ValueError
                when = _UNUSABLE
            if type(value) is str:
                parsed[value] = when
        if when is _UNUSABLE:
            out[i] = None
            b.reject(i, key, "bad-date", value=_show(value), example=_EXAMPLE[kind])
        else:
            out[i] = when
    if kind == _DATE:
        out = [None if v is None else v.date() for v in out]
    return out


def _read_numbers(b: _Batch, key: str, kind: int, cells: Sequence[Any]) -> list[Any]:
    out: list[Any] = [None] * len(cells)
    for i, value in enumerate(cells):
        if value is None or value == "":
            continue
        try:
            n = to_number(value)
        except (ValueError, OverflowError):
            b.reject(i, key, "bad-number", value=_show(value),
                     example="12" if kind == _INT else "1,200.50")
            continue
        if n is None:
            continue
        if kind == _INT and not n.is_integer():
            b.reject(i, key, "bad-number", "bad-whole", value=_show(value))
        elif n < 0:
            b.reject(i, key, "bad-number", "bad-negative", value=_show(value))
        else:
            out[i] = int(n) if kind == _INT else n
    return out


def _read_texts(b: _Batch, key: str, kind: int, cells: Sequence[Any]) -> list[Any]:
    if kind == _ENUM:
        return _read_choices(b, key, cells)
    try:  # text or '' (a blank) in nearly every cell: one pass in C trims them all
        out: list[Any] = [s or None for s in map(str.strip, cells)]
    except TypeError:  # a number, a date or a None (rows made by hand) among them
        out = [(v.strip() or None) if type(v) is str else None if v is None else text(v)
               for v in cells]
    if kind == _TEXT or kind == _CASE_ID:  # 投诉编号 is checked once 受理时间 is known
        return out
    # A customer who complains again gives the same number and address: each distinct one
    # is checked once, and the register is walked again only when one of them is bad.
    ok, template = (_phone_ok, "bad-phone") if kind == _PHONE else (_email_ok, "bad-email")
    bad = {s for s in set(out) if s is not None and not ok(s)}
    if bad:
        for i in [i for i, s in enumerate(out) if s in bad]:
            b.reject(i, key, template, value=_show(out[i]))
            out[i] = out[i] if key in _KEEP_BAD else None
    return out


def _read_choices(b: _Batch, key: str, cells: Sequence[Any]) -> list[Any]:
    ctx = b.ctx
    # One pass in C: a cell typed exactly as a choice becomes that choice, one shared object
    # whose hash is known, so the rules and the routing after this compare it cheaply; an
    # empty cell becomes None. What is left (_ODD) is trimmed and looked at closely.
    out: list[Any] = list(map(ctx.exact[key].get, cells, repeat(_ODD)))
    odd = [i for i, s in enumerate(out) if s is _ODD]
    if not odd:
        return out
    allowed, loose = ctx.allowed[key], ctx.loose[key]
    for i in odd:
        v = cells[i]
        s = (v.strip() or None) if type(v) is str else None if v is None else text(v)
        out[i] = s
        if s is None or s in allowed:
            continue
        good = loose.get(_loose(s))
        if good is not None:
            out[i] = good
            continue
        b.reject(i, key, "bad-enum", value=_show(s), choices=ctx.listing(key))
        out[i] = s if key in _KEEP_BAD else None
    return out


def _check_rows(b: _Batch, as_of: datetime) -> None:
    """The rules that look at more than one cell, or at a blank one; each runs down the
    register. A row's findings come in the order the rules are listed here."""
    ctx = b.ctx
    index = ctx.headers.index
    add = b.add

    for key in _REQUIRED:
        if key in ctx.required:
            missing = b.blanks(key)
            hint = _hint(ctx, key) if missing else ""
            for i in missing:
                add(i, "missing", key, hint=hint)
    description = b.col("description")
    for i in [i for i, d in enumerate(description) if d is not None
              and len(d) < _MIN_DESCRIPTION]:
        add(i, "missing", "description", "missing-short", value=_show(description[i]))
    for i in b.blanks("phone"):
        if "email" not in index:  # no 邮箱 column to point to
            add(i, "missing", "phone", "missing-phone")
        elif b.blank("email", i):
            add(i, "missing", "phone", "missing-contact", email=ctx.header("email"))

    category = b.col("category")
    for name, needed in ((_QUALITY, ("product", "batch", "evidence")),
                         (_TRANSPORT, ("evidence",))):
        these = [i for i, c in enumerate(category) if c == name]
        for key in needed:
            for i in b.blanks(key, these):
                add(i, "missing", key, "missing-for-category", category=name,
                    category_header=ctx.header("category"), hint=_hint(ctx, key))

    status, closed_at = b.col("status"), b.col("closed_at")
    closed = [i for i, s in enumerate(status) if s == _CLOSED]
    for i in b.blanks("resolution", closed):
        add(i, "missing", "resolution", "missing-to-close", why="",
            status=ctx.header("status"), hint=_hint(ctx, "resolution"))
    follow_up = b.col("follow_up")
    no_follow_up = set(b.blanks("follow_up", closed))
    for i in closed:
        if i in no_follow_up:
            add(i, "missing", "follow_up", "missing-to-close", status=ctx.header("status"),
                why=ctx.fragment("why-follow-up"), hint=_hint(ctx, "follow_up"))
        elif follow_up[i] == _UNHAPPY:
            add(i, "unhappy-closed", "follow_up", status=ctx.header("status"))
    # Not also `missing`: the mismatch says what is wrong with the pair.
    for i in b.blanks("closed_at", closed):
        add(i, "status-mismatch", "closed_at", "status-closed-no-time",
            status=ctx.header("status"))
    # Only a register that has both columns is asked for them (docs/capa.md).
    if "root_cause" in index and "corrective_action" in index:
        substantiated = b.col("substantiated")
        asked = [i for i in closed if substantiated[i] == _SUBSTANTIATED]
        no_cause = set(b.blanks("root_cause", asked))
        no_action = set(b.blanks("corrective_action", asked))
        for i in asked:  # one finding: the first of the two that is lacking
            lacking = ("root_cause" if i in no_cause else "corrective_action" if i in no_action
                       else None)
            if lacking is not None:
                add(i, "no-capa", lacking, hint=_hint(ctx, lacking),
                    substantiated=ctx.header("substantiated"))
    for i in b.blanks("resolution", [i for i, s in enumerate(status) if s == _UNRESOLVABLE]):
        add(i, "missing", "resolution", "missing-unresolvable", status=ctx.header("status"))
    for i in [i for i, (s, c) in enumerate(zip(status, closed_at, strict=True))
              if c is not None and s in _OPEN_STATUSES]:
        add(i, "status-mismatch", "status", "status-open-closed-at", value=status[i],
            closed=ctx.header("closed_at"), closed_value=_stamp(closed_at[i]))

    for key, now in (("received_at", as_of), ("first_response_at", as_of),
                     ("closed_at", as_of), ("delivered_on", as_of.date()),
                     ("action_done_on", as_of.date())):
        col = b.col(key)
        for i in [i for i, w in enumerate(col) if w is not None and w > now]:
            add(i, "future", key, value=_stamp(col[i]), as_of=_stamp(as_of))

    received = b.col("received_at")
    for key in ("first_response_at", "closed_at"):
        col = b.col(key)
        for i in [i for i, (w, r) in enumerate(zip(col, received, strict=True))
                  if w is not None and r is not None and w < r]:
            add(i, "order", key, value=_stamp(col[i]),
                received=ctx.header("received_at"), received_value=_stamp(received[i]))
    done = b.col("action_done_on")  # a date: done on the day of receipt is in order
    for i in [i for i, (d, r) in enumerate(zip(done, received, strict=True))
              if d is not None and r is not None and d < r.date()]:
        add(i, "order", "action_done_on", value=_stamp(done[i]),
            received=ctx.header("received_at"), received_value=_stamp(received[i]))
    delivered = b.col("delivered_on")
    for i in [i for i, (c, d) in enumerate(zip(category, delivered, strict=True))
              if c == _TRANSPORT and d is not None]:
        r = received[i]
        if r is not None and (days := (r.date() - delivered[i]).days) > _CLAIM_DAYS:
            add(i, "late-claim", "delivered_on", value=_stamp(delivered[i]), days=days,
                received=ctx.header("received_at"), received_value=_stamp(r))

    for i in [i for i, e in enumerate(b.col("effect")) if e == _INEFFECTIVE]:
        add(i, "action-ineffective", "effect")

    # The usual case number is plainly right: its 受理时间's YYMM, "-", then four digits (or
    # more, not starting with 0, as CASE_ID_RE has it). Only the others are looked at closely.
    case_ids, prefixes = b.col("case_id"), _month_prefixes(received)
    for i in [i for i, (c, p) in enumerate(zip(case_ids, prefixes, strict=True))
              if c is not None and not (c[:5] == p and _PLAIN_SERIAL(c, 5))]:
        _check_case_id(b, i, case_ids[i], received[i])


# The serial after "YYMM-" of a plainly right case number (ASCII digits only).
_PLAIN_SERIAL = re.compile(r"[0-9]{4}|[1-9][0-9]{4,}").fullmatch


def _month_prefixes(received: list[datetime | None]) -> list[str | None]:
    """Each 受理时间's "YYMM-", formatted once per month."""
    months = [None if r is None else r.year * 100 + r.month for r in received]
    known: dict[int | None, str | None] = {
        m: None if m is None else _yymm(datetime(m // 100, m % 100, 1)) + "-"
        for m in set(months)}
    return list(map(known.__getitem__, months))


def _check_case_id(b: _Batch, i: int, case_id: str, received: datetime | None) -> None:
    m = CASE_ID_RE.fullmatch(case_id)
    month = int(m.group(2)) if m else 0
    if m is None or not 1 <= month <= 12:
        example = f"{_yymm(received) if received else '2611'}-0001"
        b.add(i, "bad-id", "case_id", value=_show(case_id), example=example)
    elif received is not None and (received.month != month
                                   or received.year % 100 != int(m.group(1))):
        b.add(i, "bad-id", "case_id", "bad-id-month", value=_show(case_id),
              yymm=m.group(1) + m.group(2), expected=_yymm(received),
              received=b.ctx.header("received_at"), received_value=_stamp(received))


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

