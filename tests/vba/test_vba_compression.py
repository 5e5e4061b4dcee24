"""MS-OVBA compression: round trips, the spec's own example, and oletools as a second reader."""

from __future__ import annotations

import random

import pytest
from oletools.olevba import decompress_stream

from toolkit.vba.compression import CHUNK, CompressionError, compress, decompress

# [MS-OVBA] 3.2.2: a compressed container written by Office and the text it holds.
SPEC_TEXT = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
SPEC_CONTAINER = bytes.fromhex(
    "012FB000236161616263646582660070616768696A013808616B6C00306D6E6F70067102700410"
    "72737475761077787 97A003C".replace(" ", ""))


def test_decompresses_the_spec_example() -> None:
    assert decompress(SPEC_CONTAINER) == SPEC_TEXT


def _samples() -> list[bytes]:
    rng = random.Random(7)
    text = b"".join(b"Sub Macro%d()\r\n    RunPython \"import x; x.f()\"\r\nEnd Sub\r\n" % i
                    for i in range(400))
    return [
        b"", b"a", b"abc", SPEC_TEXT, b"a" * 10_000,  # long runs: overlapping copies
        text[:649], text[:651], text[:5000], text,  # around the 650-byte point ms-ovba breaks at
        bytes(rng.randrange(256) for _ in range(CHUNK)),  # incompressible: a raw chunk
        bytes(rng.randrange(256) for _ in range(CHUNK)) + text,
    ]


@pytest.mark.parametrize("data", _samples(), ids=lambda d: f"{len(d)}B")
def test_round_trip_through_our_decompressor_and_oletools(data: bytes) -> None:
    packed = compress(data)
    assert decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data


def test_text_compresses() -> None:
    text = _samples()[8]
    assert len(compress(text)) < len(text) / 3


def test_the_same_input_gives_the_same_bytes() -> None:
    text = _samples()[8]
    assert compress(text) == compress(bytes(text))


@pytest.mark.parametrize("bad", [b"", b"\x02abc", b"\x01\x05", b"\x01\xff\x0f"])
def test_malformed_containers_are_refused(bad: bytes) -> None:
    with pytest.raises(CompressionError):
        decompress(bad)
