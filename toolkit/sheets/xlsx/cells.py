"""How a cell is spelled in a worksheet: its reference, and its value as stored by Excel."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from datetime import time as TimeOfDay

from toolkit.sheets.xlsx.xmlscan import esc

log = logging.getLogger("toolkit.sheets")

# The reader's cell values, so whatever was read can be written back: str, int, float, bool,
# datetime, date, time (a time of day), timedelta (a duration) or None.
TEMPORAL = (datetime, date, TimeOfDay, timedelta)

MAX_TEXT = 32_767  # what Excel keeps in one cell, counted in UTF-16 units (an emoji is two)
CUT_MARK = "…"
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


def excel_length(text: str) -> int:
    """The length of `text` as Excel counts it: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, limit: int = MAX_TEXT) -> bool:
    return len(text) <= limit // 2 or excel_length(text) <= limit


def cut_text(text: str, limit: int = MAX_TEXT, mark: str = CUT_MARK) -> str:
    """`text` if Excel can hold it, else its longest start that can with `mark` appended (never
    half an emoji)."""
    if fits(text, limit):
        return text
    room = limit - excel_length(mark)
    units = text.encode("utf-16-le")[: 2 * room]
    if units and 0xD800 <= int.from_bytes(units[-2:], "little") <= 0xDBFF:
        units = units[:-2]  # the first half of a surrogate pair
    return units.decode("utf-16-le") + mark


def split_text(text: str, limit: int = MAX_TEXT, mark: str = CUT_MARK) -> list[str]:
    """`text` in pieces Excel can hold, every piece but the last ending in `mark`."""
    pieces = []
    while not fits(text, limit):
        piece = cut_text(text, limit, mark)
        pieces.append(piece)
        text = text[len(piece) - len(mark):]
    return [*pieces, text]


def _cell_text(text: str) -> str:
    if not fits(text):
        log.warning("text of %d UTF-16 units cut to Excel's limit of %d", excel_length(text),
                    MAX_TEXT)
        text = cut_text(text)
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    if BAD_XML_CHARS.search(text):
        text = BAD_XML_CHARS.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return esc(text)


def inline(p: bytes, ref: bytes, style: int, text: str) -> bytes:
    return inline_cell(p, ref, style, inline_text(text))


def inline_cell(p: bytes, ref: bytes, style: int, shown: tuple[bytes, bytes]) -> bytes:
    """An inline string cell from what inline_text made of its text."""
    s = b' s="%d"' % style if style else b""
    body, space = shown
    return (b'<%sc r="%s"%s t="inlineStr"><%sis><%st%s>%s</%st></%sis></%sc>'
            % (p, ref, s, p, p, space, body, p, p, p))


def inline_text(text: str) -> tuple[bytes, bytes]:
    """The <t> content of an inline string cell, and the attribute it needs (if any)."""
    body = _cell_text(text).encode("utf-8")
    space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
    return body, space


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
