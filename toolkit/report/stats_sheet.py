"""The 月度统计 sheet's layout: title and stamp, headline figures beside last month's, the
breakdowns, the 类别 × 责任部门 matrix, the lists and three charts, set up to print on A4
landscape (docs/statistics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from toolkit.layout import STATS_SHEET
from toolkit.register import CellValue, column_letter
from toolkit.rules.stats import FIGURES, HOURS, RATES, CaseLine, MonthlyStats
from toolkit.sheets import CellStyle, Chart, ReportSheet, Series

NONE = "—"  # a figure that has no value this month (a rate over nothing)
COLUMNS = 12  # A–L on the printed page
CHART_ROWS = 15

TITLE = CellStyle(bold=True, size=18, color="1F3864", align="center")
STAMP = CellStyle(size=10, color="595959", align="center")
NOTE = CellStyle(italic=True, size=10, color="C00000", align="center")
SUMMARY = CellStyle(size=11, align="left")
HEADING = CellStyle(bold=True, size=12, color="1F3864")
HEAD = CellStyle(bold=True, fill="D9E1F2", border=True, align="center", wrap=True)
LABEL = CellStyle(border=True, align="left")
TOTAL_LABEL = CellStyle(bold=True, border=True, align="left", fill="F2F2F2")
COUNT = CellStyle(border=True, num_fmt="0", align="right")
TOTAL = CellStyle(bold=True, border=True, num_fmt="0", align="right", fill="F2F2F2")
SHARE = CellStyle(border=True, num_fmt="0.0%", align="right")
RATE = CellStyle(border=True, num_fmt="0.0%", align="right")
HOURS_STYLE = CellStyle(border=True, num_fmt="0.0", align="right")
CHANGE = CellStyle(border=True, num_fmt="+0;-0;0", align="right")
RATE_CHANGE = CellStyle(border=True, num_fmt="+0.0%;-0.0%;0.0%", align="right")
HOURS_CHANGE = CellStyle(border=True, num_fmt="+0.0;-0.0;0.0", align="right")
EMPTY = CellStyle(border=True, align="center", color="7F7F7F")
TEXT = CellStyle(border=True, align="left")
DATE = CellStyle(border=True, num_fmt="yyyy-mm-dd", align="center")
DAYS = CellStyle(border=True, num_fmt="0.0", align="right")

LABELS = {
    "zh": {
        "received": "受理件数", "substantiated": "属实件数", "closed": "结案件数",
        "closed_on_time": "按时结案件数", "on_time_rate": "一次闭环率",
        "open_at_end": "月末未结件数", "overdue_at_end": "月末逾期件数",
        "repeats": "重复投诉件数", "unresolvable": "无法解决件数", "followed_up": "回访件数",
        "follow_up_rate": "回访率", "satisfaction_rate": "满意率",
        "mean_response_hours": "平均首次回复时长(小时)", "mean_close_hours": "平均结案时长(小时)",
        "capa_done": "纠正措施完成分析件数", "capa_rate": "原因分析率",
        "actions_overdue_at_end": "月末整改逾期件数",
    },
    "en": {
        "received": "Received", "substantiated": "Substantiated", "closed": "Closed",
        "closed_on_time": "Closed on time", "on_time_rate": "On-time closure rate",
        "open_at_end": "Open at month end", "overdue_at_end": "Overdue at month end",
        "repeats": "Repeat complaints", "unresolvable": "Unresolvable",
        "followed_up": "Followed up", "follow_up_rate": "Follow-up rate",
        "satisfaction_rate": "Satisfaction rate", "mean_response_hours": "Mean first reply (h)",
        "mean_close_hours": "Mean time to close (h)", "capa_done": "Root cause & action done",
        "capa_rate": "Root-cause rate", "actions_overdue_at_end": "Actions overdue at month end",
    },
}
WORDS = {
    "zh": {
        "title": "客户投诉案件统计表", "month": "{y}年{m}月",
        "stamp": "{company}　统计月份：{month}　生成时间：{at}",
        "figures": "一、主要指标", "figure": "指标", "this": "本月",
        "prev": "上月", "change": "变化", "by_severity": "按有效级别", "by_channel": "按受理渠道",
        "by_customer_type": "按客户类型", "by_category": "二、按投诉类别",
        "by_department": "三、按责任部门", "matrix": "四、投诉类别 × 责任部门",
        "corner": "类别＼部门", "trend": "五、近十二个月趋势", "trend_month": "月份",
        "top": "六、投诉最多的客户（前 10 名）", "customer": "客户名称",
        "overdue": "七、月末逾期未结的案件", "unresolvable": "八、无法解决的案件",
        "count": "件数", "share": "占比", "total": "合计", "none": "（无）",
        "received": "受理件数", "closed": "结案件数", "case_id": "投诉编号",
        "received_on": "受理日期", "category": "投诉类别", "department": "责任部门",
        "severity": "有效级别", "channel": "受理渠道", "customer_type": "客户类型",
        "due_close": "结案时限", "late_days": "逾期天数",
        "status": "状态", "description": "投诉内容", "category_chart": "受理件数：按投诉类别",
        "department_chart": "受理件数：按责任部门", "trend_chart": "近十二个月受理与结案",
        "footer": "&C第 &P 页，共 &N 页", "outside": "注：登记表中的投诉受理于 {first} 至 {last}，"
        "{month} 不在其中", "empty": "注：登记表中还没有可统计的投诉",
        "summary": "本月受理 {received} 件（上月 {prev} 件）；结案 {closed} 件，一次闭环率 {rate}；"
        "月末未结 {open} 件，其中逾期 {overdue} 件；回访率 {follow}，满意率 {satisfied}。",
    },
    "en": {
        "title": "Customer complaint statistics", "month": "{y}-{m:02d}",
        "stamp": "{company}   month: {month}   generated: {at}", "figures": "1. Key figures",
        "figure": "Figure", "this": "This month", "prev": "Last month", "change": "Change",
        "by_severity": "By effective severity", "by_channel": "By channel",
        "by_customer_type": "By customer type", "by_category": "2. By category",
        "by_department": "3. By responsible department",
        "matrix": "4. Category × responsible department", "corner": "Category \\ dept",
        "trend": "5. Last twelve months", "trend_month": "Month",
        "top": "6. Customers with most complaints (top 10)", "customer": "Customer",
        "overdue": "7. Cases overdue at month end", "unresolvable": "8. Unresolvable cases",
        "count": "Cases", "share": "Share", "total": "Total", "none": "(none)",
        "received": "Received", "closed": "Closed", "case_id": "Case ID",
        "received_on": "Received", "category": "Category", "department": "Department",
        "severity": "Severity", "channel": "Channel", "customer_type": "Customer type",
        "due_close": "Close due", "late_days": "Days late",
        "status": "Status", "description": "Description",
        "category_chart": "Received by category", "department_chart": "Received by department",
        "trend_chart": "Received and closed, last twelve months",
        "footer": "&CPage &P of &N", "outside": "Note: the register's complaints were received "
        "from {first} to {last}; {month} is outside that range",
        "empty": "Note: the register has no complaints to count yet",
        "summary": "Received {received} (last month {prev}); closed {closed}, on time {rate}; "
        "open at month end {open}, of which overdue {overdue}; follow-up {follow}, "
        "satisfaction {satisfied}.",
    },
}
_BAR, _BAR2, _LINE1, _LINE2 = "4472C4", "5B9BD5", "4472C4", "ED7D31"


@dataclass
class StatsLayout:
    """The sheet, and where each block of figures sits (for tests and the read-back check)."""

    sheet: ReportSheet
    # block -> (first data row, first column, number of rows)
    where: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def stats_sheet(stats: MonthlyStats, *, generated_at: datetime, company: str,
                lang: str = "zh") -> StatsLayout:
    w = WORDS.get(lang, WORDS["zh"])
    labels = LABELS.get(lang, LABELS["zh"])
    sheet = ReportSheet(STATS_SHEET, footer=w["footer"], print_title_rows=(1, 2))
    out = StatsLayout(sheet)
    sheet.widths = {1: 24, **{c: 11 for c in range(2, COLUMNS + 1)}}
    last = column_letter(COLUMNS)
    month_text = w["month"].format(y=stats.month.year, m=stats.month.month)
    sheet.put(1, 1, f"{w['title']}（{month_text}）" if lang == "zh"
              else f"{w['title']} — {month_text}", TITLE)
    sheet.heights[1] = 30
    sheet.put(2, 1, w["stamp"].format(company=company, month=str(stats.month),
                                      at=f"{generated_at:%Y-%m-%d %H:%M}"), STAMP)
    sheet.merges += [f"A1:{last}1", f"A2:{last}2"]
    if stats.data_range is None:
        sheet.put(3, 1, w["empty"], NOTE)
        sheet.merges.append(f"A3:{last}3")
    elif not stats.in_range:
        since, until = stats.data_range
        sheet.put(3, 1, w["outside"].format(first=since, last=until, month=stats.month), NOTE)
        sheet.merges.append(f"A3:{last}3")

    f = stats.figures
    sheet.put(4, 1, w["summary"].format(
        received=f["received"], prev=stats.previous["received"], closed=f["closed"],
        rate=_percent(f["on_time_rate"]), open=f["open_at_end"], overdue=f["overdue_at_end"],
        follow=_percent(f["follow_up_rate"]), satisfied=_percent(f["satisfaction_rate"])),
        SUMMARY)
    sheet.merges.append(f"A4:{last}4")

    # 一、主要指标, with the small breakdowns beside it
    row = 6
    sheet.put(row, 1, w["figures"], HEADING)
    _header(sheet, row + 1, 1, [w["figure"], w["this"], w["prev"], w["change"]])
    out.where["figures"] = (row + 2, 1, len(FIGURES))
    for i, key in enumerate(FIGURES):
        r = row + 2 + i
        sheet.put(r, 1, labels[key], LABEL)
        style, change_style = _figure_styles(key)
        _value(sheet, r, 2, stats.figures.get(key), style)
        _value(sheet, r, 3, stats.previous.get(key), style)
        _value(sheet, r, 4, stats.change(key), change_style)
    received = stats.figures["received"]
    total = received if isinstance(received, int) else 0
    end = _breakdown(sheet, out, "by_severity", row, 6, w["by_severity"], stats.by_severity,
                     total, w)
    _breakdown(sheet, out, "by_customer_type", end + 1, 6, w["by_customer_type"],
               stats.by_customer_type, total, w)
    _breakdown(sheet, out, "by_channel", row, 10, w["by_channel"], stats.by_channel, total, w)
    row = row + 2 + len(FIGURES) + 1
    sheet.row_breaks.append(row - 1)

    # 二、三、by category and department, each with its bar chart beside it
    for key, chart_title in (("by_category", "category_chart"),
                             ("by_department", "department_chart")):
        values = getattr(stats, key)
        end = _breakdown(sheet, out, key, row, 1, w[key], values, total, w)
        first, n = out.where[key][0], len(values)
        sheet.charts.append(Chart("bar", w[chart_title], [Series(
            w["count"], f"B{first - 1}", f"A{first}:A{first + n - 1}",
            f"B{first}:B{first + n - 1}", list(values), list(values.values()), _BAR
            if key == "by_category" else _BAR2)], (5, row + 1), (COLUMNS + 1,
                                                              row + 1 + max(CHART_ROWS, n + 2))))
        row = max(end, row + 1 + max(CHART_ROWS, n + 2)) + 1
    sheet.row_breaks.append(row - 1)

    # 四、类别 × 责任部门
    row = _matrix(sheet, out, row, stats, w)
    # 五、trend with its line chart
    sheet.put(row, 1, w["trend"], HEADING)
    _header(sheet, row + 1, 1, [w["trend_month"], w["received"], w["closed"]])
    first = row + 2
    for i, (month, n_received, n_closed) in enumerate(stats.trend):
        sheet.put(first + i, 1, str(month), LABEL)
        sheet.put(first + i, 2, n_received, COUNT)
        sheet.put(first + i, 3, n_closed, COUNT)
    n = len(stats.trend)
    out.where["trend"] = (first, 1, n)
    months = [str(m) for m, _, _ in stats.trend]
    sheet.charts.append(Chart("line", w["trend_chart"], [
        Series(w["received"], f"B{row + 1}", f"A{first}:A{first + n - 1}",
               f"B{first}:B{first + n - 1}", months, [r for _, r, _ in stats.trend], _LINE1),
        Series(w["closed"], f"C{row + 1}", f"A{first}:A{first + n - 1}",
               f"C{first}:C{first + n - 1}", months, [c for _, _, c in stats.trend], _LINE2),
    ], (5, row + 1), (COLUMNS + 1, row + 1 + CHART_ROWS), legend=True))
    row = max(first + n, row + 1 + CHART_ROWS) + 1
    sheet.row_breaks.append(row - 1)

    # 六、top customers
    sheet.put(row, 1, w["top"], HEADING)
    _header(sheet, row + 1, 1, [w["customer"], w["count"]])
    out.where["top_customers"] = (row + 2, 1, len(stats.top_customers))
    for i, (name, count) in enumerate(stats.top_customers):
        sheet.put(row + 2 + i, 1, name, TEXT)
        sheet.put(row + 2 + i, 2, count, COUNT)
    if not stats.top_customers:
        sheet.put(row + 2, 1, w["none"], EMPTY)
    row += 3 + max(len(stats.top_customers), 1)

    # 七、八、the lists
    heads = [w["customer"], w["case_id"], w["received_on"], w["category"], w["department"],
             w["severity"], w["due_close"], w["late_days"], w["status"]]
    row = _case_list(sheet, out, "overdue_at_end", row, w["overdue"], heads,
                     stats.overdue_at_end, w, late=True)
    heads = heads[:6] + [w["status"], w["description"]]
    row = _case_list(sheet, out, "unresolvable", row, w["unresolvable"], heads,
                     stats.unresolvable, w, late=False)
    sheet.print_area = f"A1:{column_letter(max(COLUMNS, sheet.last_col))}{row}"
    return out


def _percent(value: float | int | None) -> str:
    return NONE if value is None else f"{value:.1%}"


def _figure_styles(key: str) -> tuple[CellStyle, CellStyle]:
    if key in RATES:
        return RATE, RATE_CHANGE
    if key in HOURS:
        return HOURS_STYLE, HOURS_CHANGE
    return COUNT, CHANGE


def _value(sheet: ReportSheet, row: int, col: int, value: float | int | None,
           style: CellStyle) -> None:
    if value is None:
        sheet.put(row, col, NONE, EMPTY)
    else:
        sheet.put(row, col, value, style)


def _header(sheet: ReportSheet, row: int, col: int, names: list[str]) -> None:
    for i, name in enumerate(names):
        sheet.put(row, col + i, name, HEAD)


def _breakdown(sheet: ReportSheet, out: StatsLayout, key: str, row: int, col: int,
               title: str, values: dict[str, int], total: int, w: dict[str, str]) -> int:
    """A name / 件数 / 占比 table with a total line under a heading; returns the row after it."""
    sheet.put(row, col, title, HEADING)
    _header(sheet, row + 1, col, [w[key.removeprefix("by_")], w["count"], w["share"]])
    first = row + 2
    for i, (name, n) in enumerate(values.items()):
        sheet.put(first + i, col, name, LABEL)
        sheet.put(first + i, col + 1, n, COUNT)
        _value(sheet, first + i, col + 2, round(n / total, 4) if total else None, SHARE)
    out.where[key] = (first, col, len(values))
    end = first + len(values)
    sheet.put(end, col, w["total"], TOTAL_LABEL)
    sheet.put(end, col + 1, sum(values.values()), TOTAL)
    _value(sheet, end, col + 2, 1.0 if total else None,
           CellStyle(bold=True, border=True, num_fmt="0.0%", align="right", fill="F2F2F2"))
    return end + 1


def _matrix(sheet: ReportSheet, out: StatsLayout, row: int, stats: MonthlyStats,
            w: dict[str, str]) -> int:
    departments = list(stats.by_department)
    sheet.put(row, 1, w["matrix"], HEADING)
    _header(sheet, row + 1, 1, [w["corner"], *departments, w["total"]])
    first = row + 2
    for i, (category, counts) in enumerate(stats.matrix.items()):
        sheet.put(first + i, 1, category, LABEL)
        for j, department in enumerate(departments):
            n = counts.get(department, 0)
            sheet.put(first + i, 2 + j, n if n else None, COUNT)
        sheet.put(first + i, 2 + len(departments), sum(counts.values()), TOTAL)
    end = first + len(stats.matrix)
    sheet.put(end, 1, w["total"], TOTAL_LABEL)
    for j, department in enumerate(departments):
        sheet.put(end, 2 + j, stats.by_department[department], TOTAL)
    sheet.put(end, 2 + len(departments), sum(stats.by_department.values()), TOTAL)
    out.where["matrix"] = (first, 1, len(stats.matrix))
    return end + 2


def _case_list(sheet: ReportSheet, out: StatsLayout, key: str, row: int, title: str,
               heads: list[str], cases: list[CaseLine], w: dict[str, str], *,
               late: bool) -> int:
    sheet.put(row, 1, f"{title}（{len(cases)}）" if "、" in title else f"{title} ({len(cases)})",
              HEADING)
    _header(sheet, row + 1, 1, heads)
    if not late:
        sheet.merges.append(f"H{row + 1}:{column_letter(COLUMNS)}{row + 1}")
    first = row + 2
    out.where[key] = (first, 1, len(cases))
    for i, c in enumerate(cases):
        r = first + i
        cells: list[tuple[CellValue, CellStyle]] = [
            (c.customer, TEXT), (c.case_id, TEXT), (c.received_at, DATE), (c.category, TEXT),
            (c.department, TEXT), (c.severity, TEXT)]
        if late:
            cells += [(c.due_close, DATE), (c.overdue_days, DAYS), (c.status, TEXT)]
        else:
            cells += [(c.status, TEXT), (_one_line(c.description), TEXT)]
            sheet.merges.append(f"H{r}:{column_letter(COLUMNS)}{r}")
            for col in range(9, COLUMNS + 1):
                sheet.put(r, col, None, TEXT)
        for j, (value, style) in enumerate(cells):
            sheet.put(r, 1 + j, value, style)
    if not cases:
        sheet.put(first, 1, w["none"], EMPTY)
    return first + max(len(cases), 1) + 1


def _one_line(text: str | None, limit: int = 80) -> str | None:
    if text is None:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
