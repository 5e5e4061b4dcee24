"""The catalogue of finding codes and flags: level, title, meaning and how to fix, in one place.

It feeds the levels of toolkit.findings, the flag labels written into 逾期标记, the "how to fix"
column of the 校验报告 sheet, `complaints codes` and docs/rules.md (a test keeps that file in
step with this one). Codes are stable lowercase-hyphenated English identifiers; titles and
fixes come in Chinese and English, the meaning in English for the docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["error", "warning", "flag"]


@dataclass(frozen=True)
class Entry:
    code: str
    kind: Kind  # error: the row is wrong; warning: allowed but suspicious; flag: a case state
    zh: str  # the title (for a flag: the label written into 逾期标记)
    en: str
    meaning: str
    fix_zh: str
    fix_en: str

    def title(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def fix(self, lang: str) -> str:
        return self.fix_en if lang == "en" else self.fix_zh


# The order is the report's order: errors, then warnings, then flags.
CATALOGUE: tuple[Entry, ...] = (
    Entry("missing", "error", "必填项为空", "required value missing",
          "A required column is empty: always 受理时间, 受理人, 客户名称, 联系电话 (or 邮箱), "
          "投诉类别, 投诉级别, 投诉内容 (at least 5 characters) and 状态; 产品名称, 生产批次 and "
          "证据 for 产品质量, 证据 for 物流运输; 处理方案 and 回访结果 to close a case; 处理方案 "
          "(the reason) for 无法解决.",
          "按说明填写这一格", "fill in the cell the message names"),
    Entry("bad-date", "error", "日期无效", "not a date",
          "A date or time column holds something that is not one. Accepted: Excel dates, "
          "Excel serial numbers and text such as 2026-11-03 09:30, 2026/11/3 or "
          "2026年11月3日 9:30.",
          "改成如 2026-11-03 09:30 的日期时间", "write a date such as 2026-11-03 09:30"),
    Entry("bad-number", "error", "数字无效", "not a valid number",
          "数量 must be a whole number of 0 or more; 赔偿金额 a number of 0 or more.",
          "只填数字，不带单位，不为负数", "write a plain number, no unit, not negative"),
    Entry("bad-enum", "error", "不是可选值", "value not in the list",
          "The value is not one of the column's allowed values; the message lists them. "
          "投诉类别 comes from the 分派规则 and 时限规则 sheets, 责任部门 and 被投诉部门 "
          "from 部门.",
          "从下拉列表中选择，或先把新值加到规则表", "pick from the drop-down, or add the value "
          "to the rule sheet first"),
    Entry("bad-phone", "error", "电话无效", "phone number not recognised",
          "联系电话 is neither an 11-digit mainland mobile number, a landline with its area code "
          "(0571-87654321, with an optional extension) nor a +country number. Several numbers "
          "may be separated by / or ,.",
          "填写11位手机号、带区号的固话或 +国家代码号码", "write a mobile number, a landline with "
          "area code or a +country number"),
    Entry("bad-email", "error", "邮箱无效", "email address not valid",
          "邮箱 is not an address of the form name@example.com.",
          "改成 name@example.com 这样的地址", "write an address such as name@example.com"),
    Entry("bad-id", "error", "投诉编号格式不对", "case ID malformed",
          "投诉编号 is not YYMM-NNNN, or its YYMM is not the month of 受理时间.",
          "改正编号，或清空让工具自动编号", "correct it, or clear it to have one assigned"),
    Entry("duplicate-id", "error", "投诉编号重复", "case ID used twice",
          "The 投诉编号 is already used on an earlier row; reported on every later row.",
          "清空后出现的那一行的编号，工具会重新编号", "clear the later row's ID; the toolkit "
          "assigns a new one"),
    Entry("future", "error", "时间在将来", "date in the future",
          "A date or time is later than the moment of the check (--as-of, default now).",
          "改正录错的日期", "correct the mistyped date"),
    Entry("order", "error", "时间早于受理时间", "before the time received",
          "首次回复时间 or 结案时间 is earlier than 受理时间, or 整改完成 is before its day.",
          "核对并改正这两个时间", "check both times and correct the wrong one"),
    Entry("status-mismatch", "error", "状态与结案时间不符", "status and closing time disagree",
          "结案时间 is filled in but 状态 says the case is open, or 状态 is 已结案 without a "
          "结案时间.",
          "已结案就填结案时间；未结案就清空结案时间", "closed: fill in 结案时间; still open: "
          "clear it"),
    Entry("unhappy-closed", "error", "客户不满意却已结案", "closed although dissatisfied",
          "回访结果 is 不满意 on a closed case: a dissatisfied customer's complaint is handled "
          "again.",
          "把状态改回 处理中，重新处理", "set 状态 back to 处理中 and handle it again"),
    Entry("no-route", "warning", "无法分派", "no routing rule matched",
          "No 分派规则 row matched, so the 设置 default department (客服部) is responsible. It is "
          "not written into 责任部门, so the warning stays until a person decides.",
          "填写责任部门，或在分派规则表加一行", "fill in 责任部门, or add a row to 分派规则"),
    Entry("late-claim", "warning", "索赔超过 7 天", "transport claim after 7 days",
          "A 物流运输 complaint was received more than 7 days after 收货日期; the procedure asks "
          "for shortage and damage claims within 7 days of delivery.",
          "核对收货日期；属实则按规定处理逾期索赔", "check 收货日期; if right, handle it as a "
          "late claim"),
    Entry("calendar-unknown", "warning", "节假日安排未知", "holiday schedule unknown",
          "A deadline falls in a year for which the official holidays and make-up working days "
          "are not known yet (they are published late in the year before); reported once.",
          "公布后在节假日表补上当年的放假和上班日期", "once published, add that year's days "
          "off and make-up working days to 节假日"),
    Entry("unknown-column", "warning", "不认识的列", "unknown column",
          "A header the toolkit does not know, or a second column with the same header. The "
          "column is kept untouched and not checked.",
          "若本应是工具的列，请改成标准表头", "if it is meant to be one of the toolkit's "
          "columns, use its standard header"),
    Entry("no-capa", "warning", "未做原因分析和纠正措施", "no corrective action",
          "状态 is 已结案 and 是否属实 是, but 原因分析 or 纠正措施 is empty (reported on the "
          "first empty one). Only when the register has those columns; see docs/capa.md.",
          "责任部门填写原因分析和纠正措施，并定整改期限", "the responsible department fills in "
          "原因分析 and 纠正措施 and sets 整改期限"),
    Entry("action-ineffective", "warning", "整改无效", "corrective action did not work",
          "效果确认 is 无效: the corrective action did not stop the problem; a new one is "
          "needed (docs/capa.md).",
          "重新分析原因，制定新的纠正措施和整改期限", "find the cause again; decide a new action "
          "and due date"),
    Entry("response-overdue", "flag", "回复逾期", "response overdue",
          "No 首次回复时间 and the check is later than 回复时限.",
          "尽快回复客户并填写首次回复时间", "reply to the customer and fill in 首次回复时间"),
    Entry("responded-late", "flag", "回复超时", "responded late",
          "首次回复时间 is later than 回复时限.",
          "无需修改；计入统计", "nothing to correct; it counts in the statistics"),
    Entry("close-overdue", "flag", "结案逾期", "close overdue",
          "The case is open and the check is later than 结案时限.",
          "尽快处理并结案", "resolve and close the case"),
    Entry("closed-late", "flag", "逾期结案", "closed late",
          "结案时间 is later than 结案时限.",
          "无需修改；计入统计", "nothing to correct; it counts in the statistics"),
    Entry("due-soon", "flag", "即将到期", "due soon",
          "The case is open, not overdue, and 结案时限 is within the next 24 hours.",
          "优先处理", "handle it first"),
    Entry("escalated", "flag", "已升级", "escalated",
          "有效级别 is above 投诉级别 (a repeat complaint) or is 重大; open 重大 cases go to the "
          "departments marked 接收升级.",
          "按升级后的级别处理", "handle it at the escalated severity"),
    Entry("action-overdue", "flag", "整改逾期", "action overdue",
          "纠正措施 is filled in, 整改完成 is blank and the day of the check is after 整改期限: "
          "open and closed cases alike, never on a re-contact (docs/capa.md).",
          "尽快完成整改并填写整改完成日期", "carry out the action and fill in 整改完成"),
)

BY_CODE: dict[str, Entry] = {e.code: e for e in CATALOGUE}


def markdown_table(kinds: tuple[Kind, ...] = ("error", "warning", "flag")) -> str:
    """The catalogue as the Markdown table docs/rules.md carries (scripts/build-docs writes it
    there; a test holds the two equal)."""
    lines = ["| code | level | 中文 / English | meaning | how to fix |",
             "|---|---|---|---|---|"]
    for e in CATALOGUE:
        if e.kind in kinds:
            lines.append(f"| `{e.code}` | {e.kind} | {e.zh} / {e.en} | {e.meaning} | "
                         f"{e.fix_zh} / {e.fix_en} |")
    return "\n".join(lines) + "\n"
