"""The row messages of validate, in Chinese and English: what is wrong and what to write instead.

Each key is a finding code of toolkit.catalogue or a variant of one (missing-short is still
`missing`); the `hint-` and `why-` entries are fragments filled into the others. Every message
names the column header as the sheet shows it.
"""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, str]] = {
    "unknown-column": {
        "zh": "第 {letter} 列表头「{header}」不是工具识别的列：此列原样保留，不做校验",
        "en": "Column {letter} header '{header}' is not a column the toolkit knows: "
              "it is kept untouched and not checked",
    },
    "duplicate-column": {
        "zh": "第 {letter} 列表头「{header}」与第 {first} 列重复：只读取第 {first} 列，"
              "此列原样保留",
        "en": "Column {letter} header '{header}' repeats column {first}: only column {first} "
              "is read, this one is kept untouched",
    },
    "missing": {
        "zh": "{header}为空：此项必填{hint}",
        "en": "{header} is empty: it is required{hint}",
    },
    "missing-short": {
        "zh": "{header}「{value}」太短：请至少写 5 个字，说明客户投诉的具体问题",
        "en": "{header} '{value}' is too short: describe the complaint in at least 5 characters",
    },
    "missing-contact": {
        "zh": "{header}为空：请填写联系电话（11位手机号、带区号的固话如 0571-87654321），"
              "或在{email}中填写邮箱",
        "en": "{header} is empty: give a phone number (an 11-digit mobile number or a landline "
              "with area code such as 0571-87654321), or an address in {email}",
    },
    "missing-phone": {
        "zh": "{header}为空：此项必填，请填写11位手机号、带区号的固话（如 0571-87654321）"
              "或 +国家代码号码",
        "en": "{header} is empty: it is required; write an 11-digit mobile number, a landline "
              "with area code (e.g. 0571-87654321) or a +country number",
    },
    "missing-for-category": {
        "zh": "{header}为空：{category_header}为 {category} 时必填{hint}",
        "en": "{header} is empty: it is required when {category_header} is {category}{hint}",
    },
    "missing-to-close": {
        "zh": "{header}为空：{status}为 已结案 时必填{why}{hint}",
        "en": "{header} is empty: it is required to close a case ({status} 已结案){why}{hint}",
    },
    "missing-unresolvable": {
        "zh": "{header}为空：{status}为 无法解决 时，请在此写明无法解决的原因",
        "en": "{header} is empty: when {status} is 无法解决 (unresolvable), "
              "write down why it cannot be resolved",
    },
    "bad-date": {
        "zh": "{header}「{value}」不是有效日期：请填写如 {example} 的日期",
        "en": "{header} '{value}' is not a date: write a date such as {example}",
    },
    "bad-number": {
        "zh": "{header}「{value}」不是数字：请填写如 {example} 的数字",
        "en": "{header} '{value}' is not a number: write a number such as {example}",
    },
    "bad-whole": {
        "zh": "{header}「{value}」不是整数：请填写如 12 的整数",
        "en": "{header} '{value}' is not a whole number: write a whole number such as 12",
    },
    "bad-negative": {
        "zh": "{header}「{value}」是负数：请填写 0 或正数",
        "en": "{header} '{value}' is negative: write 0 or a positive number",
    },
    "bad-enum": {
        "zh": "{header}「{value}」不是可选值：请填写 {choices} 之一",
        "en": "{header} '{value}' is not an allowed value: write one of {choices}",
    },
    "bad-phone": {
        "zh": "{header}「{value}」不是有效电话：请填写11位手机号、带区号的固话"
              "（如 0571-87654321）或 +国家代码号码",
        "en": "{header} '{value}' is not a valid phone number: write an 11-digit mobile number, "
              "a landline with area code (e.g. 0571-87654321) or a +country number",
    },
    "bad-email": {
        "zh": "{header}「{value}」不是有效邮箱：请填写如 name@example.com 的地址",
        "en": "{header} '{value}' is not a valid email address: write one such as "
              "name@example.com",
    },
    "bad-id": {
        "zh": "{header}「{value}」格式不对：应为 年月-序号，如 {example}；留空则由工具自动编号",
        "en": "{header} '{value}' is not in the form YYMM-NNNN, e.g. {example}; "
              "leave it blank to have one assigned",
    },
    "bad-id-month": {
        "zh": "{header}「{value}」的年月 {yymm} 与{received}（{received_value}）不符："
              "应以 {expected} 开头，如 {expected}-0001",
        "en": "{header} '{value}' has month {yymm} but {received} is {received_value}: "
              "it should start with {expected}, e.g. {expected}-0001",
    },
    "future": {
        "zh": "{header}「{value}」晚于当前时间 {as_of}：不能填写将来的时间",
        "en": "{header} '{value}' is after the current time {as_of}: it cannot be in the future",
    },
    "order": {
        "zh": "{header}「{value}」早于{received}「{received_value}」：应不早于受理时间",
        "en": "{header} '{value}' is before {received} '{received_value}': "
              "it cannot be earlier than the time the complaint was received",
    },
    "status-open-closed-at": {
        "zh": "{header}为 {value}，但{closed}已填写（{closed_value}）："
              "已结案请把{header}改为 已结案，未结案请清空{closed}",
        "en": "{header} is {value} but {closed} is filled in ({closed_value}): set {header} to "
              "已结案 if the case is closed, otherwise clear {closed}",
    },
    "status-closed-no-time": {
        "zh": "{status}为 已结案，但{header}为空：请填写结案时间，如 2026-11-05 16:00",
        "en": "{status} is 已结案 (closed) but {header} is empty: write the closing time, "
              "e.g. 2026-11-05 16:00",
    },
    "unhappy-closed": {
        "zh": "{header}为 不满意，但{status}为 已结案：客户不满意的投诉须重新处理，"
              "请把{status}改回 处理中",
        "en": "{header} is 不满意 (dissatisfied) but {status} is 已结案 (closed): the complaint "
              "must be handled again; set {status} back to 处理中",
    },
    "late-claim": {
        "zh": "{received}（{received_value}）距{header}（{value}）已 {days} 天：物流运输类索赔"
              "应在收货后 7 天内提出",
        "en": "{received} ({received_value}) is {days} days after {header} ({value}): "
              "transport claims should come within 7 days of delivery",
    },
    # Fragments filled into the templates above.
    "hint-datetime": {"zh": "，如 2026-11-03 09:30", "en": ", e.g. 2026-11-03 09:30"},
    "hint-choices": {"zh": "，可选：{choices}", "en": ", one of {choices}"},
    "hint-receiver": {"zh": "，请填写第一受理人的姓名（首问负责）",
                      "en": "; write who first took the complaint"},
    "hint-customer": {"zh": "，请填写客户单位名称或姓名",
                      "en": "; write the customer's company or name"},
    "hint-description": {"zh": "，请写明客户投诉的具体问题（至少 5 个字）",
                         "en": "; describe the complaint in at least 5 characters"},
    "hint-product": {"zh": "，请填写被投诉的产品名称",
                     "en": "; write the product complained about"},
    "hint-batch": {"zh": "，请填写产品的生产批次号", "en": "; write the production batch"},
    "hint-evidence": {"zh": "，请填写照片、视频的文件名或链接（照片、视频是关键证据）",
                      "en": "; list the photos or video (the key evidence)"},
    "hint-resolution": {"zh": "，请写明处理方案", "en": "; describe how it was resolved"},
    "why-follow-up": {"zh": "（回访率须达 100%）", "en": "; every case is followed up"},
    "no-capa": {
        "zh": "{header}为空：{substantiated}为 是 的投诉已结案，责任部门须分析原因并制定纠正措施"
              "（纠正和预防措施）：{hint}",
        "en": "{header} is empty: the complaint is substantiated ({substantiated} 是) and closed, "
              "so the responsible department must find the cause and decide a corrective "
              "action: {hint}",
    },
    "action-ineffective": {
        "zh": "{header}为 无效：纠正措施没有达到效果，须重新分析原因、制定新的纠正措施和整改期限；"
              "新措施完成并验证有效后，把{header}改为 有效",
        "en": "{header} is 无效 (not effective): the corrective action did not work; find the "
              "cause again, decide a new action and due date, and set {header} to 有效 once "
              "the new action is shown to work",
    },
    "hint-root_cause": {"zh": "请写明问题发生的根本原因，如「装配时未按扭矩紧固，缺少复检」",
                        "en": "write why it happened, e.g. 'bolts not torqued to spec, no "
                              "re-check at assembly'"},
    "hint-corrective_action": {
        "zh": "请写明防止再次发生的措施，如「增加扭矩复检工序，每班抽检 5 台」",
        "en": "write what will stop it happening again, e.g. 'add a torque re-check, sample 5 "
              "vehicles per shift'"},
}
