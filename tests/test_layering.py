"""Imports run one way (docs/design.md): cli -> jobs -> rules and sheets -> the model."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "toolkit"
MODEL = ("toolkit.layout", "toolkit.register", "toolkit.catalogue", "toolkit.errors",
         "toolkit.findings", "toolkit.messages")

# package (or module) -> toolkit modules it must not import, at any depth
FORBIDDEN = {
    "rules": ("toolkit.sheets", "toolkit.jobs", "toolkit.report", "toolkit.cli", "toolkit.demo"),
    "sheets": ("toolkit.rules", "toolkit.jobs", "toolkit.report", "toolkit.cli",
               "toolkit.demo"),
    "report": ("toolkit.jobs", "toolkit.cli"),
    "jobs": ("toolkit.cli",),
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return {m for m in found if m == "toolkit" or m.startswith("toolkit.")}


def modules(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


@pytest.mark.parametrize("sub", sorted(FORBIDDEN))
def test_layers_import_only_downwards(sub: str) -> None:
    bad = [(p.relative_to(PACKAGE).as_posix(), m) for p in modules(sub) for m in imports(p)
           if m.startswith(FORBIDDEN[sub])]
    # report/terminal.py names CheckOutcome for type checking only
    bad = [b for b in bad if b != ("report/terminal.py", "toolkit.jobs.check")]
    assert bad == []


@pytest.mark.parametrize("name", MODEL)
def test_the_model_stands_on_nothing_but_the_model(name: str) -> None:
    path = PACKAGE / (name.split(".")[1] + ".py")
    assert imports(path) <= set(MODEL), imports(path) - set(MODEL)


def test_rules_never_read_the_clock_or_open_files() -> None:
    for path in modules("rules"):
        text = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "date.today(", "time.time(", "open(", "Path("):
            assert call not in text, f"{path.name} calls {call}"


def test_only_the_cli_turns_exceptions_into_exit_codes() -> None:
    users = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                   if ".exit(" in p.read_text(encoding="utf-8"))
    assert all(u.startswith("cli/") for u in users), users
