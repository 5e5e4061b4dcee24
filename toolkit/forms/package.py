"""The zip container of a filled form (.docx), written without compressing the same parts again.

Every form of a run shares all of its template's parts but the few that carry values (the
document, headers and footers, the document properties). zipfile can only compress what it
writes, and the default template's style sheet alone is 350 KB of XML, so each form would pay
for deflating it again. Here each unchanged part is deflated once (`Entry.compressed`) and
every form copies its compressed bytes; the parts with values are deflated per form. The
container is a plain zip as zipfile writes it (deflate, no zip64, UTF-8 names flagged): Word,
LibreOffice and python-docx read it like any other. See docs/forms.md (Speed).
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_DEFLATED = 8
_VERSION = 20  # 2.0: deflate
_UTF8_NAME = 0x800
_UNIX = 3
_FILE_MODE = 0o600 << 16  # what zipfile gives a member written from bytes
_LIMIT = 0xFFFFFFFF  # beyond this a zip needs zip64: never reached by a form


@dataclass(frozen=True)
class Entry:
    """One member of the zip, deflated."""

    name: str
    crc: int
    size: int
    compressed: bytes

    @classmethod
    def deflate(cls, name: str, data: bytes, level: int = 6) -> Entry:
        # zipfile's default level (zlib's 6), raw deflate stream as zip stores it.
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        compressed = packer.compress(data) + packer.flush()
        if len(data) > _LIMIT or len(compressed) > _LIMIT:
            raise ValueError(f"{name}: too large for a zip without zip64")
        return cls(name, zlib.crc32(data), len(data), compressed)


def zip_bytes(entries: list[Entry], when: float | None = None) -> bytes:
    """The zip file holding `entries` in this order, each stamped with the local time `when`
    (default now), as zipfile stamps what it writes."""
    if len(entries) >= 0xFFFF:
        raise ValueError("too many members for a zip without zip64")
    t = time.localtime(when)
    dos_date = (max(t.tm_year, 1980) - 1980) << 9 | t.tm_mon << 5 | t.tm_mday
    dos_time = t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for e in entries:
        name = e.name.encode("utf-8")
        flags = 0 if e.name.isascii() else _UTF8_NAME
        local = _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, _DEFLATED, dos_time, dos_date,
                            e.crc, len(e.compressed), e.size, len(name), 0)
        central.append(_CENTRAL.pack(
            b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0, flags, _DEFLATED, dos_time, dos_date,
            e.crc, len(e.compressed), e.size, len(name), 0, 0, 0, 0, _FILE_MODE, offset) + name)
        out += (local, name, e.compressed)
        offset += len(local) + len(name) + len(e.compressed)
        if offset > _LIMIT:
            raise ValueError("too large for a zip without zip64")
    directory = b"".join(central)
    out += (directory, _END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries),
                                 len(directory), offset, 0))
    return b"".join(out)
