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
- 投诉编号 `YYMM-NNNN` numbered per month in receipt order, the newest few left blank for
  check to assign; 责任部门 mostly blank (the rules route), some filled by hand, 被投诉部门 on
  some rows.

Datetimes are naive local times; no value lies after `as_of` except the planted `future` one.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

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
RECEIVERS = ("王丽", "陈静", "刘洋", "赵敏", "孙婷")
HANDLERS = {"质量部": ("周建国", "吴磊"), "技术部": ("郑浩", "冯涛"), "客服部": ("何佳", "王丽"),
            "销售部": ("马超", "林峰"), "备件部": ("胡斌", "高翔"), "物流部": ("罗军", "梁勇"),
            "财务部": ("宋雪", "唐敏")}

CITIES = (("杭州", "0571"), ("宁波", "0574"), ("温州", "0577"), ("上海", "021"), ("南京", "025"),
          ("苏州", "0512"), ("合肥", "0551"), ("芜湖", "0553"), ("武汉", "027"), ("长沙", "0731"),
          ("郑州", "0371"), ("济南", "0531"), ("青岛", "0532"), ("成都", "028"), ("重庆", "023"),
          ("西安", "029"), ("广州", "020"), ("深圳", "0755"), ("福州", "0591"), ("南昌", "0791"),
          ("石家庄", "0311"), ("沈阳", "024"), ("昆明", "0871"), ("天津", "022"), ("北京", "010"))
BRANDS = (("顺达", "shunda"), ("恒通", "hengtong"), ("鑫源", "xinyuan"), ("华瑞", "huarui"),
          ("众诚", "zhongcheng"), ("远航", "yuanhang"), ("德信", "dexin"), ("宏运", "hongyun"),
          ("金港", "jingang"), ("瑞丰", "ruifeng"), ("安泰", "antai"), ("博远", "boyuan"),
          ("锦程", "jincheng"), ("鸿发", "hongfa"), ("嘉禾", "jiahe"), ("天和", "tianhe"),
          ("骏马", "junma"), ("盛世", "shengshi"), ("永鑫", "yongxin"), ("通达", "tongda"))
DEALER_SUFFIXES = ("汽车销售服务有限公司", "汽车贸易有限公司", "新能源汽车销售有限公司",
                   "汽车服务有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
         "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "雪梅")
FLEETS = ("城东物流有限公司", "快捷配送服务有限公司", "惠民出租汽车有限公司",
          "绿源环卫服务有限公司", "诚信搬家服务有限公司", "安居物业管理有限公司")
KEY_CUSTOMERS = (("长江城市物流集团有限公司", "cjlogistics"), ("江南公交集团有限公司", "jnbus"),
                 ("安行网约车服务有限公司", "anxing"), ("东海港口集团有限公司", "donghaiport"),
                 ("华东城市配送集团有限公司", "hdpeisong"))
OVERSEAS = (("Almaty Auto Trade LLP", "Aidos Nurlanov", "+7 727 355 {n4}", "almaty-auto.kz"),
            ("Tashkent Motors LLC", "Bekzod Karimov", "+998 71 200 {n4}", "tashkentmotors.uz"),
            ("Gulf Star Motors FZE", "Omar Haddad", "+971 4 321 {n4}", "gulfstar.ae"),
            ("Lima Autos S.A.C.", "Carlos Quispe", "+51 1 440 {n4}", "limaautos.pe"))

VEHICLES = ("E5 纯电动轿车", "X7 SUV", "T6 电动轻卡", "M3 电动物流车", "S30 微型电动车")
PARTS = ("动力电池包 BP-48", "车载充电机 OBC-6.6", "电机控制器 MCU-80", "前大灯总成", "空调压缩机",
         "前制动片套件", "雨刮电机", "DC-DC 转换器", "组合仪表", "后视镜总成")
GIFTS = ("全年免费保养", "原厂脚垫和行车记录仪", "家用充电桩及安装", "首年商业险", "五年免费流量")

# (complaint, resolutions that fit it) per category. Placeholders: {product} the 产品名称,
# {batch} {qty} {order} the row's own 生产批次/数量/订单号, {vin} {km} {days} {hours} {gift}
# {amount} made up. 产品质量 has separate texts for vehicles and for parts.
Text = tuple[str, tuple[str, ...]]
_SWAP = ("经检测确认属实，免费更换问题件，问题件返厂分析。", "为客户更换新件并补偿相应费用。")
TEXTS: dict[str, tuple[Text, ...]] = {
    "产品质量/整车": (
        ("客户反映车辆行驶约{km}公里后出现底盘异响，VIN {vin}，要求检测处理。",
         ("更换前悬架下摆臂衬套，试车异响消除。", "检测确认为正常工况噪声，已向客户说明。")),
        ("新车交付不到一个月天窗漏水，VIN {vin}，客户要求换车。",
         ("更换天窗排水管及密封条，淋雨试验合格，赠送一次保养。",)),
        ("同批次{batch}共{qty}台车充电时报绝缘故障，无法充电。",
         ("升级电池管理系统软件并更换高压线束，已全部恢复。",)),
        ("满电续航不足标称的七成，客户怀疑动力电池质量问题，VIN {vin}。",
         ("检测电池健康度正常，系冬季低温影响，已向客户解释用车建议。",
          "电池模组一致性差，更换电池模组。")),
        ("车门漆面起泡、局部锈蚀，提车仅{days}天，VIN {vin}。",
         ("服务站重新喷漆处理，补偿客户交通费用。",)),
    ),
    "产品质量/零部件": (
        ("{product}（批次{batch}）到货后发现{qty}件外壳开裂，客户要求更换，已提供照片。", _SWAP),
        ("{product}装车后无法正常工作，故障灯常亮，批次{batch}共{qty}件出现相同问题。", _SWAP),
        ("{product}表面锈蚀，批次{batch}，数量{qty}件，客户拒收。",
         ("退回问题件，补发合格品。", "经检测为仓储受潮，补发合格品并改进包装。")),
        ("{product}使用不到三个月即损坏，批次{batch}，客户质疑质量。",
         ("检测确认为使用不当所致，已向客户说明并赠送一次免费保养。",) + _SWAP),
    ),
    "技术能力": (
        ("服务站对{product}的故障排查三次仍未找到原因，客户质疑技术人员能力。",
         ("厂家技术人员到站排查，更换整车控制器后故障排除。",)),
        ("客户咨询{product}软件升级问题，技术支持前后答复不一致。",
         ("技术部统一答复口径，已向客户书面说明升级方案。",)),
        ("OTA升级后倒车影像失效，服务站表示无法处理，VIN {vin}。",
         ("已推送软件补丁并远程确认功能恢复。",)),
        ("维修后同一故障再次出现，客户要求厂家技术人员到现场，VIN {vin}。",
         ("厂家技术人员上门检修，故障排除，客户确认。",)),
        ("维修手册版本过旧，服务站按手册操作后{product}出现新故障。",
         ("下发最新版维修手册，组织服务站培训并重新维修。",)),
    ),
    "服务过程": (
        ("售后人员上门服务态度差，未按约定时间到达，客户等待{hours}小时。",
         ("服务站负责人向客户致歉，对相关人员进行考核。",)),
        ("服务站接待人员推诿，客户多次来电无人回复。",
         ("安排专人跟进并赠送保养券，客户接受。", "服务站负责人上门致歉并整改接待流程。")),
        ("保养后车内脏污未清理，客户要求服务站道歉。", ("服务站致歉并免费洗车，客户接受。",)),
        ("服务热线等待时间过长，转接三次仍未解决问题。", ("已回电解决客户问题并致歉。",)),
        ("服务顾问承诺当天交车，实际延误{days}天且未主动告知客户。",
         ("服务站致歉并减免工时费。",)),
    ),
    "销售过程": (
        ("销售顾问承诺赠送的{gift}未兑现，客户要求按合同履行。",
         ("经销商按合同补齐承诺内容，客户确认。",)),
        ("合格证交付不及时，提车{days}天仍无法上牌。", ("经销商已交付合格证，客户已上牌。",)),
        ("经销商加价销售，成交价高于厂家公布的指导价。",
         ("厂家约谈经销商并责令整改，加价部分已返还客户。",)),
        ("交车时发现车辆配置与订单{order}约定不一致。",
         ("经销商为客户加装缺失配置并致歉。", "经协商为客户调换符合订单配置的车辆。")),
        ("销售人员夸大续航里程，客户认为存在误导，要求书面说明。",
         ("向客户书面说明续航测试工况，销售顾问接受培训考核。",)),
        ("客户取消订单{order}，经销商拖延退款定金已{days}天。",
         ("定金已全额退回，客户确认到账。",)),
    ),
    "备件供应": (
        ("订购的{product}已等待{days}天仍未到货，车辆停在服务站无法使用。",
         ("协调总库紧急调拨，已到货安装。",)),
        ("备件订单{order}发错型号，{product}无法安装。", ("重新发出正确型号，错发件已退回。",)),
        ("{product}缺货，服务站告知需等待一个月以上，客户不能接受。",
         ("从邻近备件中心调货，三天内到货安装。", "提供代步车，备件到货后优先安装。")),
        ("{product}售价高于厂家公布价格，客户质疑乱收费。", ("按厂家指导价重新结算，差价退还。",)),
    ),
    "随车文件": (
        ("车辆交付时缺少随车文件（合格证、一致性证书），无法办理上牌，VIN {vin}。",
         ("已补寄随车文件，客户签收。",)),
        ("随车的使用说明书和保修手册缺失，客户要求补寄。", ("已补寄说明书和保修手册。",)),
        ("随车文件中的VIN与车辆实际VIN不一致，车管所不予登记，VIN {vin}。",
         ("重新开具合格证并加急寄出，客户已上牌。",)),
        ("合格证邮寄{days}天仍未收到，快递单号查询无记录。", ("重新补办合格证并专人送达。",)),
    ),
    "财务问题": (
        ("开具的增值税发票抬头错误，需作废重开。", ("财务部已重开发票并寄出。",)),
        ("订单{order}已取消，退款{days}天仍未到账。", ("款项已原路退回，客户确认到账。",)),
        ("季度返利对账金额与经销商账目不一致，差额{amount}元。", ("已重新对账并补差。",)),
        ("多收了一笔服务费{amount}元，客户要求退款。", ("多收款项已退回，客户确认。",)),
        ("发票迟迟未寄出，影响客户月底报销。", ("发票已加急寄出，客户签收。",)),
    ),
    "物流运输": (
        ("{qty}件{product}到货时外包装破损、内件变形，已在签收单上备注并拍照。",
         ("与承运商协商赔偿，公司补发破损货物的一半。",)),
        ("收货时发现短少{qty}件{product}，与发货单不符。", ("已补发短少货物，承运商承担运费。",)),
        ("商品车运输途中刮伤，左前门漆面划痕约10厘米，VIN {vin}。",
         ("商品车已补漆修复，承运商承担费用。",)),
        ("承运司机未按约定时间送达，延误{days}天，影响客户交车。",
         ("向客户说明延误原因并致歉，对承运商考核。",)),
        ("错装：订购{product}，收到的是其他型号，共{qty}件。",
         ("已补发正确型号，错装件由物流取回。",)),
    ),
    "其他": (
        ("官网车型配置信息与实际车辆不符，客户要求更正。", ("已更正官网信息并向客户致谢。",)),
        ("客户反映促销活动规则不清楚，未能参加抽奖。", ("已向客户解释活动规则并补发纪念品。",)),
        ("客户建议服务站增加周末营业时间，目前周日不接待。", ("已记录建议，转相关部门评估。",)),
        ("展厅停车位不足，客户多次无法停车。", ("已向客户解释并协调临时停车位。",)),
    ),
}
URGENT = {"强烈": ("客户提出高额索赔，", "客户情绪激动，"),
          "重大": ("客户称将向媒体曝光，", "客户已向12315投诉，", "涉及行车安全，")}
GENERIC_RESOLUTIONS = ("已向客户解释原因并致歉，问题已处理，客户认可。",
                       "责任部门整改完成，已回复客户。")
UNRESOLVABLE = "多次协商未达成一致，客户坚持其诉求，按无法解决关闭并单独纳入统计。"
EVIDENCE = ("IMG_{n}.jpg、IMG_{m}.jpg", "IMG_{n}.jpg、视频.mp4", "VID_{n}.mp4",
            "签收单照片.jpg、IMG_{n}.jpg", "https://pan.example.com/s/{n}")


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
    """The deadline as SPEC §3.2 computes it, with fixed holidays only (close enough to plan
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
        self._plant_late_claims(demo)
        self._plant_invalid(demo)
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

    def _plant_late_claims(self, demo: DemoRegister) -> None:
        candidates = [i for i, r in enumerate(demo.rows) if r["category"] == "物流运输"
                      and i not in _paired(demo)]
        for i in self.rng.sample(candidates, min(2, len(candidates))):
            received = demo.rows[i]["received_at"]
            assert isinstance(received, datetime)
            demo.rows[i]["delivered_on"] = received.date() - timedelta(days=self.rng.randint(9, 16))
            demo.warnings[i] = "late-claim"

    def _plant_invalid(self, demo: DemoRegister) -> None:
        rows, as_of = demo.rows, self.as_of
        recent = f"{as_of:%y%m}"
        # Rows whose dates could change how a planted pair is classified stay untouched.
        pair_customers = {rows[i]["customer"] for i in _paired(demo)}
        free = [i for i in range(len(rows)) if i not in _paired(demo) and i not in demo.warnings
                and rows[i].get("case_id") and not str(rows[i]["case_id"]).startswith(recent)]
        self.rng.shuffle(free)

        def pick(test: Callable[[Row], object] | None = None) -> int:
            for i in free:
                if test is None or test(rows[i]):
                    free.remove(i)
                    return i
            raise AssertionError("no demo row fits")  # MIN_ROWS rules this out

        def closed(r: Row) -> bool:
            return r.get("status") == "已结案" and r["customer"] not in pair_customers

        i = pick()
        rows[i]["phone"] = "138123456"  # a digit short
        demo.invalid[i] = "bad-phone"
        i = pick(lambda r: r.get("first_response_at"))
        rows[i]["first_response_at"] = f"{as_of.year}-13-45 09:30"
        demo.invalid[i] = "bad-date"
        i = pick()
        rows[i]["description"] = None
        demo.invalid[i] = "missing"
        i = pick(closed)
        rows[i]["closed_at"] = None
        demo.invalid[i] = "status-mismatch"
        i = pick(closed)
        rows[i]["follow_up"] = "不满意"
        demo.invalid[i] = "unhappy-closed"
        i = pick(lambda r: r.get("quantity"))
        rows[i]["quantity"] = -2
        demo.invalid[i] = "bad-number"
        i = pick()
        received = rows[i]["received_at"]
        assert isinstance(received, datetime)
        previous = (received.replace(day=1) - timedelta(days=1)).strftime("%y%m")
        used = {str(r.get("case_id")) for r in rows}
        number = sum(1 for u in used if u.startswith(previous)) + self.rng.randint(20, 80)
        while f"{previous}-{number:04d}" in used:  # a wrong month, not also a duplicate
            number += 1
        rows[i]["case_id"] = f"{previous}-{number:04d}"  # the month typed wrong
        demo.invalid[i] = "bad-id"
        i = pick(lambda r: int(str(r["case_id"])[-4:]) > 3)
        month = str(rows[i]["case_id"])[:4]
        above = max(j for j in range(i) if str(rows[j].get("case_id") or "")[:4] == month)
        rows[i]["case_id"] = rows[above]["case_id"]  # copied down from the row above
        demo.invalid[i] = "duplicate-id"
        i = pick()
        rows[i]["email"] = "wang.li@163"
        demo.invalid[i] = "bad-email"
        i = pick(closed)
        closed_at = rows[i]["closed_at"]
        assert isinstance(closed_at, datetime)
        typo = closed_at.replace(year=closed_at.year + 1, day=min(closed_at.day, 28))
        if typo <= as_of:
            typo = typo.replace(year=as_of.year + 1)
        rows[i]["closed_at"] = typo
        demo.invalid[i] = "future"  # the year typed wrong
        i = pick(closed)
        received = rows[i]["received_at"]
        assert isinstance(received, datetime)
        rows[i]["closed_at"] = received - timedelta(days=1, hours=2)
        demo.invalid[i] = "order"
        i = pick()
        rows[i]["severity"] = "紧急"
        demo.invalid[i] = "bad-enum"
        i = pick()
        rows[i]["description"] = '=HYPERLINK("http://example.com/x","点击查看")客户邮件原文粘贴'
        demo.probes.append(i)


def _approval(row: Row) -> bool:
    """Set 审批状态 on a case that needs sign-off (SPEC §6): approved once it was resolved,
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


def _paired(demo: DemoRegister) -> set[int]:
    return {i for pair in demo.repeats + demo.recontacts for i in pair}


def relations(rows: list[Row], window_days: int = 30) -> dict[int, tuple[str, int]]:
    """Row index -> ("repeat" | "recontact", index of the earlier row), by SPEC §3.4: same
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
