"""`complaints codes`: the catalogue of finding codes and flags (the same as docs/rules.md)."""

from __future__ import annotations

import json
import textwrap

import click

from toolkit.catalogue import CATALOGUE
from toolkit.cli.app import cli, handle_errors

_KIND = {"error": "错误 error", "warning": "警告 warning", "flag": "标记 flag"}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@handle_errors
def codes(as_json: bool) -> None:
    """List every finding code and flag: level, title, meaning and how to fix it.

    The codes are what `check` reports in 校验结果, the 校验报告 sheet and --json;
    the flags are what it writes into 逾期标记. docs/rules.md holds the same list.
    """
    if as_json:
        doc = [{"code": e.code, "level": e.kind, "zh": e.zh, "en": e.en, "meaning": e.meaning,
                "fix_zh": e.fix_zh, "fix_en": e.fix_en} for e in CATALOGUE]
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for e in CATALOGUE:
            click.echo(f"{e.code:<20}{_KIND[e.kind]:<12}{e.zh} / {e.en}")
            click.echo(textwrap.fill(e.meaning, 96, initial_indent="    ",
                                     subsequent_indent="    "))
            click.echo(f"    怎么改 fix: {e.fix_zh} / {e.fix_en}")
    findings = sum(1 for e in CATALOGUE if e.kind != "flag")
    click.echo(f"共 {findings} 个代码、{len(CATALOGUE) - findings} 个标记 listed {findings} codes "
               f"and {len(CATALOGUE) - findings} flags (also in docs/rules.md)", err=as_json)
