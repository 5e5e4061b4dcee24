"""Saying which part of a workbook is damaged when a reader fails on it (docs/writeback.md)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from xml.parsers import expat

from toolkit.errors import WorkbookError, bilingual

_CHUNK = 1 << 20


def damaged_part(path: Path) -> tuple[str, str] | None:
    """The first part of the package that cannot be unpacked or is not well-formed XML, and why;
    None when every part is whole. Used only after a reader failed: it reads every part."""
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        return "", str(e)
    with z:
        for info in z.infolist():
            name = info.filename
            parser = expat.ParserCreate() if name.lower().endswith((".xml", ".rels")) else None
            try:
                with z.open(info) as f:
                    while block := f.read(_CHUNK):
                        if parser is not None:
                            parser.Parse(block, False)
                    if parser is not None:
                        parser.Parse(b"", True)
            except expat.ExpatError as e:
                return name, f"not well-formed XML: {expat.ErrorString(e.code)}, line {e.lineno}"
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
                return name, str(e) or type(e).__name__
    return None


def damaged_error(path: Path, error: Exception, sheet: str | None = None) -> WorkbookError:
    """One clear exit-2 line for a reader's failure, naming the damaged part when one is."""
    found = damaged_part(path)
    if found is not None:
        part, why = found
        if part:
            return WorkbookError(bilingual(
                f"工作簿文件里的 {part} 已损坏（{why}）：请在 Excel 中打开并重新保存，"
                "或从 .bak 文件夹的备份恢复",
                f"the part {part} of the workbook is damaged ({why}); open the workbook in "
                "Excel and save it again, or restore a copy from the .bak folder"), path=path)
    text = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
    return WorkbookError(bilingual(
        "无法读取工作簿，文件可能已损坏：请在 Excel 中打开并重新保存，或从 .bak 文件夹的备份恢复",
        f"cannot read the workbook, it looks damaged ({text}); open it in Excel and save it "
        "again, or restore a copy from the .bak folder"), path=path, sheet=sheet)
