"""Complaint toolkit: validate, route and track a customer-complaint register kept in Excel.

The library API the README shows is named in __all__ and imported on first use, so that
`import toolkit.layout` (or the command line's start-up) does not load every dependency.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it
_API = {
    "check_workbook": "toolkit.jobs.check",
    "CheckOutcome": "toolkit.jobs.check",
    "run_check": "toolkit.rules.engine",
    "CheckResult": "toolkit.rules.engine",
    "read_workbook": "toolkit.sheets.reader",
    "save_edit": "toolkit.sheets.xlsx.writer",
    "build_register": "toolkit.sheets.template",
    "CATALOGUE": "toolkit.catalogue",
    "Finding": "toolkit.findings",
    "ToolkitError": "toolkit.errors",
    "WorkbookError": "toolkit.errors",
    "run_forms": "toolkit.jobs.forms",
    "forms_from_result": "toolkit.jobs.forms",
    "FormsOutcome": "toolkit.forms.outcome",
    "run_overdue": "toolkit.jobs.overdue",
    "load_config": "toolkit.config",
}

__all__ = [
    "CATALOGUE",
    "CheckOutcome",
    "CheckResult",
    "Finding",
    "FormsOutcome",
    "ToolkitError",
    "WorkbookError",
    "__version__",
    "build_register",
    "check_workbook",
    "forms_from_result",
    "load_config",
    "read_workbook",
    "run_check",
    "run_forms",
    "run_overdue",
    "save_edit",
]

if TYPE_CHECKING:
    from toolkit.catalogue import CATALOGUE
    from toolkit.config import load_config
    from toolkit.errors import ToolkitError, WorkbookError
    from toolkit.findings import Finding
    from toolkit.forms.outcome import FormsOutcome
    from toolkit.jobs.check import CheckOutcome, check_workbook
    from toolkit.jobs.forms import forms_from_result, run_forms
    from toolkit.jobs.overdue import run_overdue
    from toolkit.rules.engine import CheckResult, run_check
    from toolkit.sheets.reader import read_workbook
    from toolkit.sheets.template import build_register
    from toolkit.sheets.xlsx.writer import save_edit


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
