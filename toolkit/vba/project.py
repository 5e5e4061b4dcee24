"""vbaProject.bin from module sources: the streams of [MS-OVBA] 2.3 in a compound file.

The project holds no compiled code: _VBA_PROJECT says version 0xFFFF, which tells Office to
ignore the (absent) performance cache and compile from the source text, so the same file works
in 32- and 64-bit Excel of any version. Everything is derived from the inputs, so the same
sources always give the same bytes (docs/excel.md, "The VBA build").
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import olefile

from toolkit.vba.cfb import Storage, write_cfb
from toolkit.vba.compression import compress as ovba_compress
from toolkit.vba.compression import decompress

CODE_PAGE = 1252  # the sources are ASCII (a test holds them to it): any Windows locale reads them
ENCODING = "cp1252"
PROJECT_NAME = "VBAProject"
LCID = 0x0409
# Excel's host-extender entry and the OLE Automation type library every Excel project references.
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_STDOLE = ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
           "C:\\Windows\\System32\\stdole2.tlb#OLE Automation")
_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
_SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


@dataclass(frozen=True)
class Module:
    """One VBA module: `kind` is "module" (a .bas), or "document" (ThisWorkbook, a sheet)."""

    name: str
    source: str  # the text as Excel exports it, starting with Attribute VB_Name
    kind: str = "module"


def document_module(name: str, *, workbook: bool) -> Module:
    """The empty code module Excel keeps for the workbook or for one worksheet."""
    lines = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "{_WORKBOOK_BASE if workbook else _SHEET_BASE}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    return Module(name, "\r\n".join(lines) + "\r\n", "document")


def build_project(modules: Sequence[Module]) -> bytes:
    """The bytes of xl/vbaProject.bin holding `modules`."""
    names = [m.name for m in modules]
    if len(set(n.casefold() for n in names)) != len(names):
        raise ValueError("two VBA modules with the same name")
    for m in modules:
        if not m.name.isascii() or not m.name.replace("_", "a").isalnum() or len(m.name) > 31:
            raise ValueError(f"VBA module name {m.name!r}: use ASCII letters, digits and _")
    # A fixed project ID derived from the module names keeps rebuilds byte-identical.
    project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "vba:" + ",".join(names))).upper() + "}"
    vba = Storage({
        "_VBA_PROJECT": bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00]),
        "dir": ovba_compress(_dir_stream(modules)),
    })
    for m in modules:
        vba.children[m.name] = ovba_compress(_crlf(m.source).encode(ENCODING))
    root = Storage({
        "PROJECT": _project_stream(modules, project_id),
        "PROJECTwm": _project_wm(modules),
        "VBA": vba,
    })
    return write_cfb(root)


def read_sources(data: bytes) -> dict[str, str]:
    """Module name -> source text of a vbaProject.bin, read back with olefile (an independent
    compound-file reader) and the dir stream, the way Office finds the modules."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        dir_data = decompress(ole.openstream("VBA/dir").read())
        out: dict[str, str] = {}
        for name, stream, offset in _modules_in_dir(dir_data):
            raw = ole.openstream(f"VBA/{stream}").read()
            out[name] = decompress(raw[offset:]).decode(ENCODING)
    return out


# ---------------------------------------------------------------------------
# The streams


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _rec(rid: int, payload: bytes) -> bytes:
    return rid.to_bytes(2, "little") + len(payload).to_bytes(4, "little") + payload


def _u16(v: int) -> bytes:
    return v.to_bytes(2, "little")


def _u32(v: int) -> bytes:
    return v.to_bytes(4, "little")


def _dir_stream(modules: Sequence[Module]) -> bytes:
    out = bytearray()
    # PROJECTINFORMATION ([MS-OVBA] 2.3.4.2.1)
    out += _rec(0x0001, _u32(3))  # SysKind: 64-bit Windows, as current Excel writes it
    out += _rec(0x0002, _u32(LCID))
    out += _rec(0x0014, _u32(LCID))
    out += _rec(0x0003, _u16(CODE_PAGE))
    out += _rec(0x0004, PROJECT_NAME.encode(ENCODING))
    out += _rec(0x0005, b"") + _rec(0x0040, b"")  # doc string, its Unicode twin
    out += _rec(0x0006, b"") + _rec(0x003D, b"")  # help file 1 and 2
    out += _rec(0x0007, _u32(0))  # help context
    out += _rec(0x0008, _u32(0))  # lib flags
    out += _u16(0x0009) + _u32(4) + _u32(1) + _u16(0)  # version: reserved size 4, major, minor
    out += _rec(0x000C, b"") + _rec(0x003C, b"")  # constants
    # PROJECTREFERENCES: OLE Automation only; Excel's and VBA's own libraries are implicit.
    name, libid = _STDOLE
    out += _rec(0x0016, name.encode(ENCODING)) + _rec(0x003E, name.encode("utf-16-le"))
    lib = libid.encode(ENCODING)
    out += _rec(0x000D, _u32(len(lib)) + lib + _u32(0) + _u16(0))
    # PROJECTMODULES
    out += _rec(0x000F, _u16(len(modules)))
    out += _rec(0x0013, _u16(0xFFFF))  # project cookie
    for m in modules:
        mbcs = m.name.encode(ENCODING)
        out += _rec(0x0019, mbcs) + _rec(0x0047, m.name.encode("utf-16-le"))
        out += _rec(0x001A, mbcs) + _rec(0x0032, m.name.encode("utf-16-le"))  # stream name
        out += _rec(0x001C, b"") + _rec(0x0048, b"")  # doc string
        out += _rec(0x0031, _u32(0))  # text offset: the source starts the stream (no cache)
        out += _rec(0x001E, _u32(0))  # help context
        out += _rec(0x002C, _u16(0xFFFF))  # module cookie
        out += _u16(0x0021 if m.kind == "module" else 0x0022) + _u32(0)
        out += _u16(0x002B) + _u32(0)  # module terminator
    out += _u16(0x0010) + _u32(0)  # dir terminator
    return bytes(out)


def _modules_in_dir(data: bytes) -> list[tuple[str, str, int]]:
    """(module name, stream name, text offset) for each module record of a dir stream."""
    found: list[tuple[str, str, int]] = []
    pos, name, stream, offset = 0, "", "", 0
    while pos + 6 <= len(data):
        rid = int.from_bytes(data[pos:pos + 2], "little")
        size = int.from_bytes(data[pos + 2:pos + 6], "little")
        if rid == 0x0009:  # PROJECTVERSION: its size field is a reserved 4, then 6 bytes
            pos += 12
            continue
        payload = data[pos + 6:pos + 6 + size]
        pos += 6 + size
        if rid == 0x0019:
            name = payload.decode(ENCODING)
        elif rid == 0x001A:
            stream = payload.decode(ENCODING)
        elif rid == 0x0031:
            offset = int.from_bytes(payload, "little")
        elif rid == 0x002B:
            found.append((name, stream, offset))
        elif rid == 0x0010:
            break
    return found


def _project_stream(modules: Sequence[Module], project_id: str) -> bytes:
    lines = [f'ID="{project_id}"']
    for m in modules:
        lines.append(f"Document={m.name}/&H00000000" if m.kind == "document"
                     else f"Module={m.name}")
    lines += [
        f'Name="{PROJECT_NAME}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        # No protection, no password, visible ([MS-OVBA] 2.3.1.15-17), encrypted as 2.4.3 asks.
        f'CMG="{encrypt(project_id, bytes(4))}"',
        f'DPB="{encrypt(project_id, bytes(1))}"',
        f'GC="{encrypt(project_id, bytes([0xFF]))}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING)


def _project_wm(modules: Sequence[Module]) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode(ENCODING) + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def encrypt(project_id: str, data: bytes, seed: int | None = None) -> str:
    """[MS-OVBA] 2.4.3.2 data encryption, as hex. The seed is derived from the data and the
    project ID (not random) so that rebuilds are identical."""
    if seed is None:
        seed = (sum(project_id.encode("ascii")) * 7 + len(data) * 31 + sum(data)) & 0xFF
    version = 2
    key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ key])
    unencrypted1, encrypted1, encrypted2 = key, seed ^ key, seed ^ version
    ignored = bytes([seed]) * ((seed & 6) // 2)  # Office repeats one byte here too
    for byte in ignored + len(data).to_bytes(4, "little") + data:
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    return out.hex().upper()


def decrypt(text: str) -> bytes:
    """The data of an [MS-OVBA] 2.4.3.3 encrypted value (used by the tests)."""
    buf = bytes.fromhex(text)
    seed, version_enc, key_enc = buf[0], buf[1], buf[2]
    unencrypted1, encrypted1, encrypted2 = seed ^ key_enc, key_enc, version_enc
    plain = bytearray()
    for enc in buf[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    plain = plain[(seed & 6) // 2:]
    length = int.from_bytes(plain[:4], "little")
    if length != len(plain) - 4:
        raise ValueError("encrypted value: length does not match")
    return bytes(plain[4:])
