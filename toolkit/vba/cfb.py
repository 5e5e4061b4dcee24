"""A minimal writer of Compound File Binary files ([MS-CFB] version 3), enough for a VBA project.

No maintained Python library writes a new compound file: olefile (used to read the result back)
can only overwrite streams of an existing file in place, and compoundfiles only reads. The
layout here is the plainest the format allows: 512-byte sectors, streams under 4096 bytes in
the mini stream, one FAT after the data, no DIFAT sectors (enough for files up to 6.8 MB), every
directory entry black, times zero, so that the same tree always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF
_HEADER_FAT_SLOTS = 109
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class Storage:
    """A folder of the compound file: named streams (bytes) and storages."""

    children: dict[str, bytes | Storage] = field(default_factory=dict)


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    child: int = NOSTREAM
    left: int = NOSTREAM
    right: int = NOSTREAM
    start: int = ENDOFCHAIN
    kids: list[int] = field(default_factory=list)


def _order(name: str) -> tuple[int, str]:
    # [MS-CFB] 2.6.4: shorter names first, then by upper-cased UTF-16 code units.
    return len(name.encode("utf-16-le")), name.upper()


def write_cfb(root: Storage) -> bytes:
    """The bytes of a compound file holding `root`'s tree."""
    entries = [_Entry("Root Entry", 5)]
    _add_children(entries, 0, root)
    for entry in entries:
        entry.child = _tree(entries, sorted(entry.kids, key=lambda i: _order(entries[i].name)))

    # Small streams share the mini stream, kept in the root entry's chain.
    mini = bytearray()
    mini_fat: list[int] = []
    big: list[_Entry] = []
    for entry in entries:
        if entry.kind != 2:
            continue
        if len(entry.data) >= MINI_CUTOFF:
            big.append(entry)
            continue
        if not entry.data:
            entry.start = ENDOFCHAIN
            continue
        entry.start = len(mini_fat)
        count = -(-len(entry.data) // MINI_SECTOR)
        mini_fat += [entry.start + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        mini += entry.data.ljust(count * MINI_SECTOR, b"\0")

    dir_bytes_count = -(-len(entries) * 128 // SECTOR) * SECTOR
    def sectors(n_bytes: int) -> int:
        return -(-n_bytes // SECTOR)

    runs = [("dir", sectors(dir_bytes_count))]
    mini_fat_bytes = b"".join(v.to_bytes(4, "little") for v in mini_fat)
    if mini_fat:
        runs.append(("minifat", sectors(len(mini_fat_bytes))))
    if mini:
        runs.append(("mini", sectors(len(mini))))
    for i, entry in enumerate(big):
        runs.append((f"big{i}", sectors(len(entry.data))))
    data_sectors = sum(n for _, n in runs)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < data_sectors + fat_sectors:
        fat_sectors += 1
    if fat_sectors > _HEADER_FAT_SLOTS:
        raise ValueError("compound file too large for a FAT without DIFAT sectors")

    starts: dict[str, int] = {}
    fat: list[int] = []
    for name, n in runs:
        starts[name] = len(fat)
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
    fat_start = len(fat)
    fat += [FATSECT] * fat_sectors
    fat += [FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat))

    entries[0].start = starts["mini"] if mini else ENDOFCHAIN
    entries[0].data = bytes(mini)
    for i, entry in enumerate(big):
        entry.start = starts[f"big{i}"]

    body = bytearray()
    directory = b"".join(_entry_bytes(e) for e in entries)
    body += directory.ljust(dir_bytes_count, b"\0")
    if len(directory) < dir_bytes_count:
        # Unused entries: empty, with no siblings and no child.
        blank = _blank_entry()
        body[len(directory):dir_bytes_count] = blank * ((dir_bytes_count - len(directory)) // 128)
    if mini_fat:
        body += mini_fat_bytes.ljust(sectors(len(mini_fat_bytes)) * SECTOR, b"\xff")
    if mini:
        body += bytes(mini).ljust(sectors(len(mini)) * SECTOR, b"\0")
    for entry in big:
        body += entry.data.ljust(sectors(len(entry.data)) * SECTOR, b"\0")
    body += b"".join(v.to_bytes(4, "little") for v in fat)

    header = bytearray()
    header += _SIGNATURE + bytes(16)
    header += (0x003E).to_bytes(2, "little") + (0x0003).to_bytes(2, "little")
    header += (0xFFFE).to_bytes(2, "little") + (9).to_bytes(2, "little") + (6).to_bytes(2, "little")
    header += bytes(6) + (0).to_bytes(4, "little")  # reserved; directory sector count (v3: 0)
    header += fat_sectors.to_bytes(4, "little") + starts["dir"].to_bytes(4, "little")
    header += bytes(4) + MINI_CUTOFF.to_bytes(4, "little")
    header += (starts["minifat"] if mini_fat else ENDOFCHAIN).to_bytes(4, "little")
    header += (sectors(len(mini_fat_bytes)) if mini_fat else 0).to_bytes(4, "little")
    header += ENDOFCHAIN.to_bytes(4, "little") + (0).to_bytes(4, "little")  # no DIFAT sectors
    slots = [fat_start + i for i in range(fat_sectors)]
    slots += [FREESECT] * (_HEADER_FAT_SLOTS - len(slots))
    header += b"".join(v.to_bytes(4, "little") for v in slots)
    assert len(header) == SECTOR
    return bytes(header + body)


def _add_children(entries: list[_Entry], parent: int, storage: Storage) -> None:
    for name, item in storage.children.items():
        if not 0 < len(name) <= 31 or set(name) & set("/\\:!"):
            raise ValueError(f"invalid compound-file entry name {name!r}")
        index = len(entries)
        if isinstance(item, Storage):
            entries.append(_Entry(name, 1))
            entries[parent].kids.append(index)
            _add_children(entries, index, item)
        else:
            entries.append(_Entry(name, 2, bytes(item)))
            entries[parent].kids.append(index)


def _tree(entries: list[_Entry], ordered: list[int]) -> int:
    """A balanced binary search tree of siblings; returns its root (or NOSTREAM)."""
    if not ordered:
        return NOSTREAM
    mid = len(ordered) // 2
    node = entries[ordered[mid]]
    node.left = _tree(entries, ordered[:mid])
    node.right = _tree(entries, ordered[mid + 1:])
    return ordered[mid]


def _entry_bytes(e: _Entry) -> bytes:
    name = (e.name + "\0").encode("utf-16-le")
    out = bytearray(name.ljust(64, b"\0"))
    out += len(name).to_bytes(2, "little") + bytes([e.kind, 1])  # 1 = black
    out += e.left.to_bytes(4, "little") + e.right.to_bytes(4, "little")
    out += e.child.to_bytes(4, "little")
    out += bytes(16) + bytes(4) + bytes(8) + bytes(8)  # CLSID, state bits, created, modified
    out += e.start.to_bytes(4, "little")
    size = len(e.data) if e.kind in (2, 5) else 0
    out += size.to_bytes(8, "little")
    return bytes(out)


def _blank_entry() -> bytes:
    out = bytearray(128)
    out[68:80] = NOSTREAM.to_bytes(4, "little") * 3
    return bytes(out)
