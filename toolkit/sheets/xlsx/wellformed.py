"""Every changed XML part of a written package parsed with a namespace-aware parser before it
replaces the original: calamine reads past an undeclared prefix, LibreOffice and Excel do not
(docs/statistics.md)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from defusedxml import ElementTree


def changed_parts_parse(original: Path) -> Callable[[Path], None]:
    """A `verify` callback for save_edit: raises ValueError naming the first changed or added
    part that is not well-formed, namespace-aware XML."""
    with zipfile.ZipFile(original) as z:
        before = {i.filename: i.CRC for i in z.infolist()}

    def verify(written: Path) -> None:
        with zipfile.ZipFile(written) as z:
            for info in z.infolist():
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                if before.get(info.filename) == info.CRC:
                    continue
                try:
                    ElementTree.fromstring(z.read(info))
                except Exception as e:  # ParseError, or defusedxml refusing entities
                    raise ValueError(f"{info.filename} is not well-formed XML: {e}") from e

    return verify
