"""File names for the forms: <投诉编号>_<客户名称>.docx, safe on Windows, macOS and Linux."""

from __future__ import annotations

import re
import unicodedata

# Characters Windows refuses in a file name, and control characters.
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Names Windows reserves for devices, with or without an extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
# Keep whole paths under Windows' classic 260-character limit with room for the folder.
MAX_STEM = 100


def clean_part(text: str) -> str:
    """One part of a file name: illegal characters become "_", runs of white space one space."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return _ILLEGAL.sub("_", text)


def form_stem(case_id: str | None, customer: str | None, row: int) -> str:
    """<投诉编号>_<客户名称>; 第N行 stands in for a missing or unusable case number."""
    parts = [clean_part(case_id or "") or f"第{row}行"]
    name = clean_part(customer or "")
    if name:
        parts.append(name)
    return safe_stem("_".join(parts))


def safe_stem(stem: str) -> str:
    """A stem Windows accepts: no trailing dots or spaces, not a device name, not too long."""
    stem = stem[:MAX_STEM].rstrip(". ") or "_"
    if stem.split(".")[0].strip().upper() in _RESERVED:
        stem = "_" + stem
    return stem
