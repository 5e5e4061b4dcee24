"""The words the toolkit writes into the workbook and prints, in the 设置 language (zh or en)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    """The words the toolkit writes into the workbook, in the 设置 language."""

    level: dict[str, str]  # finding level -> word in 校验结果 / 校验报告
    kind: dict[str, str]  # repeat kind -> prefix in 重复投诉
    row: str
    overdue: tuple[str, ...]  # words of the 逾期标记 labels that mean a deadline was missed
    soon: str
    ok: str
    report: tuple[str, ...]
    sep: str
    cut: str  # ends a cell cut to Excel's limit; the 校验报告 has every message in full


WORDS = {
    "zh": Words({"error": "错误", "warning": "警告"},
                {"repeat": "重复投诉", "recontact": "重复来电"},
                "第{row}行", ("逾期", "超时"), "即将到期", "没有发现问题",
                ("行号", "投诉编号", "列", "级别", "代码", "说明", "怎么改"), "；",
                "…（超出 Excel 单元格长度，全文见「校验报告」）"),
    "en": Words({"error": "error", "warning": "warning"},
                {"repeat": "repeat of", "recontact": "re-contact of"},
                "row {row}", ("overdue", "late"), "due soon", "no problems found",
                ("Row", "Case ID", "Column", "Level", "Code", "Message", "How to fix"), "; ",
                "… (too long for an Excel cell; the full text is on sheet 校验报告)"),
}
