"""The faults planted in the demo register: one bad cell per check code, late claims, a probe."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

Row = dict[str, object]  # a demo row, as in toolkit.demo.data


def plant_late_claims(rows: list[Row], rng: random.Random, *, avoid: set[int]) -> dict[int, str]:
    """Two 物流运输 cases received long after the goods arrived (收货日期), outside rows in
    `avoid`: row index -> "late-claim", the warning check should give."""
    candidates = [i for i, r in enumerate(rows) if r["category"] == "物流运输" and i not in avoid]
    warnings: dict[int, str] = {}
    for i in rng.sample(candidates, min(2, len(candidates))):
        received = rows[i]["received_at"]
        assert isinstance(received, datetime)
        rows[i]["delivered_on"] = received.date() - timedelta(days=rng.randint(9, 16))
        warnings[i] = "late-claim"
    return warnings


def plant_invalid(rows: list[Row], as_of: datetime, rng: random.Random, *, paired: set[int],
                  avoid: set[int]) -> tuple[dict[int, str], list[int]]:
    """One defect in each of twelve numbered rows from before this month, and an injection
    probe (投诉内容 starting with "=") in another: (row index -> the error code check should
    give, the probes' indexes). Rows in `paired` (planted repeats and re-contacts) and `avoid`
    are left alone."""
    recent = f"{as_of:%y%m}"
    # Rows whose dates could change how a planted pair is classified stay untouched.
    pair_customers = {rows[i]["customer"] for i in paired}
    free = [i for i in range(len(rows)) if i not in paired and i not in avoid
            and rows[i].get("case_id") and not str(rows[i]["case_id"]).startswith(recent)]
    invalid: dict[int, str] = {}
    probes: list[int] = []
    rng.shuffle(free)

    def pick(test: Callable[[Row], object] | None = None) -> int:
        for i in free:
            if test is None or test(rows[i]):
                free.remove(i)
                return i
        raise AssertionError("no demo row fits")  # demo.data.MIN_ROWS rules this out

    def closed(r: Row) -> bool:
        return r.get("status") == "已结案" and r["customer"] not in pair_customers

    i = pick()
    rows[i]["phone"] = "138123456"  # a digit short
    invalid[i] = "bad-phone"
    i = pick(lambda r: r.get("first_response_at"))
    rows[i]["first_response_at"] = f"{as_of.year}-13-45 09:30"
    invalid[i] = "bad-date"
    i = pick()
    rows[i]["description"] = None
    invalid[i] = "missing"
    i = pick(closed)
    rows[i]["closed_at"] = None
    invalid[i] = "status-mismatch"
    i = pick(closed)
    rows[i]["follow_up"] = "不满意"
    invalid[i] = "unhappy-closed"
    i = pick(lambda r: r.get("quantity"))
    rows[i]["quantity"] = -2
    invalid[i] = "bad-number"
    i = pick()
    received = rows[i]["received_at"]
    assert isinstance(received, datetime)
    previous = (received.replace(day=1) - timedelta(days=1)).strftime("%y%m")
    used = {str(r.get("case_id")) for r in rows}
    number = sum(1 for u in used if u.startswith(previous)) + rng.randint(20, 80)
    while f"{previous}-{number:04d}" in used:  # a wrong month, not also a duplicate
        number += 1
    rows[i]["case_id"] = f"{previous}-{number:04d}"  # the month typed wrong
    invalid[i] = "bad-id"
    i = pick(lambda r: int(str(r["case_id"])[-4:]) > 3)
    month = str(rows[i]["case_id"])[:4]
    above = max(j for j in range(i) if str(rows[j].get("case_id") or "")[:4] == month)
    rows[i]["case_id"] = rows[above]["case_id"]  # copied down from the row above
    invalid[i] = "duplicate-id"
    i = pick()
    rows[i]["email"] = "wang.li@163"
    invalid[i] = "bad-email"
    i = pick(closed)
    closed_at = rows[i]["closed_at"]
    assert isinstance(closed_at, datetime)
    typo = closed_at.replace(year=closed_at.year + 1, day=min(closed_at.day, 28))
    if typo <= as_of:
        typo = typo.replace(year=as_of.year + 1)
    rows[i]["closed_at"] = typo
    invalid[i] = "future"  # the year typed wrong
    i = pick(closed)
    received = rows[i]["received_at"]
    assert isinstance(received, datetime)
    rows[i]["closed_at"] = received - timedelta(days=1, hours=2)
    invalid[i] = "order"
    i = pick()
    rows[i]["severity"] = "紧急"
    invalid[i] = "bad-enum"
    i = pick()
    rows[i]["description"] = '=HYPERLINK("http://example.com/x","点击查看")客户邮件原文粘贴'
    probes.append(i)
    return invalid, probes
