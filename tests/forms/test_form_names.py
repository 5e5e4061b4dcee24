"""Form file names: <投诉编号>_<客户名称>, cleaned for Windows."""

from __future__ import annotations

import pytest

from toolkit.forms.names import MAX_STEM, form_stem, safe_stem


@pytest.mark.parametrize("case_id, customer, stem", [
    ("2611-0001", "杭州顺达汽车销售服务有限公司", "2611-0001_杭州顺达汽车销售服务有限公司"),
    ("2611-0002", 'A/B\\C:D*E?F"G<H>I|J', "2611-0002_A_B_C_D_E_F_G_H_I_J"),
    ("2611-0003", "  李  丽 \n 先生\t", "2611-0003_李 丽 先生"),
    ("2611-0004", "华东集团...", "2611-0004_华东集团"),  # Windows drops trailing dots
    ("2611-0005", None, "2611-0005"),
    (None, "王五", "第12行_王五"),  # no usable case number: the row stands in
    ("CON", None, "_CON"),  # a device name on Windows
])
def test_form_stem(case_id: str | None, customer: str | None, stem: str) -> None:
    assert form_stem(case_id, customer, 12) == stem


@pytest.mark.parametrize("stem, safe", [
    ("CON", "_CON"), ("nul", "_nul"), ("COM1", "_COM1"), ("LPT9.tar", "_LPT9.tar"),
    ("CONSOLE", "CONSOLE"), ("aux ", "_aux"), ("...", "_"), ("", "_"),
])
def test_reserved_and_empty_names(stem: str, safe: str) -> None:
    assert safe_stem(stem) == safe


def test_long_names_are_cut() -> None:
    stem = form_stem("2611-0001", "很长的客户名称" * 40, 2)
    assert len(stem) == MAX_STEM and stem.startswith("2611-0001_很长的客户名称")
