"""Deterministic cost checks: values that repeat down a register are normalised once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from toolkit.register import STAFF_COLUMNS, Case, HeaderMap, RegisterData
from toolkit.rules import repeats, routing
from toolkit.rules.engine import load_rules

# Spelled unlike any routing-table row, so only the cases' own values are counted.
CATEGORIES = (" 产品质量", "物流运输 ", " 服务过程 ")


def _cases(n: int) -> list[Case]:
    start = datetime(2026, 1, 5, 9)
    return [Case(row=i + 2, category=CATEGORIES[i % 3], customer=f"客户{i % 40}",
                 phone=f"138{i % 40:08d}", product=f" X{i % 2} ", description="车门异响，要求更换",
                 customer_type=" 经销商", received_at=start + timedelta(hours=7 * i),
                 status="处理中", severity="一般")
            for i in range(n)]


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> Counter[str]:
    calls: Counter[str] = Counter()
    real = getattr(module, name)

    def counted(text: str | None) -> str | None:
        calls[str(text)] += 1
        return real(text)

    monkeypatch.setattr(module, name, counted)
    return calls


def _rules():
    data = RegisterData(path="r.xlsx", register_sheet="投诉记录", header_row=1,
                        headers=HeaderMap.from_row([c.zh for c in STAFF_COLUMNS]), rows=[],
                        rule_sheets={}, last_column=len(STAFF_COLUMNS))
    return load_rules(data)


def test_routing_normalises_each_category_and_customer_type_once(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch, routing, "_norm")
    rules = _rules()
    for case in _cases(600):
        routing.route(case, rules)
    assert [calls[c] for c in CATEGORIES] == [1, 1, 1]
    assert calls[" 经销商"] <= 1


def test_repeat_detection_normalises_each_category_and_product_once(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch, repeats, "_text_key")
    found = repeats.find_repeats(_cases(600), 30)
    assert any(info.kind for info in found.values())  # the cases do relate to each other
    assert [calls[c] for c in CATEGORIES] == [1, 1, 1]
    assert calls[" X0 "] == calls[" X1 "] == 1
