"""The fast NFKC gives exactly what unicodedata.normalize gives (docs/performance.md)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from toolkit.rules.nfkc import nfkc

# Chinese text as typed: ideographs, full-width punctuation and letters, combining marks,
# Kangxi radicals (pasted from PDFs) and compatibility ideographs.
_CHARS = st.one_of(
    st.sampled_from("，：；！？（）　。、“”ＡＢｃ１２"),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40),
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining marks
    st.characters(min_codepoint=0x2F00, max_codepoint=0x2FD5),  # Kangxi radicals
    st.characters(min_codepoint=0xF900, max_codepoint=0xFA2D),  # compatibility ideographs
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFFEE),  # half- and full-width forms
    st.characters(codec="utf-8"),
)


@given(st.text(_CHARS, max_size=40))
def test_fast_nfkc_is_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_every_character_next_to_full_width_punctuation() -> None:
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        for text in (c, "（" + c + "\u0301", "e\u0301" + c + "，"):
            assert nfkc(text) == unicodedata.normalize("NFKC", text), hex(code)
