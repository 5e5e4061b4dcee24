"""A realistic, reproducible demo register: 14 months of a vehicle maker's complaint desk.

`build_demo(as_of)` returns a `DemoRegister`; `demo_rows(as_of)` just its rows (column key ->
value, in receipt order, ready for `sheets.template.build_register`). With the defaults
(seed 7, 420 rows) the register holds:

- cases received over the 14 calendar months ending at `as_of` (the first of the month 13
  months back up to `as_of`), about 30 a month; receipt mostly in working hours, about one
  in eight after the 16:30 cut-off, a few on weekends and on fixed public holidays;
- customers from a fixed pool: dealers (杭州顺达汽车销售服务有限公司 ...), end customers
  (people, fleets), key customers, and a few overseas dealers (区域 国外, +country phones);
  some customers complain far more often than others, so "top customers" means something;
- every 受理渠道, 投诉类别 (realistic texts: defects with products and batches, technical
  issues, service attitude, sales promises, spare-part delays, missing 随车文件, invoices and
  refunds naming 发票/退款 so the finance keyword rule fires, transport damage with 收货日期
  and photo/video evidence), every 投诉级别 (mostly 一般) and every 状态: older cases closed
  (a few 无法解决, a few still open and overdue), recent ones 新建/处理中/待回访;
- first replies mostly within a day, some late; closures mostly on time, some late; 处理方案,
  回访结果 (mostly 满意), 赔偿金额 and 审批状态 where compensation or severity needs sign-off;
- 12 planted repeat complaints (same customer, category and product, received within 30 days
  after the earlier case closed) and 10 planted re-contacts (the customer calls again while
  the first case is open) — `repeats` / `recontacts` name the pairs;
- 12 deliberately invalid rows, one defect each (`invalid` maps row index -> expected code:
  bad-phone, bad-date, missing, status-mismatch, unhappy-closed, bad-number, bad-id,
  duplicate-id, bad-email, future, order, bad-enum) and an injection probe whose 投诉内容
  starts with "=" (`probes`); two late transport claims (`warnings`, late-claim);
- 原因分析, 纠正措施, 整改期限, 整改完成 and 效果确认 on most substantiated closed cases (the
  newest closures often not analysed yet), a few actions overdue and one found not to work
  (`actions`, from `capa`);
- 投诉编号 `YYMM-NNNN` numbered per month in receipt order, the newest few left blank for
  check to assign; 责任部门 mostly blank (the rules route), some filled by hand, 被投诉部门 on
  some rows.

Datetimes are naive local times; no value lies after `as_of` except the planted `future` one
and the 整改期限 of actions still under way.
The fixed tables (staff, customers, products, complaint texts) are in `demo_texts`, the
planted invalid cells, late claims and probe in `demo_defects`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from toolkit.demo.capa import plant_actions
from toolkit.demo.defects import plant_invalid, plant_late_claims
from toolkit.demo.texts import (
    BRANDS,
    CITIES,
    DEALER_SUFFIXES,
    EVIDENCE,
    FLEETS,
    GENERIC_RESOLUTIONS,
    GIFTS,
    GIVEN,
    HANDLERS,
    KEY_CUSTOMERS,
    OVERSEAS,
    PARTS,
    RECEIVERS,
    SURNAMES,
    TEXTS,
    UNRESOLVABLE,
    URGENT,
    VEHICLES,
    Text,
)
from toolkit.register import CHANNELS, SEVERITIES

Row = dict[str, object]
MIN_ROWS = 200

FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), *((10, d) for d in range(1, 8))}
CUTOFF = time(16, 30)
FINANCE_WORDS = ("发票", "收款", "退款", "对账")
ROUTE = {"产品质量": "质量部", "技术能力": "技术部", "服务过程": "客服部", "销售过程": "销售部",
         "备件供应": "备件部", "随车文件": "物流部", "物流运输": "物流部", "财务问题": "财务部"}
CLOSE_DAYS = {"产品质量": 2, "技术能力": 2, "随车文件": 2, "服务过程": 1, "销售过程": 1,
              "备件供应": 1}
CATEGORY_WEIGHTS = {"产品质量": 24, "技术能力": 8, "服务过程": 16, "销售过程": 10, "备件供应": 14,
                    "随车文件": 6, "财务问题": 8, "物流运输": 10, "其他": 4}
SEVERITY_WEIGHTS = (72, 19, 7, 2)


@dataclass
class DemoRegister:
    """The demo rows and what was planted in them. Indexes are 0-based into `rows`; the
    worksheet row is index + 2 (row 1 is the header)."""

    as_of: datetime
    rows: list[Row]
    invalid: dict[int, str] = field(default_factory=dict)  # index -> the error code planted
    warnings: dict[int, str] = field(default_factory=dict)  # index -> the warning planted
    probes: list[int] = field(default_factory=list)  # text that must stay text (starts with =)
    repeats: list[tuple[int, int]] = field(default_factory=list)  # (earlier, later)
    recontacts: list[tuple[int, int]] = field(default_factory=list)  # (first, call again)
    actions: dict[int, str] = field(default_factory=dict)  # index -> action-overdue / -ineffective

    def summary(self) -> dict[str, object]:
        """Counts a person can check the demo against."""
        def count(key: str) -> dict[str, int]:
            return dict(Counter(str(r.get(key) or "") for r in self.rows).most_common())

        received = [v for r in self.rows if isinstance(v := r.get("received_at"), datetime)]
        return {
            "rows": len(self.rows),
            "first_received": min(received).isoformat(), "last_received": max(received).isoformat(),
            "status": count("status"), "category": count("category"),
            "severity": count("severity"), "channel": count("channel"),
            "customers": len({r.get("customer") for r in self.rows}),
            "blank_case_ids": sum(1 for r in self.rows if not r.get("case_id")),
            "manual_departments": sum(1 for r in self.rows if r.get("department")),
            "complained_departments": sum(1 for r in self.rows if r.get("complained_dept")),
            "repeats": len(self.repeats), "recontacts": len(self.recontacts),
            "invalid": len(self.invalid), "warnings": len(self.warnings),
        }


def demo_rows(as_of: datetime, *, seed: int = 7, count: int = 420) -> list[Row]:
    """The demo register's rows in receipt order (see the module docstring)."""
    return build_demo(as_of, seed=seed, count=count).rows


def build_demo(as_of: datetime, *, seed: int = 7, count: int = 420) -> DemoRegister:
    """The demo register as of `as_of`, the same for the same arguments."""
    if count < MIN_ROWS:
        raise ValueError(f"the demo needs at least {MIN_ROWS} rows to plant everything it promises")
    return _Builder(as_of.replace(second=0, microsecond=0), random.Random(seed), count).build()


# ---------------------------------------------------------------------------


def _is_workday(d: date) -> bool:
    return d.weekday() < 5 and (d.month, d.day) not in FIXED_HOLIDAYS


def _next_workday(d: date) -> date:
    d += timedelta(days=1)
    while not _is_workday(d):
        d += timedelta(days=1)
    return d


def _due(received: datetime, days: int, start: date | None = None) -> datetime:
    """The deadline as docs/rules.md counts it, with fixed holidays only (close enough to plan
    on-time and late cases; check computes the real ones)."""
    day = start or received.date()
    if start is None and received.time() > CUTOFF:
        day += timedelta(days=1)
    day += timedelta(days=days)
    while not _is_workday(day):
        day += timedelta(days=1)
    return datetime.combine(day, CUTOFF)


@dataclass
class _Customer:
    name: str
    kind: str  # 经销商 / 终端客户 / 重点客户
    contact: str
    phone: str
    email: str | None
    overseas: bool = False


class _Builder:
    def __init__(self, as_of: datetime, rng: random.Random, count: int) -> None:
        self.as_of = as_of
        self.rng = rng
        self.count = count
        month = as_of.year * 12 + as_of.month - 1 - 13
        self.start = datetime(month // 12, month % 12 + 1, 1)
        self.customers = self._customers()
        self.weights = [self._weight(c) for c in self.customers]
        self.decks: dict[str, list[Text]] = {}

    # -- people ------------------------------------------------------------

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def _mobile(self) -> str:
        return self.rng.choice(("13", "15", "18", "17", "19")) + "".join(
            self.rng.choice("0123456789") for _ in range(9))

    def _customers(self) -> list[_Customer]:
        rng = self.rng
        out: list[_Customer] = []
        seen_phones: set[str] = set()

        def phone(make: str) -> str:
            value = make
            while value in seen_phones:
                value = self._mobile()
            seen_phones.add(value)
            return value

        brands = list(BRANDS)
        rng.shuffle(brands)
        for i, (city, area) in enumerate(CITIES[: len(BRANDS)]):  # one brand per dealer
            brand, latin = brands[i % len(brands)]
            name = city + brand + rng.choice(DEALER_SUFFIXES)
            landline = f"{area}-{rng.randint(5, 8)}{rng.randint(1000000, 9999999)}"
            number = landline if rng.random() < 0.45 else self._mobile()
            mailbox = f"{rng.choice(('kefu', 'service', 'shouhou'))}@{latin}-auto.com"
            out.append(_Customer(name, "经销商", self._name(), phone(number),
                                 mailbox if rng.random() < 0.6 else None))
        for name, latin in KEY_CUSTOMERS:
            out.append(_Customer(name, "重点客户", self._name(), phone(self._mobile()),
                                 f"cheguan@{latin}.com.cn"))
        for fleet in FLEETS:
            city = rng.choice(CITIES)[0]
            out.append(_Customer(city + fleet, "终端客户", self._name(), phone(self._mobile()),
                                 None))
        people: list[str] = []
        while len(people) < 36:  # two people of the same name would be one customer
            person = self._name()
            if person in people:
                continue
            people.append(person)
            number = self._mobile()
            if rng.random() < 0.1:
                number = "+86 " + number
            email: str | None = None
            if rng.random() < 0.15:
                email = (f"{rng.choice(('zhang', 'li', 'wang', 'chen', 'liu'))}"
                         f"{rng.randint(60, 99)}{rng.choice(('@163.com', '@qq.com', '@126.com'))}")
            out.append(_Customer(person, "终端客户", person, phone(number), email))
        for name, contact, tel, domain in OVERSEAS:
            out.append(_Customer(name, "经销商", contact,
                                 phone(tel.format(n4=rng.randint(1000, 9999))),
                                 f"service@{domain}", overseas=True))
        return out

    def _weight(self, c: _Customer) -> float:
        if c.kind == "重点客户":
            return 10.0
        if c.overseas:
            return 1.5
        if c.kind == "经销商":
            return self.rng.choice((2.0, 3.0, 5.0, 8.0))
        return 0.5 if c.contact == c.name else 2.0

    # -- time --------------------------------------------------------------

    def _work_moment(self, t: datetime) -> datetime:
        """t if it falls in working hours on a working day, else early on the next one."""
        open_, close = time(8, 30), time(17, 30)
        t = t.replace(second=0, microsecond=0)
        if _is_workday(t.date()) and open_ <= t.time() <= close:
            return t
        day = t.date() if _is_workday(t.date()) and t.time() < open_ else _next_workday(t.date())
        return datetime.combine(day, open_) + timedelta(minutes=self.rng.randint(0, 90))

    def _receipt_times(self, n: int) -> list[datetime]:
        rng = self.rng
        days: list[date] = []
        d = self.start.date()
        while d <= self.as_of.date():
            days.append(d)
            d += timedelta(days=1)
        weights = [1.0 if _is_workday(d) else 0.08 for d in days]
        out = []
        for day in rng.choices(days, weights, k=n):
            if not _is_workday(day):
                minute = rng.randint(9 * 60, 18 * 60)
            else:
                roll = rng.random()
                if roll < 0.85:
                    minute = rng.randint(8 * 60 + 30, 16 * 60 + 30)
                elif roll < 0.97:
                    minute = rng.randint(16 * 60 + 31, 19 * 60)
                else:
                    minute = rng.randint(19 * 60, 22 * 60)
            t = datetime.combine(day, time(0)) + timedelta(minutes=minute)
            if t > self.as_of:  # today's cases only up to as_of; else late the evening before
                t = self.as_of - timedelta(minutes=rng.randint(20, 600))
            out.append(t)
        return sorted(out)

    # -- cases ---------------------------------------------------------------

    def _batch(self, when: datetime) -> str:
        made = when - timedelta(days=self.rng.randint(30, 240))
        return f"P{made:%y%m}-{self.rng.randint(1, 60):03d}"

    def _order(self, when: datetime) -> str:
        placed = when - timedelta(days=self.rng.randint(5, 60))
        return f"SO{placed:%Y%m%d}{self.rng.randint(1, 9999):04d}"

    def _vin(self) -> str:
        chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        return "LNB" + "".join(self.rng.choice(chars) for _ in range(8)) + \
            "".join(self.rng.choice("0123456789") for _ in range(6))

    def _draw(self, key: str) -> Text:
        """The next complaint text of a category, dealt from a shuffled deck so that every
        text turns up and none far more often than the others."""
        deck = self.decks.setdefault(key, [])
        if not deck:
            deck.extend(TEXTS[key])
            self.rng.shuffle(deck)
        return deck.pop()

    def _new_case(self, received: datetime, customer: _Customer, category: str,
                  product: str | None = None, text: str | None = None) -> Row:
        """A case as received. Without `text` a complaint is drawn for the category, and its
        product, batch, quantity and order number are the ones the text names."""
        rng = self.rng
        severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
        if customer.kind == "重点客户" and severity == "一般" and rng.random() < 0.3:
            severity = "中级"
        qty = rng.randint(2, 12)
        batch, order = self._batch(received), self._order(received)
        resolutions: tuple[str, ...] = ()
        show_product = True
        if text is None:
            key = category
            if category == "产品质量":
                key += "/整车" if rng.random() < 0.45 else "/零部件"
            text, resolutions = self._draw(key)
            if key.endswith("整车") or (category == "技术能力") or "{vin}" in text:
                product = rng.choice(VEHICLES)
                if "{qty}" not in text:
                    qty = 1
            elif "{product}" in text:
                product = rng.choice(PARTS)
            # Staff skip optional columns: outside 产品质量 the product is often left out.
            show_product = category == "产品质量" or rng.random() < 0.7
            text = text.format(
                product=product, batch=batch, qty=qty, order=order, vin=self._vin(),
                km=rng.choice((800, 1500, 3000, 5000, 12000)), hours=rng.randint(2, 5),
                days=rng.randint(3, 20), gift=rng.choice(GIFTS),
                amount=rng.choice((860, 1200, 2350, 4800)))
            if severity in URGENT:
                text = rng.choice(URGENT[severity]) + text
        channel = rng.choices(CHANNELS, (45, 15, 8, 5, 12, 10, 5))[0]
        if category == "财务问题" and rng.random() < 0.4:
            channel = "财务部转接"
        if customer.overseas:
            channel = rng.choice(("邮件", "邮件", "电话", "网站"))
        row: Row = {
            "received_at": received, "channel": channel, "receiver": rng.choice(RECEIVERS),
            "customer": customer.name, "contact": customer.contact, "phone": customer.phone,
            "email": customer.email,
            "customer_type": customer.kind if rng.random() < 0.92 else None,
            "region": "国外" if customer.overseas else ("国内" if rng.random() < 0.8 else None),
            "category": category, "severity": severity, "description": text,
            "_customer": customer, "_resolutions": resolutions,  # dropped before hand-out
        }
        if product and show_product:
            row["product"] = product
            if category == "产品质量" or rng.random() < 0.3:
                row["batch"] = batch
            row["quantity"] = qty
        if category in ("产品质量", "物流运输", "备件供应", "销售过程", "财务问题") and (
                order in text or rng.random() < 0.6):
            row["order_no"] = order
        if category == "物流运输":
            row["delivered_on"] = received.date() - timedelta(days=rng.randint(0, 5))
        if category in ("产品质量", "物流运输") or rng.random() < 0.15:
            n = rng.randint(1000, 9800)
            row["evidence"] = rng.choice(EVIDENCE).format(n=n, m=n + 1)
        if rng.random() < 0.08:
            complained = {"服务过程": "客服部", "销售过程": "销售部", "备件供应": "备件部",
                          "物流运输": "物流部", "技术能力": "技术部"}.get(category)
            row["complained_dept"] = complained
        if rng.random() < 0.06:  # routed by hand, sometimes against the table
            row["department"] = rng.choice(("质量部", "技术部", "客服部", "销售部"))
        if category in ("服务过程", "技术能力", "产品质量") and rng.random() < 0.04:
            appointment = received.date() + timedelta(days=rng.randint(3, 10))
            if appointment <= self.as_of.date():
                row["appointment_on"] = appointment  # 预约类: the customer chose a later date
        return row

    def _live(self, row: Row, fate: str = "normal", closes_with: Row | None = None) -> None:
        """Fill in what happened after receipt, as far as it had happened by as_of."""
        self._happen(row, fate, closes_with)
        if not _approval(row) and row["status"] != "新建" and self.rng.random() < 0.25:
            row["approval"] = "无需审批"

    def _happen(self, row: Row, fate: str, closes_with: Row | None) -> None:
        rng, as_of = self.rng, self.as_of
        received = row["received_at"]
        assert isinstance(received, datetime)
        close_due = _close_due(row)
        if closes_with is not None:  # a call chasing an open case is answered quickly
            responded = self._work_moment(received + timedelta(minutes=rng.randint(10, 120)))
        elif rng.random() < 0.92:
            responded = self._work_moment(received + timedelta(minutes=rng.randint(15, 360)))
        else:
            responded = self._work_moment(_due(received, 1) + timedelta(hours=rng.uniform(2, 72)))
        if fate == "unanswered" or responded > as_of:
            row["status"] = "新建"
            return
        row["first_response_at"] = responded
        row["handler"] = rng.choice(HANDLERS.get(self._department(row), HANDLERS["客服部"]))
        if closes_with is not None:
            closed = closes_with.get("closed_at")
            resolution = closes_with.get("resolution")
            if isinstance(closed, datetime):  # closed together with the case it chases
                closed = max(closed, self._work_moment(
                    responded + timedelta(minutes=rng.randint(10, 90))))
            if isinstance(closed, datetime) and closed <= as_of and resolution:
                row.update(resolution=f"与首次投诉一并处理：{resolution}", closed_at=closed,
                           follow_up=closes_with.get("follow_up"), status=closes_with["status"],
                           substantiated=closes_with.get("substantiated"))
            else:
                row.update(status="处理中", substantiated="待查")
            return
        if fate == "stuck":
            row.update(status="处理中", substantiated="待查")
            return
        if fate == "unresolvable":
            closed = self._work_moment(close_due + timedelta(days=rng.uniform(5, 25)))
        elif rng.random() < 0.92 and close_due > responded + timedelta(hours=1):
            span = (close_due - responded).total_seconds()
            closed = self._work_moment(responded + timedelta(seconds=rng.uniform(0.3, 1) * span))
        else:
            closed = self._work_moment(close_due + timedelta(hours=rng.uniform(4, 240)))
        closed = max(closed, self._work_moment(responded + timedelta(minutes=rng.randint(30, 240))))
        closed = closed.replace(second=0, microsecond=0)
        resolved = max(responded + timedelta(minutes=30),
                       closed - timedelta(hours=rng.uniform(1, 20)))
        resolved = min(resolved, closed)
        substantiated = rng.choices(("是", "否"), (78, 22))[0]
        if resolved > as_of:
            row.update(status="处理中", substantiated=rng.choice(("待查", None)))
            return
        row["substantiated"] = substantiated
        fitting = row.get("_resolutions") or GENERIC_RESOLUTIONS
        assert isinstance(fitting, tuple)
        row["resolution"] = UNRESOLVABLE if fate == "unresolvable" else rng.choice(fitting)
        self._compensate(row, substantiated)
        if fate == "rework" and closed <= as_of:
            # The follow-up call found the customer unhappy: handled again, not closed.
            row.update(follow_up="不满意", status="处理中")
        elif closed > as_of:
            row["status"] = "待回访"
        elif fate == "unresolvable":
            row.update(closed_at=closed, status="无法解决")
        else:
            row.update(closed_at=closed, status="已结案",
                       follow_up=rng.choices(("满意", "基本满意"), (74, 26))[0])

    def _department(self, row: Row) -> str:
        """Who will handle it, as the routing rules will decide (for a plausible 处理人)."""
        for key in ("department", "complained_dept"):
            if row.get(key):
                return str(row[key])
        if any(w in str(row.get("description") or "") for w in FINANCE_WORDS):
            return "财务部"
        return ROUTE.get(str(row["category"]), "客服部")

    def _compensate(self, row: Row, substantiated: str) -> None:
        rng = self.rng
        chance = {"产品质量": 0.3, "物流运输": 0.35, "服务过程": 0.06, "销售过程": 0.1}.get(
            str(row["category"]), 0.0)
        if row["severity"] in ("强烈", "重大"):
            chance += 0.3
        if substantiated == "是" and rng.random() < chance:
            amount: float = rng.choice((200, 350, 500, 800, 1200, 1500, 2600, 3000, 4800))
            if row["severity"] == "重大":
                amount *= 4
            if rng.random() < 0.2:
                amount += 0.5
            row["compensation"] = amount

    # -- the register ------------------------------------------------------

    def build(self) -> DemoRegister:
        rng = self.rng
        n_repeat, n_recontact = 12, 10
        categories = list(CATEGORY_WEIGHTS)
        rows: list[Row] = []
        for received in self._receipt_times(self.count - n_repeat - n_recontact):
            customer = rng.choices(self.customers, self.weights)[0]
            category = rng.choices(categories, list(CATEGORY_WEIGHTS.values()))[0]
            row = self._new_case(received, customer, category)
            age = (self.as_of - received).days
            roll = rng.random()
            fate = "normal"
            if age > 20 and roll < 0.015:
                fate = "unresolvable"
            elif age > 10 and roll < 0.03:
                fate = "stuck"
            elif 2 < age < 30 and roll < 0.04:
                fate = "unanswered"
            elif roll < 0.055:
                fate = "rework"
            self._live(row, fate)
            rows.append(row)
        self._ensure_statuses(rows)
        self._ensure_due_soon(rows)

        planted_repeats = self._plant(rows, n_repeat, self._repeat_of, "repeat")
        planted_recontacts = self._plant(rows, n_recontact, self._recontact_of, "recontact")
        order = sorted(range(len(rows)), key=lambda i: (rows[i]["received_at"], i))
        position = {old: new for new, old in enumerate(order)}
        rows = [rows[i] for i in order]
        demo = DemoRegister(
            self.as_of, rows,
            repeats=[(position[a], position[b]) for a, b in planted_repeats],
            recontacts=[(position[a], position[b]) for a, b in planted_recontacts])
        self._number(rows)
        paired = {i for pair in demo.repeats + demo.recontacts for i in pair}
        demo.warnings = plant_late_claims(rows, self.rng, avoid=paired)
        demo.invalid, demo.probes = plant_invalid(rows, self.as_of, self.rng, paired=paired,
                                                  avoid=set(demo.warnings))
        # After the faults: a 结案时间 planted wrong changes which rows are re-contacts.
        recontacts = [(first, i) for i, (kind, first) in relations(rows).items()
                      if kind == "recontact"]
        demo.actions = plant_actions(rows, self.as_of, self.rng, repeats=demo.repeats,
                                     recontacts=recontacts, skip=set(demo.invalid))
        demo.rows = [{k: v for k, v in r.items() if v is not None and not k.startswith("_")}
                     for r in rows]
        return demo

    def _ensure_statuses(self, rows: list[Row]) -> None:
        """However the dice fell, the newest cases show every open status: the newest closed
        ones are rolled back to where they stood earlier in their life."""
        have = Counter(str(r["status"]) for r in rows)
        recent = [r for r in reversed(rows) if r["status"] == "已结案"
                  and self.as_of - _received(r) < timedelta(days=30)]
        drop = {"新建": ("first_response_at", "handler", "resolution", "substantiated",
                        "compensation", "closed_at", "follow_up", "approval"),
                "处理中": ("resolution", "compensation", "closed_at", "follow_up"),
                "待回访": ("closed_at", "follow_up")}
        older = [r for r in rows if r["status"] == "已结案"
                 and self.as_of - _received(r) > timedelta(days=45)]
        while have["无法解决"] < 2 and older:
            row = older.pop(self.rng.randrange(len(older)))
            row.pop("follow_up", None)
            row.update(status="无法解决", resolution=UNRESOLVABLE)
            have["无法解决"] += 1
        for status in ("新建", "待回访", "处理中"):
            while have[status] < 3 and recent:
                row = recent.pop(0)
                for key in drop[status]:
                    row.pop(key, None)
                row["status"] = status
                _approval(row)
                have[status] += 1

    def _ensure_due_soon(self, rows: list[Row], wanted: int = 2) -> None:
        """A couple of open cases due within the next day, so 即将到期 shows too. When the
        dice made none, cases received on one of the last working days replace old ones."""
        def soon(r: Row) -> bool:
            return self.as_of + timedelta(hours=1) < _close_due(r) <= self.as_of + timedelta(
                hours=23)

        have = sum(1 for r in rows if r["status"] in ("处理中", "待回访") and soon(r))
        times = [datetime.combine(self.as_of.date() - timedelta(days=back), time(h, m))
                 for back in range(7) for h, m in ((9, 40), (14, 10))]
        for _ in range(wanted - have):
            category = self.rng.choice(("服务过程", "备件供应", "产品质量", "技术能力"))
            customer = self.rng.choices(self.customers, self.weights)[0]
            for received in times:
                row = self._new_case(received, customer, category)
                row["region"] = "国内"
                row.pop("appointment_on", None)
                if received < self.as_of - timedelta(hours=2) and soon(row):
                    break
            else:
                return  # no receipt time gives such a deadline (cannot happen with 1-2d limits)
            self._live(row)
            for key in ("resolution", "compensation", "closed_at", "follow_up"):
                row.pop(key, None)
            row["status"] = "处理中"
            _approval(row)
            old = [i for i, r in enumerate(rows) if self.as_of - _received(r) > timedelta(days=90)
                   and r["status"] == "已结案"]
            rows[self.rng.choice(old)] = row

    def _plant(self, rows: list[Row], n: int, make: Callable[[Row], Row | None],
               kind: str) -> list[tuple[int, int]]:
        """Add n rows made by `make` from shuffled earlier rows, keeping only those that
        relations() classifies as `kind` of the intended row."""
        candidates = list(range(len(rows)))
        self.rng.shuffle(candidates)
        if kind == "recontact":
            # Some customers chase a case that is still open today; most chased ones closed.
            still_open = [i for i in candidates if rows[i]["status"] in ("处理中", "待回访")]
            first = still_open[: n // 3]
            candidates = first + [i for i in candidates if i not in first]
        pairs: list[tuple[int, int]] = []
        taken: set[str] = set()
        for i in candidates:
            if len(pairs) == n:
                break
            customer = str(rows[i]["customer"])
            if customer in taken or relations(rows).get(i):
                continue  # one pair per customer; never build on a row that is itself a repeat
            row = make(rows[i])
            if row is None:
                continue
            rows.append(row)
            if relations(rows).get(len(rows) - 1) != (kind, i):
                rows.pop()
                continue
            taken.add(customer)
            pairs.append((i, len(rows) - 1))
        return pairs

    def _repeat_of(self, first: Row) -> Row | None:
        closed = first.get("closed_at")
        if first.get("status") != "已结案" or not isinstance(closed, datetime):
            return None
        received = self._work_moment(closed + timedelta(days=self.rng.uniform(2, 25)))
        if received > self.as_of or received - closed > timedelta(days=29):
            return None
        product = first.get("product")
        text = (f"重复投诉：{closed.month}月{closed.day}日结案的问题再次出现"
                f"{'（' + str(product) + '）' if product else ''}，客户要求彻底解决。原投诉："
                f"{str(first['description'])[:40]}")
        return self._follow_on(first, received, text)

    def _recontact_of(self, first: Row) -> Row | None:
        received = first["received_at"]
        end = first.get("closed_at") or self.as_of
        assert isinstance(received, datetime) and isinstance(end, datetime)
        if first.get("status") in ("新建", "无法解决") or end - received < timedelta(hours=6):
            return None
        seconds = self.rng.uniform(0.3, 0.8) * (end - received).total_seconds()
        again = (received + timedelta(seconds=seconds)).replace(second=0, microsecond=0)
        days = (again - received).days
        text = (f"客户再次来电催促：{received.month}月{received.day}日反映的问题"
                f"{'已过' + str(days) + '天' if days else '当天'}仍未解决。"
                f"{str(first['description'])[:30]}")
        return self._follow_on(first, again, text, closes_with=first)

    def _follow_on(self, first: Row, received: datetime, text: str,
                   closes_with: Row | None = None) -> Row:
        """A later row about the same matter: same customer, category and product."""
        customer = first["_customer"]
        assert isinstance(customer, _Customer)
        product = first.get("product")
        row = self._new_case(received, customer, str(first["category"]),
                             product if isinstance(product, str) else None, text)
        for key in ("product", "batch", "quantity", "order_no", "region", "customer_type",
                    "_resolutions"):
            row[key] = first.get(key)
        if closes_with is not None:
            row["severity"] = first["severity"]
        # The same matter goes to the same department and, usually, the same person.
        for key in ("department", "complained_dept"):
            row[key] = first.get(key)
        self._live(row, closes_with=closes_with)
        if row.get("handler") and first.get("handler") and self.rng.random() < 0.8:
            row["handler"] = first["handler"]
        return row

    def _number(self, rows: list[Row]) -> None:
        """YYMM-NNNN per month in receipt order; the newest few left for check to assign."""
        seen: Counter[str] = Counter()
        for row in rows:
            received = row["received_at"]
            assert isinstance(received, datetime)
            month = f"{received:%y%m}"
            seen[month] += 1
            row["case_id"] = f"{month}-{seen[month]:04d}"
        last_month = f"{self.as_of:%y%m}"
        for row in [r for r in rows if str(r["case_id"]).startswith(last_month)][-6:]:
            row["case_id"] = None



def _approval(row: Row) -> bool:
    """Set 审批状态 on a case that needs sign-off: approved once it was resolved,
    pending before. False when the case needs none (its 审批状态 is left as it is)."""
    if not row.get("compensation") and row["severity"] not in ("强烈", "重大"):
        return False
    resolved = row["status"] in ("已结案", "无法解决", "待回访")
    row["approval"] = "已批准" if resolved else "待审批"
    return True


def _close_due(row: Row) -> datetime:
    category = str(row["category"])
    limit = CLOSE_DAYS.get(category, 18 if row.get("region") == "国外" else 7)
    appointment = row.get("appointment_on")
    return _due(_received(row), limit, appointment if isinstance(appointment, date) else None)


def _received(row: Row) -> datetime:
    value = row["received_at"]
    assert isinstance(value, datetime)
    return value


def relations(rows: list[Row], window_days: int = 30) -> dict[int, tuple[str, int]]:
    """Row index -> ("repeat" | "recontact", index of the earlier row), by docs/rules.md: same
    customer name and 类别, 产品名称 equal when both have one; a re-contact is received while
    the earlier case is open (no 结案时间 yet), a repeat within the window after it closed.
    Re-contacts are not themselves matched by later rows. Rows without a usable 受理时间 are
    left out. The demo plants its pairs with this; the tests hold check to the same answer."""
    order = sorted((i for i, r in enumerate(rows) if isinstance(r.get("received_at"), datetime)),
                   key=lambda i: (rows[i]["received_at"], i))
    earlier: dict[tuple[str, str], list[int]] = {}
    out: dict[int, tuple[str, int]] = {}
    for i in order:
        row = rows[i]
        at = row["received_at"]
        assert isinstance(at, datetime)
        key = (str(row.get("customer") or ""), str(row.get("category") or ""))
        open_match = closed_match = None
        for e in earlier.get(key, []):
            mine, theirs = row.get("product"), rows[e].get("product")
            if mine and theirs and mine != theirs:
                continue
            closed = rows[e].get("closed_at")
            if not isinstance(closed, datetime) or closed > at:
                open_match = e
            elif (at.date() - closed.date()).days <= window_days:
                closed_match = e
        if open_match is not None:
            out[i] = ("recontact", open_match)
            continue
        if closed_match is not None:
            out[i] = ("repeat", closed_match)
        earlier.setdefault(key, []).append(i)
    return out
