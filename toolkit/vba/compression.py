"""The MS-OVBA compression of VBA source and the dir stream (docs/excel.md, "The VBA build").

Written to the published algorithm ([MS-OVBA] 2.4.1) because the one Python package that builds
a VBA project, ms-ovba 0.0.1, garbles modules longer than about 650 bytes. A container is a
signature byte 0x01 followed by chunks of at most 4096 decompressed bytes; each chunk is a
two-byte header and either the raw 4096 bytes or groups of eight tokens behind a flag byte,
a token being a literal byte or a (offset, length) copy from earlier in the same chunk.
"""

from __future__ import annotations

CHUNK = 4096
_SIGNATURE = 0x01


class CompressionError(ValueError):
    """A compressed container that does not follow [MS-OVBA] 2.4.1."""


def _bit_count(position: int) -> int:
    """Bits of a copy token given to the offset at `position` bytes into the chunk."""
    return max((position - 1).bit_length(), 4)


def compress(data: bytes) -> bytes:
    """The compressed container of `data` (deterministic: the same bytes give the same output)."""
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data[start:start + CHUNK])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    pos, end = 0, len(chunk)
    # Positions of every 3-byte prefix seen so far in this chunk, newest last: a copy may only
    # refer back inside its own chunk.
    seen: dict[bytes, list[int]] = {}
    while pos < end:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(chunk, pos, seen)
            if length >= 3:
                bits = _bit_count(pos)
                token = ((offset - 1) << (16 - bits)) | (length - 3)
                body += token.to_bytes(2, "little")
                flags |= 1 << bit
                step = length
            else:
                body.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                if p + 3 <= end:
                    seen.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
        body[flag_at] = flags
    if len(body) > CHUNK:
        if len(chunk) < CHUNK:
            # A raw chunk always decompresses to 4096 bytes, so a short last chunk cannot be
            # stored raw; text never comes near this (it compresses), random bytes might.
            raise CompressionError("a short final chunk does not compress")
        header = 0x3000 | (CHUNK - 1)  # flag 0: 4096 raw bytes follow
        return header.to_bytes(2, "little") + chunk
    header = 0x8000 | 0x3000 | (len(body) + 2 - 3)
    return header.to_bytes(2, "little") + bytes(body)


def _longest_match(chunk: bytes, pos: int, seen: dict[bytes, list[int]]) -> tuple[int, int]:
    """The longest earlier match, the nearest of equals (as the spec's search finds it)."""
    if pos + 3 > len(chunk):
        return 0, 0
    candidates = seen.get(chunk[pos:pos + 3])
    if not candidates:
        return 0, 0
    max_length = min((0xFFFF >> _bit_count(pos)) + 3, len(chunk) - pos)
    best_length, best_offset = 0, 0
    for cand in reversed(candidates):
        length = 3
        # Byte by byte: a copy may overlap the bytes it produces (runs of one character).
        while length < max_length and chunk[cand + length] == chunk[pos + length]:
            length += 1
        if length > best_length:
            best_length, best_offset = length, pos - cand
            if length == max_length:
                break
    return best_offset, best_length


def decompress(container: bytes) -> bytes:
    """The bytes a compressed container holds; CompressionError when it is malformed."""
    if not container or container[0] != _SIGNATURE:
        raise CompressionError("no compressed-container signature")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise CompressionError("truncated chunk header")
        header = int.from_bytes(container[pos:pos + 2], "little")
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0x7 != 0b011:
            raise CompressionError(f"bad chunk signature at byte {pos}")
        chunk_end = min(pos + size, len(container))
        pos += 2
        start = len(out)
        if not header & 0x8000:
            raw = container[pos:pos + CHUNK]
            if len(raw) != CHUNK:
                raise CompressionError("truncated raw chunk")
            out += raw
            pos += CHUNK
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags >> bit & 1:
                    out.append(container[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise CompressionError("truncated copy token")
                token = int.from_bytes(container[pos:pos + 2], "little")
                pos += 2
                bits = _bit_count(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                if offset > len(out) - start:
                    raise CompressionError("copy token points before its chunk")
                src = len(out) - offset
                for i in range(length):
                    out.append(out[src + i])
    return bytes(out)
