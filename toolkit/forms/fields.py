"""What goes into the approval form: the placeholder names staff see in the Word template and
how each value is shown (Chinese dates, money with two decimals, blanks to fill by hand).
The placeholder list is documented in docs/forms.md."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from toolkit.findings import FLAGS
from toolkit.register import STAFF_COLUMNS
from toolkit.rules.engine import CaseResult

# Shown where a value is empty or unusable: a line to fill in by hand, never "None".
BLANK = "_" * 12

# Placeholders derived by the toolkit rather than typed by staff: name -> what it holds.
DERIVED = {
    "公司名称": "设置 sheet, 公司名称",
    "有效级别": "severity after repeat escalation",
    "回复时限": "reply deadline",
    "结案时限": "closure deadline",
    "逾期状态": "overdue status: the deadline flags, or 未逾期 / 按时结案",
    "重复投诉": "the earlier case this one repeats",
    "赔偿金额大写": "compensation in Chinese capital numerals (人民币大写)",
    "行号": "worksheet row number",
}

# Staff columns by placeholder name (the Chinese header), in register order: the corrective-
# action columns 原因分析, 纠正措施, 整改期限 … included.
COLUMN_PLACEHOLDERS: dict[str, str] = {c.zh: c.key for c in STAFF_COLUMNS}

PLACEHOLDERS: tuple[str, ...] = (*COLUMN_PLACEHOLDERS, *DERIVED)


def placeholder(name: str) -> str:
    """How a field is written in the Word template: {{ 投诉编号 }}."""
    return "{{ " + name + " }}"

# Flags that say something about deadlines (escalated is shown through 有效级别).
_DEADLINE_FLAGS = ("response-overdue", "responded-late", "close-overdue", "closed-late",
                   "due-soon", "action-overdue")
# Control characters XML 1.0 cannot carry; tab and newline are kept (the filler shows them).
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FormData:
    """One case's form values as shown (placeholder -> text), and the fields left blank
    because the row has an error there (placeholder, code)."""

    row: int
    case_id: str | None
    customer: str | None
    values: dict[str, str]
    invalid: list[tuple[str, str]] = field(default_factory=list)

    def fingerprint(self, template_digest: str) -> str:
        """A hash of everything printed on the form and of the template it is printed with:
        the same hash means the same document."""
        doc = json.dumps([FORM_VERSION, template_digest, sorted(self.values.items())],
                         ensure_ascii=False)
        return hashlib.sha256(doc.encode("utf-8")).hexdigest()


# Bump when the way values are shown changes, so existing forms are refreshed.
FORM_VERSION = 1


def form_data(r: CaseResult, company: str) -> FormData:
    """The form values of one checked case. A field with an error in the row is left blank
    (and listed in `invalid`); a duplicate 投诉编号 is still printed, it is a valid number."""
    case = r.case
    bad: dict[str, str] = {}
    for f in r.issues:
        if f.level == "error" and f.field and f.code != "duplicate-id":
            bad.setdefault(f.field, f.code)
    values: dict[str, str] = {}
    invalid: list[tuple[str, str]] = []
    for name, key in COLUMN_PLACEHOLDERS.items():
        value = getattr(case, key, None)
        if key == "department":
            value = r.department
        if key in bad:
            invalid.append((name, bad[key]))
            value = None
        values[name] = show(value, money=key == "compensation")
    compensation = None if "compensation" in bad else case.compensation
    values.update({
        "公司名称": show(company),
        "有效级别": show(r.effective_severity),
        "回复时限": show(r.due_response),
        "结案时限": show(r.due_close),
        "逾期状态": overdue_status(r),
        "重复投诉": show(r.repeat_of),
        "赔偿金额大写": show(rmb_upper(compensation) if compensation is not None else None),
        "行号": str(r.row),
    })
    case_id = None if "case_id" in bad else r.case_id
    customer = None if "customer" in bad else case.customer
    return FormData(r.row, case_id, customer, values, invalid)


def show(value: object, *, money: bool = False) -> str:
    """A value as printed on the form."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return BLANK
    if isinstance(value, datetime):
        if value.hour == 0 and value.minute == 0:
            return chinese_date(value)
        return f"{chinese_date(value)} {value:%H:%M}"
    if isinstance(value, date):
        return chinese_date(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        if money:
            return f"{value:,.2f}"
        return str(int(value)) if float(value).is_integer() else f"{value:g}"
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _BAD_XML.sub("", text).strip("\n")


def chinese_date(d: date) -> str:
    """2026年11月24日"""
    return f"{d.year}年{d.month}月{d.day}日"


def overdue_status(r: CaseResult) -> str:
    """The deadline flags in words, or 未逾期 / 按时结案; a re-contact follows its original."""
    labels = [FLAGS[f] for f in _DEADLINE_FLAGS if f in r.flags]
    if labels:
        return "、".join(labels)
    if r.repeat_kind == "recontact":
        return f"重复来电：时限按原投诉 {r.repeat_of or BLANK}"
    if r.case.status == "已结案" and r.due_close is not None:
        return "按时结案"
    if not r.case.is_open:
        return BLANK if r.due_close is None else "已结束，未逾期"
    return "未逾期" if r.due_close is not None else BLANK


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def rmb_upper(amount: float) -> str:
    """An amount of money in Chinese capital numerals, as written on finance forms:
    1200.5 -> 人民币壹仟贰佰元伍角整, 0 -> 人民币零元整."""
    if amount < 0 or amount >= 1e16:
        return f"{amount:,.2f}"
    fen_total = int(round(amount * 100))
    yuan, fen_part = divmod(fen_total, 100)
    jiao, fen = divmod(fen_part, 10)
    out = _integer_upper(yuan) + "元" if yuan else ("" if fen_part else "零元")
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan and fen:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    else:
        out += "整"
    return "人民币" + out


def _integer_upper(n: int) -> str:
    groups = []
    while n:
        n, g = divmod(n, 10000)
        groups.append(g)
    out = ""
    zero_pending = False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or g < 1000):
            out += "零"
        out += _group_upper(g) + _BIG_UNITS[i]
        zero_pending = False
    return out


def _group_upper(g: int) -> str:
    out = ""
    zero = False
    for pos in range(3, -1, -1):
        d = (g // 10 ** pos) % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _SMALL_UNITS[pos]
    return out
