"""A small register for the morning-mail tests, with hand-checked expectations.

As of Tue 2026-11-24 09:00 (服务过程 1d, 产品质量 2d, cut-off 16:30):
  2611-0001 甲 服务过程 received Mon 11-16 → due Tue 11-17 16:30 → 5 working days overdue
  2611-0002 乙 服务过程 received Mon 11-23 → due today 16:30
  2611-0003 丙 产品质量 received Thu 11-19 → response due Fri 11-20 missed → 2 days, 质量部
  2611-0004 丁 服务过程 closed late → not listed
  2611-0005 甲 again while 0001 is open → a re-contact → not listed
  2611-0006 戊 产品质量 重大, due Wed 11-25 → only for 总经理办公室 (接收升级), 1 day left
  2611-0007 己 服务过程 重大 received Wed 11-18 → due Thu 11-19 → 3 days, 客服部 + 总经理办公室
  2611-0008 庚 服务过程, not due yet (received after the cut-off today... tomorrow's) → not listed
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from helpers import good_row, make_register

from toolkit.register import CellValue

AS_OF = datetime(2026, 11, 24, 9, 0)
QUALITY = {"product": "变速箱", "batch": "B2611", "evidence": "照片.jpg"}


def rows(customer_1: str = "甲公司") -> list[dict[str, CellValue]]:
    return [
        good_row(case_id="2611-0001", customer=customer_1, phone="13800000001",
                 received_at=datetime(2026, 11, 16, 10), handler="张三"),
        good_row(case_id="2611-0002", customer="乙公司", phone="13800000002",
                 received_at=datetime(2026, 11, 23, 10), handler="李四"),
        good_row(case_id="2611-0003", customer="丙公司", phone="13800000003",
                 received_at=datetime(2026, 11, 19, 10), category="产品质量", **QUALITY),
        good_row(case_id="2611-0004", customer="丁公司", phone="13800000004",
                 received_at=datetime(2026, 11, 2, 10), status="已结案",
                 closed_at=datetime(2026, 11, 10, 10), resolution="已道歉", follow_up="满意",
                 first_response_at=datetime(2026, 11, 2, 11)),
        good_row(case_id="2611-0005", customer=customer_1, phone="13800000001",
                 received_at=datetime(2026, 11, 20, 10)),
        good_row(case_id="2611-0006", customer="戊公司", phone="13800000006",
                 received_at=datetime(2026, 11, 23, 10), category="产品质量", severity="重大",
                 **QUALITY),
        good_row(case_id="2611-0007", customer="己公司", phone="13800000007",
                 received_at=datetime(2026, 11, 18, 10), severity="重大"),
        good_row(case_id="2611-0008", customer="庚公司", phone="13800000008",
                 received_at=datetime(2026, 11, 24, 8)),
    ]


DEPARTMENTS: list[list[CellValue]] = [
    ["部门名称", "负责人", "邮箱", "接收升级"],
    ["质量部", "王", "", "否"],
    ["技术部", "", "tech@example.com", "否"],
    ["客服部", "李", "service@example.com; 客服主管 <lead@example.com>", "否"],
    ["总经理办公室", "", "gm@example.com, gone@example.com", "是"],
]


def morning_register(path: Path, *, customer_1: str = "甲公司",
                     departments: Sequence[Sequence[CellValue]] = DEPARTMENTS,
                     holidays: Sequence[Sequence[CellValue]] = ()) -> Path:
    extra: dict[str, Sequence[Sequence[CellValue]]] = {"部门": departments}
    if holidays:
        extra["节假日"] = [["日期", "类型", "说明"], *holidays]
    keys = ["case_id", "received_at", "receiver", "customer", "phone", "category", "severity",
            "description", "status", "product", "batch", "evidence", "handler",
            "first_response_at", "resolution", "closed_at", "follow_up"]
    return make_register(path, rows(customer_1), keys=keys, extra_sheets=extra)
