"""The 校验报告 sheet: one row per problem, with the catalogue's advice."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from helpers import good_row, make_register, sheet_rows

from toolkit.catalogue import BY_CODE
from toolkit.jobs.check import check_workbook

AS_OF = datetime(2026, 11, 24, 9, 0)


@pytest.mark.parametrize("lang, header", [
    ("zh", ["行号", "投诉编号", "列", "级别", "代码", "说明", "怎么改"]),
    ("en", ["Row", "Case ID", "Column", "Level", "Code", "Message", "How to fix"]),
])
def test_each_problem_row_ends_with_how_to_fix_it(tmp_path: Path, lang: str,
                                                  header: list[str]) -> None:
    book = make_register(tmp_path / "r.xlsx",
                         [good_row(phone="12345"),
                          good_row(case_id="2611-0002", category="其他", email="x@y")],
                         extra_sheets={"设置": [["项目", "值"], ["语言", lang]]})
    check_workbook(book, AS_OF)
    rows = sheet_rows(book, "校验报告")
    assert rows[0] == header
    found = [(r[0], r[4]) for r in rows[1:]]
    assert found == [(2, "bad-phone"), (3, "bad-email"), (3, "no-route")]
    for r in rows[1:]:
        assert r[6] == BY_CODE[r[4]].fix(lang)


def test_a_clean_register_says_so(tmp_path: Path) -> None:
    book = make_register(tmp_path / "r.xlsx", [good_row()])
    check_workbook(book, AS_OF)
    assert sheet_rows(book, "校验报告")[1][5] == "没有发现问题"
