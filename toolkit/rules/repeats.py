"""Repeat complaints and re-contacts (docs/rules.md): which earlier case a complaint repeats."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from toolkit.register import SEVERITIES, Case, severity_rank
from toolkit.rules.nfkc import nfkc

REPEAT = "repeat"
RECONTACT = "recontact"


class RepeatInfo(NamedTuple):
    """How a case relates to an earlier one: `repeat` (重复投诉, the same matter again after
    it was closed), `recontact` (重复来电, the same matter while it was still open) or None.
    `of_row` / `of_case_id` name the earlier case; `effective_severity` is the 有效级别.
    (A named tuple: one is made for nearly every case of a busy customer, and a tuple is made
    three times faster than a frozen dataclass.)"""

    kind: str | None
    of_row: int | None
    of_case_id: str | None
    effective_severity: str | None


def _text_key(text: str | None) -> str | None:
    # Staff type the same name with full-width letters, stray spaces or different case
    # ("ＡＢＣ 公司", "ABC公司", "abc 公司"): NFKC folds the widths, then spaces and case go.
    if not text:
        return None
    key = "".join(nfkc(text).split()).casefold()
    return key or None


def customer_key(name: str | None) -> str | None:
    """The customer name as compared: NFKC, trimmed, inner whitespace removed, case-folded."""
    return _text_key(name)


_NOT_DIGIT = re.compile(r"[^0-9]+")


def phone_key(phone: str | None) -> str | None:
    """The phone number as compared: its digits, in the domestic form for Chinese numbers
    written with the +86 / 0086 country code; None when it has fewer than 7 digits."""
    if not phone:
        return None
    if phone.isascii() and phone.isdigit():
        text = digits = phone  # typed plainly, as most are: skip the normalising below
    else:
        text = nfkc(phone).strip()  # full-width digits are common
        digits = _NOT_DIGIT.sub("", text)
    international = text.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):  # 00 is the dialling prefix that "+" stands for
        digits = digits[2:]
    if len(digits) == 13 and digits.startswith("861"):
        # A mainland mobile (11 digits starting with 1) behind the country code. No domestic
        # number has 13 digits, so this holds even when the "+" was left out.
        digits = digits[2:]
    elif international and digits.startswith("86") and 11 <= len(digits) <= 14:
        # A landline "+86 10 1234 5678" (or "+86 (0)10 ..."): domestic form has the trunk 0.
        rest = digits[2:]
        digits = rest if rest.startswith("0") else "0" + rest
    return digits if len(digits) >= 7 else None


_MISSING = object()
_NEVER = 1 << 62  # the expiry day of an open case: it never falls out of the window


def _escalated(own: str | None, earlier: str | None) -> str:
    # An earlier case whose level is unknown (a bad or blank 投诉级别, reported by validation)
    # is taken as 一般, the lowest it can be, so a repeat is never left unescalated.
    above = SEVERITIES[min(max(severity_rank(earlier), 0) + 1, len(SEVERITIES) - 1)]
    return own if own is not None and severity_rank(own) > severity_rank(above) else above


def _moment(at: datetime) -> int:
    """Microseconds since 0001-01-01: an int sorts and compares far faster than a datetime."""
    seconds = at.toordinal() * 86400 + at.hour * 3600 + at.minute * 60 + at.second
    return seconds * 1_000_000 + at.microsecond


def find_repeats(cases: Sequence[Case], window_days: int) -> dict[int, RepeatInfo]:
    """Worksheet row -> RepeatInfo, for every case.

    Cases are taken in 受理时间 order (ties by row). Each is compared only with earlier cases
    of the same 类别 filed under its customer-name key or its phone key, and of those only the
    ones that are open or were closed within the window, so the work grows with the number of
    cases, not with its square.
    """
    # Unrelated cases (nearly all of them) share one frozen RepeatInfo per level.
    plain = {s: RepeatInfo(None, None, None, s) for s in (*SEVERITIES, None)}
    # Each distinct 类别, 产品, customer name and phone number is normalised once: the first
    # two take a handful of values, and a customer who complains again is written the same way
    # most times (a dict lookup costs a fraction of the NFKC pass).
    text_keys: dict[str | None, str | None] = {}
    phone_keys_: dict[str | None, str | None] = {}

    def short_key(text: str | None) -> str | None:
        key = text_keys.get(text, _MISSING)
        if key is _MISSING:
            key = text_keys[text] = _text_key(text)
        return key  # type: ignore[return-value]

    def phone_of(phone: str | None) -> str | None:
        key = phone_keys_.get(phone, _MISSING)
        if key is _MISSING:
            key = phone_keys_[phone] = phone_key(phone)
        return key  # type: ignore[return-value]

    unknown = plain[None]
    result: dict[int, RepeatInfo] = {c.row: plain.get(c.severity, unknown) for c in cases}
    todo: list[Case] = []
    name_keys: list[str | None] = []  # "类别\nn名称" / "类别\np电话": "\n" is never inside a key
    phone_keys: list[str | None] = []
    for c in cases:
        category = short_key(c.category)
        if c.received_at is None or category is None:
            continue  # cannot be placed in time or matched: no relation either way
        name, phone = short_key(c.customer), phone_of(c.phone)
        if name is None and phone is None:
            continue
        todo.append(c)
        name_keys.append(None if name is None else f"{category}\nn{name}")
        phone_keys.append(None if phone is None else f"{category}\np{phone}")

    # A key that only one case holds can match nothing. Counting keys first (a C loop) lets
    # most cases, a customer's only complaint in a category, skip everything below.
    shared = Counter(name_keys)
    shared.update(phone_keys)
    del shared[None]
    rows_above = max((c.row for c in todo), default=0) + 1
    related: list[tuple[int, int, Case, list[str]]] = []
    for c, name_key, phone_key_ in zip(todo, name_keys, phone_keys, strict=True):
        if shared[name_key] > 1 or shared[phone_key_] > 1:
            if name_key is not None and shared[name_key] > 1:
                keys = ([name_key, phone_key_] if phone_key_ is not None
                        and shared[phone_key_] > 1 else [name_key])
            else:
                keys = [phone_key_]  # type: ignore[list-item]  # shared, so not None
            received = _moment(c.received_at)  # type: ignore[arg-type]  # filtered above
            # One int orders by 受理时间, then by row: sorts far faster than (datetime, row).
            related.append((received * rows_above + c.row, received, c, keys))
    related.sort(key=itemgetter(0))

    # The earlier cases (not re-contacts), as parallel lists indexed by entry number; a larger
    # number is a later 受理时间, i.e. more recent.
    e_row: list[int] = []
    e_case_id: list[str | None] = []
    e_product: list[str | None] = []
    e_closed: list[int | None] = []  # moment of 结案, None while open
    e_expires: list[int] = []  # last day (date ordinal) on which it can still be repeated
    e_severity: list[str | None] = []  # its 有效级别
    # Key -> entry numbers still relevant, in ascending order: open, or closed no more than
    # window_days before the case being looked at. Cases come in time order, so an entry that
    # falls out of the window is dropped for good once a scan meets it.
    live: dict[str, list[int]] = {}
    for _, received, case, keys in related:
        today = case.received_at.toordinal()  # type: ignore[union-attr]  # filtered above
        product = short_key(case.product)
        open_match = closed_match = -1
        for key in keys:
            earlier = live.get(key)
            if not earlier:
                continue
            stale = False
            # Newest first: the first open entry met is this key's most recent, and an open
            # match decides the case whatever was closed, so the scan can stop there. (A
            # customer with many open complaints would otherwise cost a pass over all of them
            # for each new one: quadratic.)
            for e in reversed(earlier):
                if e <= open_match:
                    break  # nothing older can change the answer
                if e_expires[e] < today:
                    # Closed more than window_days before this case, so before every later
                    # one too. What stays and is closed is therefore inside the window. (An
                    # entry open at this moment never expires before it.)
                    stale = True
                    continue
                other = e_product[e]
                if product is not None and other is not None and product != other:
                    continue  # both name a product and they differ: another matter
                closed = e_closed[e]
                if closed is None or closed > received:
                    open_match = e
                    break
                if e > closed_match:
                    closed_match = e
            if stale:
                live[key] = [e for e in earlier if e_expires[e] >= today]

        own = result[case.row].effective_severity
        if open_match >= 0:
            # The same complaint again while it is being handled: counted once (seed 002 3.6),
            # so the row does not join the earlier cases; later rows relate to the original.
            # Its keys are filed under the original, though, so a later complaint that shares
            # only this row's name or phone still finds the matter it belongs to.
            result[case.row] = RepeatInfo(RECONTACT, e_row[open_match], e_case_id[open_match], own)
            for key in keys:
                bucket = live.setdefault(key, [])
                at = bisect_left(bucket, open_match)  # kept in ascending order
                if at == len(bucket) or bucket[at] != open_match:
                    bucket.insert(at, open_match)
            continue

        effective = own
        if closed_match >= 0:
            effective = _escalated(own, e_severity[closed_match])
            result[case.row] = RepeatInfo(REPEAT, e_row[closed_match], e_case_id[closed_match],
                                          effective)

        if case.closed_at is not None:
            closed_at: int | None = _moment(case.closed_at)
            # The window counts calendar days, as staff count "within a month": closed on the
            # 1st, a complaint at any time on the 31st is day 30.
            expires = case.closed_at.toordinal() + window_days
        elif not case.is_open:
            # Closed by 状态 without a 结案时间 (无法解决 needs none; 已结案 without one is a
            # status-mismatch error). It counts as closed, so never as open for re-contacts; its
            # closing moment is unknown but not before its 受理时间, so the window is measured
            # from there: a later case is a repeat only when it certainly fell inside the window.
            closed_at, expires = received, today + window_days
        else:
            closed_at, expires = None, _NEVER
        entry = len(e_row)
        e_row.append(case.row)
        e_case_id.append(case.case_id)
        e_product.append(product)
        e_closed.append(closed_at)
        e_expires.append(expires)
        e_severity.append(effective)
        for key in keys:
            live.setdefault(key, []).append(entry)
    return result
