"""The VBA sources of the button path, kept as text in workbook_templates/ (docs/excel.md)."""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.errors import ToolkitError, bilingual
from toolkit.vba.project import Module

TEMPLATES = Path(__file__).resolve().parents[2] / "workbook_templates"
# xlwings.bas is the standalone module shipped in the xlwings wheel (BSD-3-Clause, its licence
# header kept); ComplaintToolkit.bas holds our three macros, one RunPython line each.
SOURCES = ("xlwings.bas", "ComplaintToolkit.bas")
_NAME = re.compile(r'^Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"', re.M)
_SUB = re.compile(r"^\s*(?:Public\s+)?Sub\s+([A-Za-z][A-Za-z0-9_]*)\s*\(\s*\)", re.M | re.I)
_RUNPYTHON = re.compile(r'RunPython\s+"import\s+([\w.]+);\s*([\w.]+)\(\)"')


def source_modules(folder: Path = TEMPLATES) -> list[Module]:
    """The standard modules, read from the .bas files."""
    modules = []
    for name in SOURCES:
        path = folder / name
        try:
            text = path.read_bytes().decode("ascii")
        except FileNotFoundError:
            raise ToolkitError(bilingual(
                f"找不到宏的源文件 {path}：带按钮的登记表需要从源码目录安装本工具"
                "（pip install -e）",
                f"the VBA source {path} is missing; the button register needs the toolkit "
                "installed from its source folder (pip install -e)")) from None
        except UnicodeDecodeError:
            raise ToolkitError(bilingual(f"{path} 含有非 ASCII 字符", f"{path} is not ASCII")
                               ) from None
        m = _NAME.search(text)
        if m is None:
            raise ToolkitError(f"{path}: no Attribute VB_Name line")
        modules.append(Module(m.group(1), text))
    return modules


def subs(source: str) -> list[str]:
    """The parameterless Subs of a module: what a button can run."""
    return _SUB.findall(source)


def run_python_calls(source: str) -> list[tuple[str, str]]:
    """(module imported, function called) of each RunPython line."""
    return _RUNPYTHON.findall(source)
