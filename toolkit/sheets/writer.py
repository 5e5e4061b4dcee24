"""The lossless writer: the one way a command writes into a workbook staff use.

It edits the package the way a careful person would by hand. Every zip part it has no reason
to touch is copied byte for byte; inside the parts it must change (the register sheet, the
style sheet, and — only when a toolkit sheet is added or a formula cell overwritten — the
workbook, its relationships and content types) it splices in exactly the new pieces and keeps
every other byte. openpyxl drops x14 drop-downs, data bars, buttons and chart styles when it
saves (FINDINGS.md); Excelize keeps the features but re-serialises the theme, the package
relationships, the calculation chain and the row attributes, and needs half a minute and
2.7 GB for a 100,000-row register. Cells are written as inline strings, so the shared string
table is never rewritten and text starting with = + - @ can never become a formula.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import posixpath
import re
import secrets
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as TimeOfDay
from pathlib import Path

import python_calamine as calamine

from toolkit.errors import ToolkitError, WorkbookChangedError, WorkbookError, WorkbookLockedError
from toolkit.register import CellValue, column_letter
from toolkit.sheets.lock import Fingerprint, ensure_writable

log = logging.getLogger("toolkit.sheets")

# The reader's cell values, so whatever was read can be written back: str, int, float, bool,
# datetime, date, time (a time of day), timedelta (a duration) or None.
TEMPORAL = (datetime, date, TimeOfDay, timedelta)

MAX_ROW = 1_048_576
MAX_COL = 16_384
MAX_TEXT = 32_767  # characters Excel keeps in one cell
DEFAULT_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DEFAULT_DATE_FORMAT = "yyyy-mm-dd"
DEFAULT_TIME_FORMAT = "hh:mm"
DEFAULT_DURATION_FORMAT = "[h]:mm"
BACKUP_DIR = ".bak"
_TEMP_MARK = ".~toolkit-"
_STALE_TEMP_SECONDS = 3600
_VERIFY_SAMPLE = 200  # written cells read back from the temporary file


# ---------------------------------------------------------------------------
# What a caller asks for


@dataclass
class ColumnWrite:
    """Cells of one register column. Only changed cells are given (the caller diffs)."""

    column: int  # 1-based column number in the register sheet
    values: dict[int, CellValue]  # worksheet row -> value; None clears the cell
    number_format: str | None = None  # for the written cells holding dates and times
    width: float | None = None  # column width as Excel shows it (used for appended columns)


@dataclass
class Highlight:
    """One conditional-formatting rule the toolkit owns."""

    sqref: str  # e.g. "AG2:AG1048576": fixed full-column ranges, so re-runs replace exactly
    formula: str  # e.g. 'ISNUMBER(SEARCH("逾期",$AG2))'
    fill: str  # "FFC7CE"
    font_color: str | None = None


@dataclass
class OwnedSheet:
    """A sheet the toolkit owns, replaced whole on each run (created after the existing sheets)."""

    name: str
    rows: list[list[CellValue]]  # row 1 is a header row (bold, frozen)
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "'S'!H12"
    number_formats: dict[int, str] = field(default_factory=dict)  # 1-based column -> format


@dataclass
class WorkbookEdit:
    sheet: str  # the register sheet the column writes and highlights go to
    columns: list[ColumnWrite] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    owned_sheets: list[OwnedSheet] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.owned_sheets or self.highlights
                    or any(c.values or c.width is not None for c in self.columns))


@dataclass
class SaveResult:
    path: Path
    backup: Path | None
    changed: bool
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)  # read, edit, zip, verify, replace


# ---------------------------------------------------------------------------
# Saving


def save_edit(
    path: Path,
    edit: WorkbookEdit,
    *,
    expected: Fingerprint | None,
    backups: int = 10,
    verify: Callable[[Path], None] | None = None,
) -> SaveResult:
    """Apply `edit` to the workbook at `path` atomically, keeping everything else as it was.

    `expected` is the fingerprint taken when the workbook was read (None: skip that check).
    The newest `backups` copies of the previous file are kept in a .bak folder beside it.
    `verify(tmp)` may raise to reject the written file before it replaces the original.
    Raises WorkbookError subclasses (exit 2); on any failure the original is left untouched.
    """
    started = time.perf_counter()
    path = Path(path)
    if path.is_symlink():
        # Replacing a link would leave the real workbook behind: write through to it.
        path = Path(os.path.realpath(path))
    if edit.is_empty():
        log.info("%s: nothing to write", path)
        return SaveResult(path, None, False, time.perf_counter() - started)
    _check_edit(edit)
    ensure_writable(path, None)  # open in Excel? The content is compared just below.
    phases: dict[str, float] = {}
    clock = _Clock(phases)
    raw, read_fp = _read_original(path)
    if expected is not None and read_fp.sha256 != expected.sha256:
        raise WorkbookChangedError("someone saved the workbook since it was read; run again",
                                   path=path)
    _remove_stale_temps(path)
    tmp = path.with_name(f".{path.stem}{_TEMP_MARK}{os.getpid()}-{secrets.token_hex(3)}"
                         f"{path.suffix}")
    backup: Path | None = None
    try:
        clock("read")
        written = _write_package(raw, edit, tmp, path, clock)
        _verify_written(tmp, written, path)
        clock("verify")
        if verify is not None:
            try:
                verify(tmp)
            except ToolkitError:
                raise
            except Exception as e:  # a caller's check: any failure means "do not replace"
                raise WorkbookError(f"the written workbook failed a check ({e}); "
                                    "the original was left unchanged", path=path) from e
        # Someone may have saved (or opened the file in Excel) while we worked.
        ensure_writable(path, read_fp)
        backup = _backup(path, raw, backups)
        _replace(tmp, path)
        clock("replace")
    except ToolkitError:
        raise
    except MemoryError:
        raise WorkbookError("not enough memory to write the workbook; it was left unchanged",
                            path=path) from None
    except OSError as e:
        raise WorkbookError(f"cannot write the workbook ({e.strerror or e}); it was left "
                            "unchanged", path=path) from e
    except Exception as e:  # a bug here must still leave the original untouched, and say so
        log.debug("writing %s failed", path, exc_info=True)
        raise WorkbookError(f"cannot write the workbook (internal error: {type(e).__name__}: "
                            f"{e}); it was left unchanged", path=path) from e
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove the temporary file %s", tmp)
    seconds = time.perf_counter() - started
    log.info("%s: written in %.2fs (%s); backup %s", path, seconds,
             ", ".join(f"{k} {v:.2f}s" for k, v in phases.items()), backup)
    return SaveResult(path, backup, True, seconds, phases)


class _Clock:
    """Seconds spent in each phase since the previous call, for the log and SaveResult."""

    def __init__(self, phases: dict[str, float]) -> None:
        self.phases, self.last = phases, time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self.last
        self.last = now


def _check_edit(edit: WorkbookEdit) -> None:
    """Reject an edit the writer could only carry out by corrupting the file."""
    seen: set[int] = set()
    for c in edit.columns:
        if not 1 <= c.column <= MAX_COL:
            raise WorkbookError(f"cannot write column {c.column}: Excel has columns 1–{MAX_COL}")
        if c.column in seen:
            raise WorkbookError(f"column {c.column} is written twice in one edit")
        seen.add(c.column)
        if c.values and not (1 <= min(c.values) and max(c.values) <= MAX_ROW):
            raise WorkbookError(f"cannot write rows {min(c.values)}–{max(c.values)}: Excel has "
                                f"rows 1–{MAX_ROW}")
        for row, value in c.values.items():
            if value is None or type(value) is str or type(value) is int:
                continue  # the common cases, checked without a call
            _check_value(value, f"{column_letter(c.column)}{row}")
    names: set[str] = set()
    for s in edit.owned_sheets:
        if not _valid_sheet_name(s.name):
            raise WorkbookError(f"{s.name!r} is not a valid Excel sheet name")
        if s.name.casefold() in names or s.name.casefold() == edit.sheet.casefold():
            raise WorkbookError(f"sheet {s.name} is written twice in one edit")
        names.add(s.name.casefold())
        for r, cells in enumerate(s.rows, start=1):
            for c_, value in enumerate(cells, start=1):
                _check_value(value, f"{s.name}!{column_letter(c_)}{r}")
    for h in edit.highlights:
        _color(h.fill)
        if h.font_color:
            _color(h.font_color)


def _check_value(value: object, where: str) -> None:
    if value is None or isinstance(value, (str, bool, int, *TEMPORAL)):
        if isinstance(value, (datetime, date)) and value.year < 1900:
            raise WorkbookError(f"cannot write {where}: Excel has no dates before 1900")
        if isinstance(value, timedelta) and value < timedelta(0):
            raise WorkbookError(f"cannot write {where}: Excel has no negative durations")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WorkbookError(f"cannot write {where}: {value} is not a number Excel can hold")
        return
    raise WorkbookError(f"cannot write {where}: unsupported value type {type(value).__name__}")


def _valid_sheet_name(name: str) -> bool:
    return (0 < len(name) <= 31 and not set(name) & set("[]:*?/\\")
            and not name.startswith("'") and not name.endswith("'"))


def _read_original(path: Path) -> tuple[bytes, Fingerprint]:
    try:
        with path.open("rb") as f:
            st = os.fstat(f.fileno())
            raw = f.read()
    except FileNotFoundError:
        raise WorkbookError("no such file", path=path) from None
    except OSError as e:
        raise WorkbookError(f"cannot read the file ({e.strerror or e})", path=path) from None
    return raw, Fingerprint(len(raw), st.st_mtime_ns, hashlib.sha256(raw).hexdigest())


def _remove_stale_temps(path: Path) -> None:
    """Temporary files left by a run that was killed half-way (they never replaced anything)."""
    prefix = f".{path.stem}{_TEMP_MARK}"
    try:
        for entry in os.scandir(path.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(path.suffix):
                if time.time() - entry.stat().st_mtime > _STALE_TEMP_SECONDS:
                    os.unlink(entry.path)
                    log.info("removed a stale temporary file %s", entry.path)
    except OSError:
        pass


def _backup(path: Path, raw: bytes, keep: int) -> Path | None:
    """Copy the previous file into <folder>/.bak/<stem>.<YYYYmmdd-HHMMSS[-n]><ext>, keeping the
    newest `keep` copies of this workbook (other workbooks' copies in the folder are theirs)."""
    if keep <= 0:
        return None
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    pattern = re.compile(re.escape(path.stem) + r"\.(\d{8}-\d{6})(?:-(\d+))?"
                         + re.escape(path.suffix) + "$")

    def copies() -> list[tuple[tuple[str, int], Path]]:
        found = []
        for entry in folder.iterdir():
            m = pattern.match(entry.name)
            if m and entry.is_file():
                found.append(((m.group(1), int(m.group(2) or 1)), entry))
        return sorted(found)

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    # Within one second, number the copies so the newest always sorts last.
    n = max((k[1] for k, _ in copies() if k[0] == stamp), default=0) + 1
    while True:
        target = folder / f"{path.stem}.{stamp}{f'-{n}' if n > 1 else ''}{path.suffix}"
        try:
            with target.open("xb") as f:
                f.write(raw)
                f.flush()
                os.fsync(f.fileno())
            break
        except FileExistsError:
            n += 1
    try:
        st = path.stat()
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    except OSError:
        pass
    for _, old in copies()[:-keep]:
        try:
            old.unlink()
        except OSError:
            log.warning("could not remove the old backup %s", old)
    return target


def _replace(tmp: Path, path: Path) -> None:
    try:
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except OSError:
            pass  # a share that ignores modes: the replace below still works
        os.replace(tmp, path)
    except PermissionError:
        # Windows refuses to replace a file another program (Excel) holds open.
        raise WorkbookLockedError("the workbook is in use by another program (Excel?); close it "
                                  "and run again", path=path) from None


# ---------------------------------------------------------------------------
# Cell references


def column_number(letters: str | bytes) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode():
        n = n * 26 + ord(ch) - 64
    return n


_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def _parse_range(text: str) -> tuple[int, int, int, int] | None:
    """(row1, col1, row2, col2) of "A1:C9" or "B2"; None if it is not a plain range."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 2:
        return None
    cells = [_REF_RE.fullmatch(p) for p in parts]
    if not all(cells):
        return None
    rows = [int(m.group(2)) for m in cells if m]
    cols = [column_number(m.group(1)) for m in cells if m]
    return min(rows), min(cols), max(rows), max(cols)


# ---------------------------------------------------------------------------
# XML surgery: find elements by scanning tags, never re-serialise


_TOKEN = re.compile(
    rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<!(DOCTYPE|ENTITY)"
    rb"|<(/?)([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)
_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class _Malformed(Exception):
    """A part is not XML this writer can edit safely."""


@dataclass
class _El:
    qname: bytes
    start: int  # offset of "<"
    tag_end: int  # offset after the start tag
    end: int  # offset after the element (== tag_end when self-closing)
    attrs: bytes

    @property
    def local(self) -> bytes:
        return self.qname.rpartition(b":")[2]

    @property
    def closed(self) -> bool:
        return self.end == self.tag_end

    @property
    def inner_end(self) -> int:
        return self.tag_end if self.closed else self.end - len(self.qname) - 3

    def attr(self, name: bytes) -> bytes | None:
        return _attr(self.attrs, name)


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    for m in _ATTR.finditer(attrs):
        if m.group(1) == name:
            return m.group(2) if m.group(2) is not None else m.group(3)
    return None


def _set_attrs(element: bytes, **values: bytes | None) -> bytes:
    """`element` with attributes of its start tag set (None removes one); the rest unchanged."""
    m = _TOKEN.match(element)
    if not m or m.group(3) is None:
        raise _Malformed("not an element")
    attrs = m.group(4)
    for name, value in values.items():
        key = name.encode()
        found = None
        for a in _ATTR.finditer(attrs):
            if a.group(1) == key:
                found = a
                break
        if found:
            # Keep the whitespace before the attribute with it, so removal leaves none behind.
            start = found.start()
            while start > 0 and attrs[start - 1:start].isspace():
                start -= 1
            piece = b"" if value is None else b" " + key + b'="' + value + b'"'
            attrs = attrs[:start] + piece + attrs[found.end():]
        elif value is not None:
            attrs = attrs + b" " + key + b'="' + value + b'"'
    close = b"/>" if m.group(5) else b">"
    return b"<" + m.group(3) + attrs + close + element[m.end():]


def _children(xml: bytes, start: int, end: int, jump: frozenset[bytes] = frozenset()
              ) -> list[_El]:
    """The elements directly inside xml[start:end]. Elements named in `jump` are skipped to
    their end tag without being scanned (sheetData: millions of cells)."""
    out: list[_El] = []
    pos, depth = start, 0
    current: _El | None = None
    while True:
        m = _TOKEN.search(xml, pos, end)
        if not m:
            break
        pos = m.end()
        if m.group(1):
            raise _Malformed("the part declares a DTD or entities")
        qname = m.group(3)
        if qname is None:
            continue  # comment, processing instruction, CDATA
        if m.group(2):
            depth -= 1
            if depth < 0:
                raise _Malformed("unbalanced end tag")
            if depth == 0 and current is not None:
                current.end = m.end()
                out.append(current)
                current = None
            continue
        if depth == 0:
            current = _El(qname, m.start(), m.end(), m.end(), m.group(4))
            if m.group(5):
                out.append(current)
                current = None
                continue
            if current.local in jump:
                close = xml.find(b"</" + qname + b">", m.end(), end)
                if close < 0:
                    raise _Malformed(f"no end tag for {qname.decode()}")
                current.end = close + len(qname) + 3
                out.append(current)
                pos = current.end
                current = None
                continue
            depth = 1
        elif not m.group(5):
            depth += 1
    if depth:
        raise _Malformed("unclosed element")
    return out


def _root(xml: bytes, local: bytes) -> _El:
    """The root element, found from both ends so a large part is never scanned whole."""
    pos = 0
    while True:
        m = _TOKEN.search(xml, pos)
        if not m:
            raise _Malformed("no root element")
        if m.group(1):
            raise _Malformed("the part declares a DTD or entities")
        if m.group(3) is not None:
            break
        pos = m.end()
    qname = m.group(3)
    if m.group(2) or qname.rpartition(b":")[2] != local:
        raise _Malformed(f"expected a {local.decode()} root element")
    el = _El(qname, m.start(), m.end(), m.end(), m.group(4))
    if not m.group(5):
        close = xml.rfind(b"</" + qname + b">")
        if close < m.end() or xml[close + len(qname) + 3:].strip():
            raise _Malformed(f"the {local.decode()} element is not closed")
        el.end = close + len(qname) + 3
    return el


class _Doc:
    """One XML part: its root, the root's children, and pending splices."""

    def __init__(self, xml: bytes, part: str, root: bytes,
                 jump: frozenset[bytes] = frozenset()) -> None:
        if xml[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise WorkbookError(f"the part {part} is UTF-16; open the workbook in Excel and save "
                                "it again")
        self.xml, self.part = xml, part
        try:
            self.root = _root(xml, root)
            self.kids = _children(xml, self.root.tag_end, self.root.inner_end, jump)
        except _Malformed as e:
            raise WorkbookError(f"cannot edit the part {part} ({e}); open the workbook in Excel "
                                "and save it again") from None
        self.p = self.root.qname[: -len(root)]  # namespace prefix with colon, usually b""
        self.splices: list[tuple[int, int, bytes | list[bytes]]] = []

    def kid(self, local: bytes) -> _El | None:
        return next((k for k in self.kids if k.local == local), None)

    def all(self, local: bytes) -> list[_El]:
        return [k for k in self.kids if k.local == local]

    def text(self, el: _El) -> bytes:
        return self.xml[el.start:el.end]

    def replace(self, el: _El, new: bytes | list[bytes]) -> None:
        self.splices.append((el.start, el.end, new))

    def insert(self, pos: int, new: bytes) -> None:
        self.splices.append((pos, pos, new))

    def insert_in_order(self, local: bytes, new: bytes, order: tuple[bytes, ...]) -> None:
        """Insert a new child where the schema's sequence puts it."""
        rank = order.index(local)
        for k in self.kids:
            r = self._rank(k, order)
            if r is not None and r > rank:
                self.insert(k.start, new)
                return
        self.insert(self.root.inner_end, new)

    def _rank(self, el: _El, order: tuple[bytes, ...]) -> int | None:
        if el.local in order:
            return order.index(el.local)
        if el.local == b"AlternateContent":  # wraps controls or oleObjects: rank by what it holds
            inner = _children(self.xml, el.tag_end, el.inner_end)
            for choice in inner:
                for k in _children(self.xml, choice.tag_end, choice.inner_end):
                    if k.local in order:
                        return order.index(k.local)
        return None

    def render(self) -> list[bytes]:
        out: list[bytes] = []
        pos = 0
        for start, end, new in sorted(self.splices, key=lambda s: (s[0], s[1])):
            if start < pos:
                raise AssertionError("overlapping splices")
            out.append(self.xml[pos:start])
            if isinstance(new, list):
                out.extend(new)
            else:
                out.append(new)
            pos = end
        out.append(self.xml[pos:])
        return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _esc_attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


def _unesc(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "&" not in text:
        return text
    return re.sub(r"&(#x[0-9A-Fa-f]+|#\d+|amp|lt|gt|quot|apos);", _entity, text)


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}[name]


# Characters XML 1.0 cannot carry; Excel writes them as _xHHHH_, and a literal "_xHHHH_" in
# text must itself be escaped as _x005F_xHHHH_ or Excel would decode it.
_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff\ud800-\udfff]")
_ESCAPE_LIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def _cell_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        log.warning("text of %d characters cut to Excel's limit of %d", len(text), MAX_TEXT)
        text = text[: MAX_TEXT - 1] + "…"
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    if _BAD_XML_CHARS.search(text):
        text = _BAD_XML_CHARS.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return _esc(text)


# ---------------------------------------------------------------------------
# The package


NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_DOCUMENT = NS_REL + "/officeDocument"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_STYLES = NS_REL + "/styles"
REL_CALCCHAIN = NS_REL + "/calcChain"
REL_TABLE = NS_REL + "/table"
STRICT_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

WS_ORDER = tuple(x.encode() for x in (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
    "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins "
    "pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors "
    "smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls "
    "webPublishItems tableParts extLst").split())
STYLE_ORDER = tuple(x.encode() for x in (
    "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors "
    "extLst").split())


@dataclass
class _Rel:
    id: str
    type: str
    target: str  # resolved part name, no leading slash
    external: bool


class _Package:
    """The zip parts, read lazily, with the replacements made so far."""

    def __init__(self, raw: bytes, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(raw))
        except (zipfile.BadZipFile, ValueError):
            raise WorkbookError("the file is damaged or not an Excel workbook (not a valid .xlsx "
                                "package)", path=path) from None
        self.infos = self.zip.infolist()
        self.by_lower = {i.filename.lower(): i.filename for i in self.infos}
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.removed: set[str] = set()

    def has(self, name: str) -> bool:
        return name.lower() in self.by_lower or name in self.added

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        if name in self.added:
            return self.added[name]
        real = self.by_lower.get(name.lower())
        if real is None:
            raise WorkbookError(f"the workbook has no part {name}; open it in Excel and save it "
                                "again", path=self.path)
        try:
            return self.zip.read(real)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise WorkbookError(f"the part {name} is damaged ({e}); open the workbook in Excel "
                                "and save it again", path=self.path) from None

    def put(self, name: str, data: bytes) -> None:
        real = self.by_lower.get(name.lower())
        if real is not None:
            self.changed[real] = data
        else:
            self.added[name] = data

    def remove(self, name: str) -> None:
        real = self.by_lower.get(name.lower())
        if real is not None:
            self.removed.add(real)

    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> tuple[_Doc | None, list[_Rel]]:
        name = self.rels_name(part)
        if not self.has(name):
            return None, []
        doc = _Doc(self.read(name), name, b"Relationships")
        out = []
        for el in doc.all(b"Relationship"):
            rid, rtype, target = (_unesc(el.attr(a) or b"") for a in (b"Id", b"Type", b"Target"))
            external = (el.attr(b"TargetMode") or b"") == b"External"
            if not external:
                base = "" if target.startswith("/") else posixpath.dirname(part)
                target = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
            out.append(_Rel(rid, rtype, target, external))
        return doc, out

    def write(self, tmp: Path) -> None:
        now = time.localtime()[:6]
        with tmp.open("xb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
                for info in self.infos:
                    if info.filename in self.removed:
                        continue
                    data = self.changed.get(info.filename)
                    if data is None:
                        data = self.read(info.filename)
                    zi = zipfile.ZipInfo(info.filename, info.date_time)
                    zi.compress_type = (zipfile.ZIP_STORED if info.compress_type ==
                                        zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED)
                    zi.external_attr = info.external_attr
                    out.writestr(zi, data)
                for name, data in self.added.items():
                    zi = zipfile.ZipInfo(name, now)
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(zi, data)
                out.comment = self.zip.comment
            fh.flush()
            os.fsync(fh.fileno())


@dataclass
class _SheetRef:
    name: str
    sheet_id: int
    rel_id: str
    part: str | None  # None when the relationship is missing
    element: _El


@dataclass
class _Written:
    """What the verification reads back."""

    register: str | None
    cells: list[tuple[int, int, CellValue]]  # a sample: (row, col, value)
    columns: set[int]
    sheets: list[str]  # every sheet name the new file must have
    owned_rows: dict[str, int]
    last_row: int = 0  # the last register row holding a value the edit does not touch


def _write_package(raw: bytes, edit: WorkbookEdit, tmp: Path, path: Path,
                   clock: Callable[[str], None]) -> _Written:
    pkg = _Package(raw, path)
    _, root_rels = pkg.rels("")
    doc_rel = next((r for r in root_rels if r.type == REL_DOCUMENT), None)
    if doc_rel is None:
        if any(r.type == STRICT_DOCUMENT for r in root_rels):
            raise WorkbookError("the workbook is saved as Strict Open XML; save it in Excel as "
                                "an ordinary Excel Workbook (.xlsx/.xlsm) and run again",
                                path=path)
        raise WorkbookError("not an Excel workbook (no workbook part)", path=path)
    book_part = doc_rel.target
    book = _Doc(pkg.read(book_part), book_part, b"workbook")
    book_rels_doc, book_rels = pkg.rels(book_part)
    sheets = _sheet_refs(book, book_rels)
    date1904 = False
    pr = book.kid(b"workbookPr")
    if pr is not None and (pr.attr(b"date1904") or b"") in (b"1", b"true"):
        date1904 = True
    styles_rel = next((r for r in book_rels if r.type == REL_STYLES), None)
    if styles_rel is None or not pkg.has(styles_rel.target):
        raise WorkbookError("the workbook has no style sheet; open it in Excel and save it "
                            "again", path=path)
    styles = _Styles(pkg.read(styles_rel.target), styles_rel.target)
    drop_calc_chain = False
    written = _Written(None, [], set(), [s.name for s in sheets], {})

    if edit.columns or edit.highlights:
        ref = _find_sheet(sheets, edit.sheet)
        if ref is None or ref.part is None:
            raise WorkbookError(f"there is no worksheet named {edit.sheet}", path=path)
        ws = _Worksheet(pkg.read(ref.part), ref.part, styles, date1904)
        _guard_table_headers(pkg, ref.part, edit)
        ws.write_columns(edit.columns)
        ws.set_highlights(edit.highlights)
        pkg.put(ref.part, b"".join(ws.doc.render()))
        drop_calc_chain |= ws.overwrote_formula
        written.register = ref.name
        written.columns = {c.column for c in edit.columns}
        written.cells = _sample(edit.columns)
        written.last_row = ws.last_value_row(written.columns)

    new_sheets: list[bytes] = []
    for owned in edit.owned_sheets:
        ref = _find_sheet(sheets, owned.name)
        xml = _owned_sheet_xml(owned, styles, date1904,
                               selected=ref is not None and ref.part is not None
                               and _is_tab_selected(pkg.read(ref.part)))
        if ref is not None:
            if ref.part is None:  # a chart sheet, or a broken entry
                raise WorkbookError(f"sheet {owned.name} is not an ordinary worksheet; rename "
                                    "or delete it and run again", path=path)
            if b"<f" in pkg.read(ref.part):
                drop_calc_chain = True  # its formulas go, so must their calculation-chain entries
            pkg.put(ref.part, xml)
        else:
            new_sheets.append(_add_sheet(pkg, book, book_part, book_rels, sheets, owned.name, xml))
            written.sheets.append(owned.name)
        written.owned_rows[owned.name] = len(owned.rows)
    if new_sheets:
        sheets_el = book.kid(b"sheets")
        assert sheets_el is not None
        book.insert(sheets_el.inner_end, b"".join(new_sheets))
    if drop_calc_chain:
        _drop_calc_chain(pkg, book_part, book_rels_doc, book_rels)
    if book.splices:
        pkg.put(book_part, b"".join(book.render()))
    new_styles = styles.render()
    if new_styles is not None:
        pkg.put(styles_rel.target, new_styles)
    clock("edit")
    pkg.write(tmp)
    clock("zip")
    return written


def _sheet_refs(book: _Doc, rels: list[_Rel]) -> list[_SheetRef]:
    sheets_el = book.kid(b"sheets")
    if sheets_el is None:
        raise WorkbookError("the workbook lists no sheets; open it in Excel and save it again")
    by_id = {r.id: r for r in rels}
    out = []
    for el in _children(book.xml, sheets_el.tag_end, sheets_el.inner_end):
        if el.local != b"sheet":
            continue
        rid = next((m.group(2) or m.group(3) for m in _ATTR.finditer(el.attrs)
                    if m.group(1).endswith(b":id")), b"").decode()
        rel = by_id.get(rid)
        out.append(_SheetRef(_unesc(el.attr(b"name") or b""), int(el.attr(b"sheetId") or 0),
                             rid, rel.target if rel and rel.type == REL_WORKSHEET else None, el))
    return out


def _find_sheet(sheets: list[_SheetRef], name: str) -> _SheetRef | None:
    # Excel treats sheet names case-insensitively.
    return next((s for s in sheets if s.name == name), None) or next(
        (s for s in sheets if s.name.casefold() == name.casefold()), None)


def _is_tab_selected(xml: bytes) -> bool:
    head = xml[: xml.find(b"sheetData")] if b"sheetData" in xml else xml
    return re.search(rb'tabSelected="(1|true)"', head) is not None


def _add_sheet(pkg: _Package, book: _Doc, book_part: str, rels: list[_Rel],
               sheets: list[_SheetRef], name: str, xml: bytes) -> bytes:
    """Add a worksheet part after the existing sheets; return its <sheet> entry."""
    folder = posixpath.dirname(book_part)
    n = 1
    while pkg.has(posixpath.join(folder, f"worksheets/sheet{n}.xml")):
        n += 1
    part = posixpath.join(folder, f"worksheets/sheet{n}.xml")
    pkg.put(part, xml)
    used = {r.id for r in rels}
    k = len(used) + 1
    while f"rId{k}" in used:
        k += 1
    rid = f"rId{k}"
    rels.append(_Rel(rid, REL_WORKSHEET, part, False))
    rels_name = pkg.rels_name(book_part)
    rels_doc = _Doc(pkg.read(rels_name), rels_name, b"Relationships")
    rels_doc.insert(rels_doc.root.inner_end, (
        f'<{rels_doc.p.decode()}Relationship Id="{rid}" Type="{REL_WORKSHEET}" '
        f'Target="worksheets/sheet{n}.xml"/>').encode())
    pkg.put(rels_name, b"".join(rels_doc.render()))
    types = _Doc(pkg.read("[Content_Types].xml"), "[Content_Types].xml", b"Types")
    types.insert(types.root.inner_end, (f'<{types.p.decode()}Override PartName="/{part}" '
                                        f'ContentType="{CT_WORKSHEET}"/>').encode())
    pkg.put("[Content_Types].xml", b"".join(types.render()))
    sheet_id = max((s.sheet_id for s in sheets), default=0) + 1
    r_prefix = _prefix_for(book, NS_REL) or "r"
    sheets.append(_SheetRef(name, sheet_id, rid, part, book.root))
    return (f'<{book.p.decode()}sheet name="{_esc_attr(name)}" sheetId="{sheet_id}" '
            f'{r_prefix}:id="{rid}"/>').encode()


def _prefix_for(doc: _Doc, ns: str) -> str | None:
    for m in _ATTR.finditer(doc.root.attrs):
        key = m.group(1).decode()
        if key.startswith("xmlns:") and (m.group(2) or m.group(3) or b"").decode() == ns:
            return key[6:]
    return None


def _drop_calc_chain(pkg: _Package, book_part: str, rels_doc: _Doc | None,
                     rels: list[_Rel]) -> None:
    """Remove the calculation chain after a formula cell was overwritten: a chain naming a cell
    without a formula makes Excel "repair" the file, a missing one is simply rebuilt."""
    chain = next((r for r in rels if r.type == REL_CALCCHAIN), None)
    if chain is None or rels_doc is None:
        return
    pkg.remove(chain.target)
    rels_name = pkg.rels_name(book_part)
    current = _Doc(pkg.read(rels_name), rels_name, b"Relationships")
    for el in current.all(b"Relationship"):
        if _unesc(el.attr(b"Type") or b"") == REL_CALCCHAIN:
            current.replace(el, b"")
    pkg.put(rels_name, b"".join(current.render()))
    types = _Doc(pkg.read("[Content_Types].xml"), "[Content_Types].xml", b"Types")
    for el in types.all(b"Override"):
        if _unesc(el.attr(b"PartName") or b"").lstrip("/").lower() == chain.target.lower():
            types.replace(el, b"")
    pkg.put("[Content_Types].xml", b"".join(types.render()))
    log.info("removed the calculation chain (Excel rebuilds it) after overwriting a formula")


def _guard_table_headers(pkg: _Package, part: str, edit: WorkbookEdit) -> None:
    """A table's header cells must match its column names, or Excel repairs the file."""
    _, rels = pkg.rels(part)
    for rel in rels:
        if rel.type != REL_TABLE or rel.external or not pkg.has(rel.target):
            continue
        table = _Doc(pkg.read(rel.target), rel.target, b"table")
        box = _parse_range((table.root.attr(b"ref") or b"").decode())
        if box is None or (table.root.attr(b"headerRowCount") or b"1") == b"0":
            continue
        r1, c1, _, c2 = box
        for c in edit.columns:
            if c1 <= c.column <= c2 and r1 in c.values:
                name = _unesc(table.root.attr(b"displayName") or table.root.attr(b"name") or b"")
                raise WorkbookError(
                    f"cannot write the header cell {column_letter(c.column)}{r1}: it belongs to "
                    f"the table {name}; rename the column in Excel instead", path=pkg.path)


def _sample(columns: list[ColumnWrite]) -> list[tuple[int, int, CellValue]]:
    cells = [(r, c.column, v) for c in columns for r, v in c.values.items()]
    if len(cells) <= _VERIFY_SAMPLE:
        return cells
    step = len(cells) / _VERIFY_SAMPLE
    return [cells[int(i * step)] for i in range(_VERIFY_SAMPLE)] + [cells[-1]]


# ---------------------------------------------------------------------------
# The style sheet: only ever appended to, so every existing style index stays valid


_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9,
                    "0.00%": 10, "0.00E+00": 11, "@": 49}
_BUILTIN_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
_START_TAG = re.compile(
    rb"<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
LINK_COLOR = b"FF0563C1"  # Excel's hyperlink blue


class _Styles:
    def __init__(self, xml: bytes, part: str) -> None:
        self.doc = _Doc(xml, part, b"styleSheet")
        self.p = self.doc.p
        self.items = {c: self._items(c) for c in (b"numFmts", b"fonts", b"cellXfs", b"dxfs")}
        self.new: dict[bytes, list[bytes]] = {c: [] for c in self.items}
        self.formats: dict[str, int] = {}
        for el in self.items[b"numFmts"]:
            m = _START_TAG.match(el)
            if m:
                code, fid = _attr(m.group(2), b"formatCode"), _attr(m.group(2), b"numFmtId")
                if code is not None and fid is not None and fid.isdigit():
                    self.formats.setdefault(_unesc(code), int(fid))
        self.codes = {v: k for k, v in self.formats.items()}
        self.cache: dict[tuple[object, ...], int] = {}
        self.norms: dict[bytes, list[bytes]] = {}

    def _items(self, container: bytes) -> list[bytes]:
        el = self.doc.kid(container)
        if el is None:
            return []
        xml = self.doc.xml
        return [xml[k.start:k.end] for k in _children(xml, el.tag_end, el.inner_end)]

    def _count(self, container: bytes) -> int:
        return len(self.items[container]) + len(self.new[container])

    def _all(self, container: bytes) -> list[bytes]:
        return self.items[container] + self.new[container]

    def _add(self, container: bytes, item: bytes) -> int:
        """Append `item`, or reuse an identical one (a re-run adds no style twice)."""
        if container != b"numFmts":
            if container not in self.norms:
                self.norms[container] = [_normalise_xml(x) for x in self._all(container)]
            norm = _normalise_xml(item)
            if norm in self.norms[container]:
                return self.norms[container].index(norm)
            self.norms[container].append(norm)
        self.new[container].append(item)
        return self._count(container) - 1

    def _xf_attr(self, index: int, name: bytes) -> bytes | None:
        xfs = self._all(b"cellXfs")
        m = _START_TAG.match(xfs[index]) if 0 <= index < len(xfs) else None
        return _attr(m.group(2), name) if m else None

    def num_fmt_id(self, code: str) -> int:
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        if code not in self.formats:
            fid = max([163, *self.formats.values()]) + 1
            self.formats[code] = fid
            self.codes[fid] = code
            self._add(b"numFmts", f'<{self.p.decode()}numFmt numFmtId="{fid}" '
                                  f'formatCode="{_esc_attr(code)}"/>'.encode())
        return self.formats[code]

    def is_date(self, index: int) -> bool:
        fid = self._xf_attr(index, b"numFmtId")
        if fid is None or not fid.isdigit():
            return False
        if int(fid) in _BUILTIN_DATE_IDS:
            return True
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", self.codes.get(int(fid), ""))
        return bool(re.search(r"[ymdhs]", code, re.I))

    def xf(self, base: int, *, num_fmt: int | None = None, font: int | None = None) -> int:
        """A cell style like `base` with the number format and/or font replaced; reuses `base`
        when it already is so, and each variant is added once."""
        xfs = self._all(b"cellXfs")
        if not xfs:
            raise WorkbookError("the style sheet has no cell formats; open the workbook in "
                                "Excel and save it again")
        base = base if 0 <= base < len(xfs) else 0
        want: dict[str, bytes | None] = {}
        if num_fmt is not None and self._xf_attr(base, b"numFmtId") != str(num_fmt).encode():
            want.update(numFmtId=str(num_fmt).encode(), applyNumberFormat=b"1")
        if font is not None and self._xf_attr(base, b"fontId") != str(font).encode():
            want.update(fontId=str(font).encode(), applyFont=b"1")
        if not want:
            return base
        key = (base, num_fmt, font)
        if key not in self.cache:
            self.cache[key] = self._add(b"cellXfs", _set_attrs(xfs[base], **want))
        return self.cache[key]

    def font(self, kind: str) -> int:
        """Font 0 made bold ("bold") or made a blue underlined link ("link")."""
        key = ("font", kind)
        if key in self.cache:
            return self.cache[key]
        fonts = self.items[b"fonts"]
        p = self.p
        base = fonts[0] if fonts else b"<" + p + b"font/>"
        m = _START_TAG.match(base)
        assert m is not None
        inner = b"" if m.group(3) else base[m.end(): base.rfind(b"</")]
        if kind == "bold":
            inner = b"<" + p + b"b/>" + inner
        else:
            inner = re.sub(rb"<(?:[\w.-]+:)?(?:color|u)\b[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?"
                           rb"(?:color|u)>)", b"", inner, flags=re.S)
            inner = b"<" + p + b"u/>" + inner + b"<" + p + b'color rgb="' + LINK_COLOR + b'"/>'
        font = b"<" + m.group(1) + m.group(2) + b">" + inner + b"</" + m.group(1) + b">"
        self.cache[key] = self._add(b"fonts", font)
        return self.cache[key]

    def dxf(self, fill: str, font_color: str | None) -> int:
        """The differential format of a highlight, shared with an identical existing one."""
        p = self.p
        parts = [b"<" + p + b"dxf>"]
        if font_color:
            parts.append(b"<%sfont><%scolor rgb=\"%s\"/></%sfont>"
                         % (p, p, _color(font_color), p))
        parts.append(b"<%sfill><%spatternFill><%sbgColor rgb=\"%s\"/></%spatternFill></%sfill>"
                     % (p, p, p, _color(fill), p, p))
        parts.append(b"</" + p + b"dxf>")
        return self._add(b"dxfs", b"".join(parts))

    def render(self) -> bytes | None:
        if not any(self.new.values()):
            return None
        doc, p = self.doc, self.p
        for container, items in self.new.items():
            if not items:
                continue
            count = str(self._count(container)).encode()
            el = doc.kid(container)
            if el is None:
                doc.insert_in_order(container, b"<%s%s count=\"%s\">%s</%s%s>" % (
                    p, container, count, b"".join(items), p, container), STYLE_ORDER)
            elif el.closed:
                start = _set_attrs(doc.text(el), count=count)
                doc.replace(el, start[:-2].rstrip() + b">" + b"".join(items)
                            + b"</" + el.qname + b">")
            else:
                start = _set_attrs(doc.xml[el.start:el.tag_end], count=count)
                doc.splices.append((el.start, el.tag_end, start))
                doc.insert(el.inner_end, b"".join(items))
        return b"".join(doc.render())


def _normalise_xml(item: bytes) -> bytes:
    item = re.sub(rb">\s+<", b"><", item.strip())
    return re.sub(rb"(</?)[\w.-]+:", rb"\1", item)


def _color(text: str) -> bytes:
    hexa = text.lstrip("#").upper()
    if not re.fullmatch(r"[0-9A-F]{6}|[0-9A-F]{8}", hexa):
        raise WorkbookError(f"{text!r} is not a colour (expected hex like FFC7CE)")
    return (hexa if len(hexa) == 8 else "FF" + hexa).encode()


def _excel_width(width: float) -> float:
    """The stored width that Excel shows as `width` characters (as XlsxWriter computes it for
    the default 11-point font: the shown width excludes Excel's 5-pixel padding)."""
    if width <= 0:
        return 0.0
    pixels = int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)
    return int(pixels / 7 * 256) / 256


def _temporal(value: datetime | date | TimeOfDay | timedelta, date1904: bool) -> tuple[bytes, str]:
    """The serial number Excel stores for a date or time, and the format it is shown with
    unless the caller asks for another."""
    if isinstance(value, timedelta):
        return _number(value / timedelta(days=1)), DEFAULT_DURATION_FORMAT
    if isinstance(value, TimeOfDay):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return _number(seconds / 86400), DEFAULT_TIME_FORMAT
    default = DEFAULT_DATETIME_FORMAT if isinstance(value, datetime) else DEFAULT_DATE_FORMAT
    return _number(_serial(value, date1904)), default


def _serial(value: datetime | date, date1904: bool) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    value = value.replace(tzinfo=None)
    if date1904:
        return (value - datetime(1904, 1, 1)) / timedelta(days=1)
    days = (value - datetime(1899, 12, 30)) / timedelta(days=1)
    # Excel counts a 29 February 1900 that never was: serials before March 1900 are one less.
    return days - 1 if days < 61 else days


def _number(value: float | int) -> bytes:
    if isinstance(value, int):
        return str(value).encode()
    text = repr(float(value))
    return text[:-2].encode() if text.endswith(".0") else text.encode()


# ---------------------------------------------------------------------------
# The register sheet


class _Worksheet:
    def __init__(self, xml: bytes, part: str, styles: _Styles, date1904: bool) -> None:
        self.doc = _Doc(xml, part, b"worksheet", jump=frozenset({b"sheetData"}))
        sd = self.doc.kid(b"sheetData")
        if sd is None:
            raise WorkbookError(f"the part {part} holds no cells (sheetData); open the workbook "
                                "in Excel and save it again")
        self.sd = sd
        self.p = self.doc.p
        self.styles, self.date1904 = styles, date1904
        self.overwrote_formula = False
        self.part = part
        self.cols = self._col_entries()
        self.written: dict[int, set[int]] = {}
        self.letters: dict[int, bytes] = {}
        self.unnumbered_cells = False
        self.date_styles: dict[tuple[int, str], int] = {}

    # -- columns --------------------------------------------------------------

    def _col_entries(self) -> list[tuple[int, int, bytes]]:
        el = self.doc.kid(b"cols")
        if el is None:
            return []
        xml = self.doc.xml
        out = []
        for k in _children(xml, el.tag_end, el.inner_end):
            lo, hi = k.attr(b"min"), k.attr(b"max")
            if k.local == b"col" and lo and hi and lo.isdigit() and hi.isdigit():
                out.append((int(lo), int(hi), xml[k.start:k.end]))
        return out

    def _col_style(self, col: int) -> int:
        for lo, hi, tag in self.cols:
            if lo <= col <= hi:
                m = _START_TAG.match(tag)
                style = _attr(m.group(2), b"style") if m else None
                return int(style) if style and style.isdigit() else 0
        return 0

    def set_widths(self, widths: dict[int, float]) -> None:
        entries = list(self.cols)
        for col, width in sorted(widths.items()):
            shown = repr(_excel_width(width)).encode()
            out: list[tuple[int, int, bytes]] = []
            placed = False
            for lo, hi, tag in entries:
                if lo <= col <= hi:
                    if lo < col:
                        out.append((lo, col - 1, _set_attrs(tag, max=str(col - 1).encode())))
                    out.append((col, col, _set_attrs(tag, min=str(col).encode(),
                                                     max=str(col).encode(), width=shown,
                                                     customWidth=b"1")))
                    if col < hi:
                        out.append((col + 1, hi, _set_attrs(tag, min=str(col + 1).encode())))
                    placed = True
                else:
                    out.append((lo, hi, tag))
            if not placed:
                p = self.p.decode()
                out.append((col, col, f'<{p}col min="{col}" max="{col}" width="{shown.decode()}" '
                                      'customWidth="1"/>'.encode()))
            entries = sorted(out, key=lambda e: e[0])
        self.cols = entries
        body = b"".join(tag for _, _, tag in entries)
        el = self.doc.kid(b"cols")
        if el is None:
            self.doc.insert_in_order(b"cols", b"<" + self.p + b"cols>" + body + b"</" + self.p
                                     + b"cols>", WS_ORDER)
        else:
            self.doc.replace(el, self.doc.xml[el.start:el.tag_end].rstrip(b"/>").rstrip()
                             + b">" + body + b"</" + el.qname + b">")

    # -- cells ----------------------------------------------------------------

    def write_columns(self, columns: list[ColumnWrite]) -> None:
        rows: dict[int, list[tuple[int, CellValue, str | None]]] = {}
        for c in sorted(columns, key=lambda c: c.column):
            for r, v in c.values.items():
                rows.setdefault(r, []).append((c.column, v, c.number_format))
                self.written.setdefault(r, set()).add(c.column)
        if rows:
            self._patch_rows(rows)
        widths = {c.column: c.width for c in columns if c.width is not None}
        if widths:
            self.set_widths(widths)
        self._update_dimension()

    def _patch_rows(self, rows: dict[int, list[tuple[int, CellValue, str | None]]]) -> None:
        xml, p, sd = self.doc.xml, self.p, self.sd
        order = sorted(rows)
        if sd.closed:
            body = [self._new_row(r, rows[r]) for r in order]
            self.doc.replace(sd, [xml[sd.start:sd.tag_end].rstrip(b"/>").rstrip() + b">", *body,
                                  b"</" + sd.qname + b">"])
            return
        start, end = sd.tag_end, sd.inner_end
        self._check_formula_ranges(start, end)
        keyed = b"<" + p + b'row r="'
        plain = b"<" + p + b"row"
        cell = b"<" + p + b"c"
        # Excel writes r= first on every row and cell; anything else takes the slow, careful
        # path (rows and cells then numbered by counting).
        self.unnumbered_cells = (
            sum(xml.count(cell + t, start, end) for t in (b" ", b">", b"/", b"\n", b"\t"))
            != xml.count(cell + b' r="', start, end))
        every = sum(xml.count(plain + t, start, end) for t in (b" ", b">", b"/", b"\n", b"\t"))
        index = None if every == xml.count(keyed, start, end) else self._row_index(start, end)
        out: list[bytes] = []
        pos = start
        for r in order:
            found, before = self._locate(r, pos, end, keyed, index)
            if found >= 0:
                out.append(xml[pos:found])
                row_xml, pos = self._patch_row(found, r, rows[r])
                out.append(row_xml)
            else:
                out.append(xml[pos:before])
                out.append(self._new_row(r, rows[r]))
                pos = before
        out.append(xml[pos:end])
        self.doc.splices.append((start, end, out))

    def _locate(self, r: int, pos: int, end: int, keyed: bytes,
                index: tuple[list[int], list[int]] | None) -> tuple[int, int]:
        """(offset of row r, -1) when it exists, else (-1, where to insert it)."""
        xml = self.doc.xml
        if index is not None:
            import bisect

            nums, offsets = index
            k = bisect.bisect_left(nums, r)
            if k < len(nums) and nums[k] == r:
                return offsets[k], -1
            return -1, offsets[k] if k < len(nums) else end
        # Excel writes r= first on every row: find the row directly, at memchr speed.
        i = xml.find(keyed + str(r).encode() + b'"', pos, end)
        if i >= 0:
            return i, -1
        j = pos
        while True:
            j = xml.find(keyed, j, end)
            if j < 0:
                return -1, end
            q = j + len(keyed)
            num = int(xml[q:xml.find(b'"', q)])
            if num > r:
                return -1, j
            j = q

    def _row_index(self, start: int, end: int) -> tuple[list[int], list[int]]:
        """Row numbers and offsets, for sheets whose rows do not all carry r= first."""
        xml, plain = self.doc.xml, b"<" + self.p + b"row"
        nums: list[int] = []
        offsets: list[int] = []
        pos, last = start, 0
        while True:
            i = xml.find(plain, pos, end)
            if i < 0:
                break
            m = _START_TAG.match(xml, i)
            pos = i + len(plain)
            if not m or m.group(1) != plain[1:]:
                continue
            r = _attr(m.group(2), b"r")
            last = int(r) if r and r.isdigit() else last + 1
            nums.append(last)
            offsets.append(i)
            pos = m.end()
        return nums, offsets

    def _patch_row(self, at: int, r: int, targets: list[tuple[int, CellValue, str | None]]
                   ) -> tuple[bytes, int]:
        xml, p = self.doc.xml, self.p
        m = _START_TAG.match(xml, at)
        assert m is not None
        qname, attrs = m.group(1), m.group(2)
        if m.group(3):
            inner_start = inner_end = row_end = m.end()
        else:
            inner_start = m.end()
            inner_end = xml.find(b"</" + qname + b">", inner_start)
            if inner_end < 0:
                raise WorkbookError(f"row {r} of {self.part} is not closed; open the workbook "
                                    "in Excel and save it again")
            row_end = inner_end + len(qname) + 3
        row_style = 0
        if (_attr(attrs, b"customFormat") or b"") in (b"1", b"true"):
            s = _attr(attrs, b"s")
            row_style = int(s) if s and s.isdigit() else 0
        # Cells without r= (allowed, never written by Excel) take their place from the cell
        # before: only then is the whole row parsed.
        cell_open = b"<" + p + b"c"
        cells = (self._row_cells(inner_start, inner_end) if self.unnumbered_cells else None)
        out: list[bytes] = []
        cursor = inner_start
        added: list[int] = []
        row_bytes = str(r).encode()
        for col, value, fmt in targets:
            letter = self._letter(col)
            hit = None
            if cells is None:
                j = xml.find(cell_open + b' r="' + letter + row_bytes + b'"', cursor, inner_end)
                if j >= 0:
                    hit = self._cell_at(j, inner_end)
                else:
                    last = self._last_cell(cursor, inner_end)
                    if last is None or last[0] < col:
                        where = cursor if last is None else last[2]
                    else:
                        cells = self._row_cells(inner_start, inner_end)
            if hit is None and cells is not None:
                k = next((k for k, c in enumerate(cells) if c[0] >= col and c[1] >= cursor),
                         None)
                if k is not None and cells[k][0] == col:
                    hit = cells[k]
                else:
                    where = cells[k][1] if k is not None else max(
                        cursor, cells[-1][2] if cells else inner_start)
            if hit is not None:
                _, c_start, c_end, c_attrs, has_f = hit
                s = _attr(c_attrs, b"s")
                if has_f:
                    self._check_formula_cell(c_start, c_end, r, col)
                    self.overwrote_formula = True
                out.append(xml[cursor:c_start])
                out.append(self._cell(col, r, value, fmt, int(s) if s and s.isdigit() else 0))
                cursor = c_end
            else:
                out.append(xml[cursor:where])
                cell = self._cell(col, r, value, fmt, row_style or self._col_style(col))
                out.append(cell)
                cursor = where
                if cell:
                    added.append(col)
        out.append(xml[cursor:inner_end])
        tag = xml[at:m.end()]
        if added:
            spans = _attr(attrs, b"spans")
            if spans:
                got = [int(x) for x in re.findall(rb"\d+", spans)]
                lo, hi = min(got + added), max(got + added)
                new_spans = b'spans="%d:%d"' % (lo, hi)
                old_spans = b'spans="' + spans + b'"'
                tag = (tag.replace(old_spans, new_spans, 1) if old_spans in tag
                       else _set_attrs(tag, spans=new_spans[7:-1]))
        if m.group(3):
            tag = tag[:-2].rstrip() + b">"
        return b"".join([tag, *out, b"</" + qname + b">"]), row_end

    def _letter(self, col: int) -> bytes:
        letter = self.letters.get(col)
        if letter is None:
            letter = self.letters[col] = column_letter(col).encode()
        return letter

    def _cell_at(self, i: int, end: int) -> tuple[int, int, int, bytes, bool]:
        """(column, start, end, attributes, has a formula) of the cell starting at i."""
        xml = self.doc.xml
        m = _START_TAG.match(xml, i)
        if not m:
            raise WorkbookError(f"a cell of {self.part} is damaged; open the workbook in Excel "
                                "and save it again")
        ref = _attr(m.group(2), b"r")
        mm = _REF_RE.fullmatch(ref.decode()) if ref else None
        col = column_number(mm.group(1)) if mm else 0
        if m.group(3):
            return col, i, m.end(), m.group(2), False
        close = xml.find(b"</" + m.group(1) + b">", m.end(), end)
        if close < 0:
            raise WorkbookError(f"a cell of {self.part} is not closed; open the workbook in "
                                "Excel and save it again")
        has_f = xml.find(b"<" + self.p + b"f", m.end(), close) >= 0
        return col, i, close + len(m.group(1)) + 3, m.group(2), has_f

    def _last_cell(self, start: int, end: int) -> tuple[int, int, int, bytes, bool] | None:
        i = self.doc.xml.rfind(b"<" + self.p + b"c ", start, end)
        return None if i < 0 else self._cell_at(i, end)

    def _row_cells(self, start: int, end: int) -> list[tuple[int, int, int, bytes, bool]]:
        """Every cell of a row, numbering those without r= from the cell before."""
        xml, open_ = self.doc.xml, b"<" + self.p + b"c"
        out: list[tuple[int, int, int, bytes, bool]] = []
        pos, last = start, 0
        while True:
            i = xml.find(open_, pos, end)
            if i < 0:
                break
            if xml[i + len(open_):i + len(open_) + 1] not in (b" ", b">", b"/", b"\t", b"\n",
                                                              b"\r"):
                pos = i + len(open_)
                continue
            col, c_start, c_end, attrs, has_f = self._cell_at(i, end)
            last = col or last + 1
            out.append((last, c_start, c_end, attrs, has_f))
            pos = c_end
        return out

    def _cell(self, col: int, row: int, value: CellValue, fmt: str | None, style: int) -> bytes:
        p = self.p
        ref = self._letter(col) + str(row).encode()
        if value is None:
            # Clearing keeps the cell's format, as Excel's Clear Contents does.
            return b'<%sc r="%s" s="%d"/>' % (p, ref, style) if style else b""
        if isinstance(value, TEMPORAL):
            serial, default = _temporal(value, self.date1904)
            key = (style, fmt or default)
            s = self.date_styles.get(key)
            if s is None:
                # A cell already shown as a date keeps its format unless one is asked for.
                if fmt is None and style and self.styles.is_date(style):
                    s = style
                else:
                    s = self.styles.xf(style, num_fmt=self.styles.num_fmt_id(fmt or default))
                self.date_styles[key] = s
            return self._value_cell(ref, s, b"", serial)
        if isinstance(value, bool):
            return self._value_cell(ref, style, b' t="b"', b"1" if value else b"0")
        if isinstance(value, (int, float)):
            return self._value_cell(ref, style, b"", _number(value))
        return _inline(p, ref, style, value)

    def _value_cell(self, ref: bytes, style: int, t: bytes, v: bytes) -> bytes:
        p = self.p
        s = b' s="%d"' % style if style else b""
        return b'<%sc r="%s"%s%s><%sv>%s</%sv></%sc>' % (p, ref, s, t, p, v, p, p)

    def _check_formula_cell(self, start: int, end: int, row: int, col: int) -> None:
        """Overwriting the master of a shared or array formula would break the cells sharing
        it, unless they are all overwritten too."""
        xml = self.doc.xml
        i = xml.find(b"<" + self.p + b"f", start, end)
        m = _START_TAG.match(xml, i)
        if not m:
            return
        kind, ref = _attr(m.group(2), b"t"), _attr(m.group(2), b"ref")
        if kind in (b"shared", b"array", b"dataTable") and ref:
            self._require_all_written(ref.decode(), f"{column_letter(col)}{row}")

    def _require_all_written(self, ref: str, cell: str) -> None:
        box = _parse_range(ref)
        if box is None:
            return
        r1, c1, r2, c2 = box
        for r in range(r1, r2 + 1):
            cols = self.written.get(r, set())
            if any(c not in cols for c in range(c1, c2 + 1)):
                raise WorkbookError(
                    f"cannot write {cell}: one formula spans {ref} there; delete those formulas "
                    "in Excel (the toolkit fills that column itself) and run again")

    def _check_formula_ranges(self, start: int, end: int) -> None:
        """Cells inside an array formula's range hold no formula of their own: find the
        ranges so a write into one is refused rather than corrupting the array."""
        xml = self.doc.xml
        for token in (b't="array"', b't="dataTable"'):
            i = xml.find(token, start, end)
            while i >= 0:
                lt = xml.rfind(b"<", start, i)
                m = _START_TAG.match(xml, lt) if lt >= 0 else None
                ref = (_attr(m.group(2), b"ref") or b"").decode() if m else ""
                box = _parse_range(ref) if ref else None
                if box:
                    r1, c1, r2, c2 = box
                    for r in range(r1, r2 + 1):
                        hit = [c for c in self.written.get(r, ()) if c1 <= c <= c2]
                        if hit:
                            self._require_all_written(ref, f"{column_letter(hit[0])}{r}")
                            break
                i = xml.find(token, i + len(token), end)

    def _new_row(self, r: int, targets: list[tuple[int, CellValue, str | None]]) -> bytes:
        cells = [self._cell(col, r, v, fmt, self._col_style(col)) for col, v, fmt in targets]
        body = b"".join(cells)
        if not body:
            return b""
        return b'<%srow r="%d">%s</%srow>' % (self.p, r, body, self.p)

    def last_value_row(self, skip: set[int]) -> int:
        """The last row of the original sheet with a value in a column outside `skip`: the
        new file must still reach it, as an independent reader sees it."""
        xml, sd, plain = self.doc.xml, self.sd, b"<" + self.p + b"row"
        if sd.closed:
            return 0
        start, pos = sd.tag_end, sd.inner_end
        value = re.compile(rb"<(?:[\w.-]+:)?(?:v>[^<]|is[\s>])")
        while True:
            i = xml.rfind(plain, start, pos)
            if i < 0:
                return 0
            m = _START_TAG.match(xml, i)
            if not m or m.group(1) != plain[1:] or m.group(3):
                pos = i
                continue
            for col, c_start, c_end, _, _ in self._row_cells(m.end(), pos):
                if col not in skip and value.search(xml, c_start, c_end):
                    r = _attr(m.group(2), b"r")
                    if r and r.isdigit():
                        return int(r)
                    nums, offsets = self._row_index(start, sd.inner_end)
                    return nums[offsets.index(i)]
            pos = i

    def _update_dimension(self) -> None:
        rows = [r for r, cols in self.written.items() if cols]
        if not rows:
            return
        el = self.doc.kid(b"dimension")
        if el is None:
            return
        cols = [c for cs in self.written.values() for c in cs]
        box = [min(rows), min(cols), max(rows), max(cols)]
        old = _parse_range((el.attr(b"ref") or b"").decode())
        if old:
            box = [min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]),
                   max(old[3], box[3])]
        ref = f"{column_letter(box[1])}{box[0]}:{column_letter(box[3])}{box[2]}"
        self.doc.replace(el, _set_attrs(self.doc.text(el), ref=ref.encode()))

    # -- highlights -----------------------------------------------------------

    def set_highlights(self, highlights: list[Highlight]) -> None:
        if not highlights:
            return
        doc, p = self.doc, self.p
        wanted = {" ".join(h.sqref.split()) for h in highlights}
        existing = doc.all(b"conditionalFormatting")
        kept = []
        for el in existing:
            sqref = " ".join(_unesc(el.attr(b"sqref") or b"").split())
            found = [k for k in _children(doc.xml, el.tag_end, el.inner_end)
                     if k.local == b"cfRule"]
            # Ours: the same fixed range, and only formula rules (what the toolkit writes).
            if sqref in wanted and found and all(k.attr(b"type") == b"expression"
                                                 for k in found):
                doc.replace(el, b"")
            else:
                kept.append(el)
        priorities = [int(x) for el in kept
                      for x in re.findall(rb'priority="(\d+)"', doc.text(el))]
        ext = doc.kid(b"extLst")
        if ext is not None:
            priorities += [int(x) for x in re.findall(rb'priority="(\d+)"', doc.text(ext))]
        priority = max(priorities, default=0)
        groups: dict[str, list[Highlight]] = {}
        for h in highlights:
            groups.setdefault(" ".join(h.sqref.split()), []).append(h)
        blocks = []
        for sqref, hs in groups.items():
            rules = []
            for h in hs:
                priority += 1
                dxf = self.styles.dxf(h.fill, h.font_color)
                formula = h.formula[1:] if h.formula.startswith("=") else h.formula
                rules.append(b'<%scfRule type="expression" dxfId="%d" priority="%d"><%sformula>'
                             b"%s</%sformula></%scfRule>" % (p, dxf, priority, p,
                                                              _esc(formula).encode(), p, p))
            blocks.append(b'<%sconditionalFormatting sqref="%s">%s</%sconditionalFormatting>'
                          % (p, _esc_attr(sqref).encode(), b"".join(rules), p))
        new = b"".join(blocks)
        if kept:
            doc.insert(kept[-1].end, new)
        elif existing:
            doc.insert(existing[-1].end, new)
        else:
            doc.insert_in_order(b"conditionalFormatting", new, WS_ORDER)


def _inline(p: bytes, ref: bytes, style: int, text: str) -> bytes:
    s = b' s="%d"' % style if style else b""
    body = _cell_text(text).encode("utf-8")
    space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
    return (b'<%sc r="%s"%s t="inlineStr"><%sis><%st%s>%s</%st></%sis></%sc>'
            % (p, ref, s, p, p, space, body, p, p, p))


# ---------------------------------------------------------------------------
# Sheets the toolkit owns


def _owned_sheet_xml(owned: OwnedSheet, styles: _Styles, date1904: bool, *,
                     selected: bool) -> bytes:
    """A whole worksheet: header row bold and frozen, widths, date formats, cell links."""
    header = styles.xf(0, font=styles.font("bold"))
    link = styles.xf(0, font=styles.font("link")) if owned.links else 0
    rows_xml: list[bytes] = []
    last_col = 0
    for r, row in enumerate(owned.rows, start=1):
        cells = []
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            last_col = max(last_col, c)
            base = header if r == 1 else link if (r, c) in owned.links else 0
            ref = f"{column_letter(c)}{r}".encode()
            s = b' s="%d"' % base if base else b""
            if isinstance(value, TEMPORAL):
                serial, default = _temporal(value, date1904)
                code = owned.number_formats.get(c) or default
                style = styles.xf(base, num_fmt=styles.num_fmt_id(code))
                cells.append(b'<c r="%s" s="%d"><v>%s</v></c>' % (ref, style, serial))
            elif isinstance(value, bool):
                cells.append(b'<c r="%s"%s t="b"><v>%d</v></c>' % (ref, s, value))
            elif isinstance(value, (int, float)):
                cells.append(b'<c r="%s"%s><v>%s</v></c>' % (ref, s, _number(value)))
            else:
                cells.append(_inline(b"", ref, base, value))
        if cells:
            rows_xml.append(b'<row r="%d">%s</row>' % (r, b"".join(cells)))
    last_row = len(owned.rows)
    dim = f"A1:{column_letter(max(last_col, 1))}{max(last_row, 1)}"
    cols = "".join(f'<col min="{c}" max="{c}" width="{_excel_width(w)!r}" customWidth="1"/>'
                   for c, w in sorted(owned.widths.items()))
    links = "".join(
        f'<hyperlink ref="{column_letter(c)}{r}" location="{_esc_attr(target.lstrip("#"))}"/>'
        for (r, c), target in sorted(owned.links.items()))
    tab = ' tabSelected="1"' if selected else ""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        f'<dimension ref="{dim}"/><sheetViews><sheetView{tab} workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>")
    tail = ("</sheetData>" + (f"<hyperlinks>{links}</hyperlinks>" if links else "")
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>')
    return head.encode() + b"".join(rows_xml) + tail.encode()


# ---------------------------------------------------------------------------
# Reading back what was written, with an independent reader


def _verify_written(tmp: Path, written: _Written, path: Path) -> None:
    def fail(why: str) -> WorkbookError:
        return WorkbookError(f"the written workbook did not read back correctly ({why}); the "
                             "original was left unchanged", path=path)

    try:
        book = calamine.CalamineWorkbook.from_path(str(tmp))
    except Exception as e:  # calamine raises several unrelated types
        raise fail(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    try:
        names = list(book.sheet_names)
        missing = [n for n in written.sheets if n not in names]
        if missing:
            raise fail("sheet(s) missing: " + ", ".join(missing))
        if written.register:
            sheet = book.get_sheet_by_name(written.register)
            start_row, start_col = sheet.start or (0, 0)
            wanted = {r for r, _, _ in written.cells}
            got: dict[int, list[object]] = {}
            height = 0
            for i, row in enumerate(sheet.iter_rows()):
                height = start_row + i + 1
                if height in wanted:
                    got[height] = list(row)
            if height < written.last_row:
                raise fail(f"the register ends at row {height}, it had rows up to "
                           f"{written.last_row}")
            for r, c, value in written.cells:
                row_values = got.get(r, [])
                j = c - 1 - start_col
                back = row_values[j] if 0 <= j < len(row_values) else None
                if not _same_value(back, value):
                    raise fail(f"{column_letter(c)}{r} reads {back!r}, expected {value!r}")
        for name, count in written.owned_rows.items():
            sheet = book.get_sheet_by_name(name)
            if count and (sheet.start or (0, 0))[0] + sheet.height < count:
                raise fail(f"sheet {name} has {sheet.height} rows, expected {count}")
    except WorkbookError:
        raise
    except Exception as e:
        raise fail(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    finally:
        book.close()


def _same_value(back: object, value: CellValue) -> bool:
    if value is None:
        return back in ("", None)
    if isinstance(value, str):
        if len(value) > MAX_TEXT or _BAD_XML_CHARS.search(value) or "_x" in value:
            return isinstance(back, str)
        return back == value
    if isinstance(value, bool):
        return back is value or back == value
    if isinstance(value, (TimeOfDay, timedelta)):
        return back not in ("", None)  # calamine's reading of times varies with the format
    if isinstance(value, (datetime, date)):
        if not isinstance(back, (datetime, date)):
            return False
        a = back if isinstance(back, datetime) else datetime(back.year, back.month, back.day)
        b = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        return abs((a - b.replace(tzinfo=None)).total_seconds()) < 1
    if isinstance(back, (int, float)) and not isinstance(back, bool):
        return math.isclose(float(back), float(value), rel_tol=1e-12, abs_tol=1e-12)
    return False
