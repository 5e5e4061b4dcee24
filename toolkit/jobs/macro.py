"""init --macro: a register with the buttons, new or upgraded from an .xlsx (docs/excel.md)."""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

import toolkit
from toolkit.errors import UsageError, WorkbookError, bilingual
from toolkit.register import BY_KEY, TOOLKIT_COLUMNS
from toolkit.rules.engine import load_rules
from toolkit.sheets import (
    CONFIG_CODE_NAME,
    Button,
    MacroRequest,
    WorkbookEdit,
    add_macro,
    check_upgradable,
    code_names,
    read_workbook,
    save_edit,
    stamp,
)
from toolkit.sheets.atomic import write_atomic
from toolkit.sheets.template import build_register
from toolkit.vba.project import build_project, document_module, read_sources
from toolkit.vba.sources import source_modules

BUTTONS = {
    "zh": (Button("校验", "Validate"), Button("生成审批表", "ApprovalForms"),
           Button("月度统计", "MonthlyStatistics")),
    "en": (Button("Validate", "Validate"), Button("Approval forms", "ApprovalForms"),
           Button("Monthly statistics", "MonthlyStatistics")),
}
# Every entry of the template is stamped with this, and so are the document properties, so a
# rebuild gives identical bytes.
TEMPLATE_TIME = (2026, 1, 1, 0, 0, 0)


def config_rows(interpreter: str | None) -> list[tuple[str, str, str]]:
    """The xlwings.conf sheet: the interpreter RunPython starts, and where it finds toolkit.

    Without --interpreter, the running Python is used when it is a Windows one; otherwise the
    value stays empty and xlwings falls back to `python` on the PATH."""
    pythonpath = ""
    if interpreter is None and sys.platform == "win32":
        interpreter = sys.executable
        # A source checkout (pip install -e) is found through PYTHONPATH as well.
        pythonpath = str(Path(toolkit.__file__).resolve().parent.parent)
    return [
        ("INTERPRETER_WIN", interpreter or "",
         "装有本工具的 python.exe 的完整路径 full path of the python.exe that has the toolkit "
         "installed (empty: python on the PATH)"),
        ("PYTHONPATH", pythonpath, "额外的模块搜索路径 extra folders for Python imports"),
        ("ADD_WORKBOOK_TO_PYTHONPATH", "false",
         "不从工作簿所在文件夹导入代码 do not import code from the workbook's folder"),
    ]


def macro_workbook(raw: bytes, path: Path, *, interpreter: str | None, english: bool = False,
                   date_time: tuple[int, int, int, int, int, int] | None = None) -> bytes:
    """`raw` (an .xlsx register read from `path`) with the VBA project, the buttons and the
    xlwings.conf sheet added."""
    book = read_workbook(path)
    data = book.data
    check_upgradable(raw, path, data.register_sheet)
    missing = sum(1 for c in TOOLKIT_COLUMNS if c.key not in data.headers.index)
    plan = code_names(raw, path)
    modules = [document_module(plan.workbook_code_name, workbook=True)]
    modules += [document_module(n, workbook=False)
                for n in [*plan.sheet_code_names, CONFIG_CODE_NAME]]
    sources = source_modules()
    modules += sources
    project = build_project(modules)
    # Read the project back with an independent compound-file reader before anyone gets it.
    back = read_sources(project)
    for m in sources:
        if back.get(m.name) != m.source.replace("\r\n", "\n").replace("\n", "\r\n"):
            raise WorkbookError(f"the built VBA project does not read back ({m.name})")
    # Button captions in the workbook's language (its 设置 sheet), English when asked.
    lang = "en" if english else load_rules(data).settings.language
    request = MacroRequest(project, data.register_sheet, BUTTONS.get(lang, BUTTONS["zh"]),
                           data.last_column + missing + 2, config_rows(interpreter))
    out = add_macro(raw, path, request, date_time or _now())
    return out if date_time is None else stamp(out, path, date_time)


def _now() -> tuple[int, int, int, int, int, int]:
    t = datetime.now()
    return (t.year, t.month, t.day, t.hour, t.minute, t.second)


def init_macro(book: Path, *, source: Path | None = None, interpreter: str | None = None,
               english: bool = False, template: bool = False) -> Path:
    """Create `book` (.xlsm): from the template, or from the register `source` with its data and
    everything else kept. Never overwrites a file; `source` is only read."""
    book = Path(book)
    if book.suffix.lower() != ".xlsm":
        raise UsageError(bilingual(f"{book}：带按钮的登记表必须是 .xlsm 文件",
                                   f"{book}: a register with buttons must be an .xlsm file"))
    if book.exists():
        raise UsageError(bilingual(f"{book} 已存在：为免覆盖，请换一个文件名",
                                   f"{book} exists; choose another name (nothing overwritten)"))
    fixed = TEMPLATE_TIME if template else None
    if source is not None:
        source = Path(source)
        raw = _read(source)
        data = macro_workbook(raw, source, interpreter=interpreter, date_time=fixed)
    else:
        with tempfile.TemporaryDirectory(prefix=".complaints-", dir=book.parent) as tmp:
            plain = build_register(Path(tmp) / "register.xlsx", english=english)
            _add_highlights(plain)
            data = macro_workbook(plain.read_bytes(), plain, interpreter=interpreter,
                                  english=english, date_time=fixed)
    return write_atomic(book, data)


def _add_highlights(path: Path) -> None:
    """The conditional formats `check` keys on its columns, so that the first click of 校验
    (which writes values only) already shows them."""
    from toolkit.jobs.check import highlights

    data = read_workbook(path).data
    index = dict(data.headers.index)
    headers = {k: data.headers.header(k) for k in index}
    lang = "en" if all(data.headers.header(k) == BY_KEY[k].en for k in index) else "zh"
    save_edit(path, WorkbookEdit(data.register_sheet, highlights=highlights(index, headers, lang)),
              expected=None, backups=0)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise WorkbookError(bilingual("找不到这个文件：请检查路径和文件名", "no such file"),
                            path=path) from None
    except OSError as e:
        raise WorkbookError(bilingual("无法读取文件", f"cannot read the file ({e.strerror})"),
                            path=path) from None


def build_template(path: Path) -> Path:
    """The committed .xlsm template (scripts/build-xlsm-template): identical bytes on every
    build from the same sources, the interpreter left for each PC to fill in."""
    path = Path(path)
    path.unlink(missing_ok=True)
    return init_macro(path, interpreter="", template=True)
