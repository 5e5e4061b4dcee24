"""The one catalogue of codes and what is made from it: docs/rules.md, `codes`, `check --help`."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from click.testing import CliRunner

from toolkit.catalogue import CATALOGUE, markdown_table
from toolkit.cli import cli
from toolkit.findings import CODES, FLAGS, FLAGS_EN

ROOT = Path(__file__).resolve().parent.parent
RULES_DOC = ROOT / "docs" / "rules.md"


def _build_docs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_codes_are_unique_stable_identifiers() -> None:
    codes = [e.code for e in CATALOGUE]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", c) for c in codes)
    assert all(e.zh and e.en and e.meaning and e.fix_zh and e.fix_en for e in CATALOGUE)


def test_levels_and_flag_labels_come_from_the_catalogue() -> None:
    assert CODES == {e.code: e.kind for e in CATALOGUE if e.kind != "flag"}
    assert list(FLAGS) == [e.code for e in CATALOGUE if e.kind == "flag"]
    assert FLAGS["close-overdue"] == "结案逾期" and FLAGS_EN["close-overdue"] == "close overdue"


def test_docs_rules_carries_the_catalogue() -> None:
    text = RULES_DOC.read_text(encoding="utf-8")
    assert _build_docs().rewrite(text) == text, "run scripts/build-docs"
    assert markdown_table() in text
    documented = re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.M)
    assert documented == [e.code for e in CATALOGUE]


def test_codes_command_lists_the_catalogue() -> None:
    result = CliRunner().invoke(cli, ["codes", "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert [(d["code"], d["level"], d["zh"], d["fix_en"]) for d in doc] == [
        (e.code, e.kind, e.zh, e.fix_en) for e in CATALOGUE]
    human = CliRunner().invoke(cli, ["codes"])
    for e in CATALOGUE:
        assert re.search(rf"^{re.escape(e.code)}\s", human.output, flags=re.M), e.code


def test_check_help_names_every_code() -> None:
    result = CliRunner().invoke(cli, ["check", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for e in CATALOGUE:
        assert re.search(rf"\b{re.escape(e.code)}[,.]", result.output), e.code
