"""The demo register's corrective actions (docs/capa.md): causes, actions, due and done dates,
effects, with a few actions overdue and one found not to work."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

Row = dict[str, object]  # a demo row, as in toolkit.demo.data

# 投诉类别 -> (原因分析, 纠正措施) pairs a department would write.
ANALYSES: dict[str, tuple[tuple[str, str], ...]] = {
    "产品质量": (
        ("供应商来料密封圈压缩量不足，进货检验只查外观",
         "来料检验增加压缩量抽检，每批 5 件并留记录"),
        ("装配工位未按扭矩要求紧固，缺少复检", "增加扭矩复检工序，每班抽检 5 台并签字"),
        ("喷涂线烘干温度波动，漆面附着力不足", "烘干炉加装温度报警，每两小时记录一次温度曲线"),
        ("线束固定卡扣漏装，终检清单未列此项", "终检清单增加线束卡扣检查项，并对装配工培训"),
    ),
    "技术能力": (
        ("服务站技师未接受新车型诊断培训", "新车型上市前完成服务站技师培训并考核"),
        ("故障诊断手册版本过旧，缺少新故障码", "更新诊断手册并推送到所有服务站的系统"),
    ),
    "服务过程": (
        ("派工未考虑路程时间，上门经常迟到", "派工单增加路程预估，每周复盘迟到记录"),
        ("客服话术缺少投诉安抚环节", "修订客服话术并组织全员培训，抽查录音"),
    ),
    "销售过程": (
        ("销售顾问口头承诺赠品未写入合同", "赠品和优惠一律写入合同附件，销售经理复核"),
        ("交车前检查清单执行不到位", "交车前检查清单由销售经理签字确认"),
    ),
    "备件供应": (
        ("常用备件安全库存设置过低", "按近三个月用量重设安全库存，每月复核"),
        ("备件订单跟踪无人负责，缺件未预警", "指定专人跟踪在途订单，缺件当天通知客户"),
    ),
    "随车文件": (
        ("发运前随车文件核对只凭目测", "发运前按清单逐项扫码核对随车文件"),
    ),
    "财务问题": (
        ("开票信息由销售手工录入，易出错", "开票信息改由客户在系统中确认后生成"),
        ("退款审批流程环节过多，超出承诺时限", "退款审批压缩为两级，三个工作日内办结"),
    ),
    "物流运输": (
        ("承运商装车未加固，运输途中碰撞", "与承运商签订加固标准，装车后拍照留存"),
        ("包装箱强度不足，长途运输变形", "更换加强型包装箱并做跌落试验验证"),
    ),
    "其他": (
        ("相关制度未明确责任人", "明确责任人并写入部门职责，月度检查"),
    ),
}

_ANALYSED_ONCE_CLOSED = 0.97  # share of older substantiated closures already analysed
_ANALYSED_RECENTLY = 0.55  # closed in the last two weeks: the analysis is often still pending
_OVERDUE = 4


def plant_actions(rows: list[Row], as_of: datetime, rng: random.Random, *,
                  repeats: list[tuple[int, int]],
                  recontacts: list[tuple[int, int]], skip: set[int]) -> dict[int, str]:
    """Fill 原因分析 .. 效果确认 on most substantiated cases, in place: row index -> the code
    check should give for the planted ones ("action-overdue" for a few actions left undone
    past their due date, "action-ineffective" for the one whose complaint came back). A
    re-contact names the analysis of the case it chases. Rows in `skip` (the planted faults)
    get no planted finding."""
    today = as_of.date()
    chasing = {later: first for first, later in recontacts}
    analysed: list[int] = []
    for i, row in enumerate(rows):
        if i not in chasing and _analyse(row, today, rng):
            analysed.append(i)
    # The chasing call names the same analysis; its dates stay with the original case (a done
    # day may well lie before the call was received). Without one it has its own.
    for later, first in chasing.items():
        if rows[first].get("corrective_action"):
            for key in ("root_cause", "corrective_action"):
                rows[later][key] = rows[first][key]
        else:
            _analyse(rows[later], today, rng)

    planted: dict[int, str] = {}
    candidates = [i for i in analysed if i not in skip]
    # The earlier case of a repeat complaint: its action was done, and the matter came back.
    for first, later in repeats:
        done = rows[first].get("action_done_on")
        if first in candidates and isinstance(done, date) and done < _day(
                rows[later]["received_at"]):
            rows[first]["effect"] = "无效"
            planted[first] = "action-ineffective"
            break
    # A few actions due in the last two months, still not done: open and closed cases alike.
    late = [i for i in candidates if i not in planted and _due_between(rows[i], today, 2, 60)]
    for i in rng.sample(late, min(_OVERDUE, len(late))):
        rows[i].pop("action_done_on", None)
        rows[i].pop("effect", None)
        planted[i] = "action-overdue"
    return planted


def _analyse(row: Row, today: date, rng: random.Random) -> bool:
    """Write a substantiated case's analysis, action and dates as its department would have
    by `today`; False when it has not (yet)."""
    if row.get("substantiated") != "是":
        return False
    start = _analysis_day(row, today, rng)
    if start is None:
        return False
    cause, action = rng.choice(ANALYSES.get(str(row["category"]), ANALYSES["其他"]))
    due = start + timedelta(days=rng.choice((7, 10, 14, 14, 21, 30)))
    row.update(root_cause=cause, corrective_action=action, action_due=due)
    if due <= today or rng.random() < 0.2:  # most finish near the due date, a few early
        done = due + timedelta(days=rng.choice((-5, -3, -2, -1, 0, 0, 1, 3)))
        done = min(max(done, start), today)
        row["action_done_on"] = done
        if (today - done).days >= 30:
            row["effect"] = "有效" if rng.random() < 0.95 else "待确认"
        elif rng.random() < 0.6:
            row["effect"] = "待确认"
    return True


def _analysis_day(row: Row, today: date, rng: random.Random) -> date | None:
    """The day the department wrote its analysis (between receipt and today), or None when it
    has not (yet)."""
    received = row.get("received_at")
    if not isinstance(received, datetime):
        return None
    status = row.get("status")
    closed = row.get("closed_at")
    day: date | None = None
    if status == "已结案" and isinstance(closed, datetime):
        recent = (today - closed.date()).days < 14
        if rng.random() < (_ANALYSED_RECENTLY if recent else _ANALYSED_ONCE_CLOSED):
            day = closed.date()
    elif status in ("处理中", "待回访") and row.get("resolution") and rng.random() < 0.3:
        # An open case whose resolution is known: some departments analyse before closing.
        responded = row.get("first_response_at")
        day = (responded if isinstance(responded, datetime) else received).date()
    # A 结案时间 typed wrong (a planted fault) does not put the analysis out of order.
    return None if day is None else min(max(day, received.date()), today)


def _due_between(row: Row, today: date, least: int, most: int) -> bool:
    due = row.get("action_due")
    return isinstance(due, date) and least <= (today - due).days <= most


def _day(value: object) -> date:
    assert isinstance(value, datetime)
    return value.date()
