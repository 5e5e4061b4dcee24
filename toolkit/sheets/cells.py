"""How a cell is spelled in a worksheet: its reference, and its value as stored by Excel."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from datetime import time as TimeOfDay

from toolkit.sheets.xmlscan import esc

log = logging.getLogger("toolkit.sheets")

# The reader's cell values, so whatever was read can be written back: str, int, float, bool,
# datetime, date, time (a time of day), timedelta (a duration) or None.
TEMPORAL = (datetime, date, TimeOfDay, timedelta)

MAX_TEXT = 32_767  # characters Excel keeps in one cell
DEFAULT_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DEFAULT_DATE_FORMAT = "yyyy-mm-dd"
DEFAULT_TIME_FORMAT = "hh:mm"
DEFAULT_DURATION_FORMAT = "[h]:mm"


def column_number(letters: str | bytes) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        n = n * 26 + ord(ch) - 64
    return n


REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def parse_range(text: str) -> tuple[int, int, int, int] | None:
    """(row1, col1, row2, col2) of "A1:C9" or "B2"; None if it is not a plain range."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 2:
        return None
    cells = [REF_RE.fullmatch(p) for p in parts]
    if not all(cells):
        return None
    rows = [int(m.group(2)) for m in cells if m]
    cols = [column_number(m.group(1)) for m in cells if m]
    return min(rows), min(cols), max(rows), max(cols)


# Characters XML 1.0 cannot carry; Excel writes them as _xHHHH_, and a literal "_xHHHH_" in
# text must itself be escaped as _x005F_xHHHH_ or Excel would decode it.
BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff\ud800-\udfff]")
_ESCAPE_LIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def _cell_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        log.warning("text of %d characters cut to Excel's limit of %d", len(text), MAX_TEXT)
        text = text[: MAX_TEXT - 1] + "…"
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    if BAD_XML_CHARS.search(text):
        text = BAD_XML_CHARS.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return esc(text)


def inline(p: bytes, ref: bytes, style: int, text: str) -> bytes:
    s = b' s="%d"' % style if style else b""
    body = _cell_text(text).encode("utf-8")
    space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
    return (b'<%sc r="%s"%s t="inlineStr"><%sis><%st%s>%s</%st></%sis></%sc>'
            % (p, ref, s, p, p, space, body, p, p, p))


def temporal(value: datetime | date | TimeOfDay | timedelta, date1904: bool) -> tuple[bytes, str]:
    """The serial number Excel stores for a date or time, and the format it is shown with
    unless the caller asks for another."""
    if isinstance(value, timedelta):
        return number(value / timedelta(days=1)), DEFAULT_DURATION_FORMAT
    if isinstance(value, TimeOfDay):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return number(seconds / 86400), DEFAULT_TIME_FORMAT
    default = DEFAULT_DATETIME_FORMAT if isinstance(value, datetime) else DEFAULT_DATE_FORMAT
    return number(_serial(value, date1904)), default


def _serial(value: datetime | date, date1904: bool) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    value = value.replace(tzinfo=None)
    if date1904:
        return (value - datetime(1904, 1, 1)) / timedelta(days=1)
    days = (value - datetime(1899, 12, 30)) / timedelta(days=1)
    # Excel counts a 29 February 1900 that never was: serials before March 1900 are one less.
    return days - 1 if days < 61 else days


def number(value: float | int) -> bytes:
    if isinstance(value, int):
        return str(value).encode()
    text = repr(float(value))
    return text[:-2].encode() if text.endswith(".0") else text.encode()
