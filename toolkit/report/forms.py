"""What `forms` tells the user: the forms with fields left blank, the skipped files, and the
closing line, in the 设置 language."""

from __future__ import annotations

from toolkit.forms.outcome import REPLACED, SKIPPED, UNCHANGED, WRITTEN, FormsOutcome
from toolkit.messages import render

_TEXT = {
    "none": {"zh": "没有需要审批的投诉（赔偿金额 > 0、有效级别 强烈/重大 或 审批状态 待审批）",
             "en": "no case needs approval (赔偿金额 > 0, 有效级别 强烈/重大 or 审批状态 待审批)"},
    "invalid": {"zh": "  {name}：{fields} 有错误，表上留空待手填",
                "en": "  {name}: {fields} invalid in the register, left blank on the form"},
    "skipped": {"zh": "  {name}：已存在且不是本工具生成的文件，未覆盖（加 --force 覆盖）",
                "en": "  {name}: exists and was not written by the toolkit; left alone "
                      "(--force replaces it)"},
    "template": {"zh": "  模板：{template}", "en": "  template: {template}"},
    "closing": {"zh": "审批表 {total} 份：新生成 {written}，已更新 {replaced}，未变化 {unchanged}，"
                      "跳过 {skipped}{pdf}；输出在 {out}",
                "en": "{total} approval forms: {written} new, {replaced} updated, {unchanged} "
                      "unchanged, {skipped} skipped{pdf}; output in {out}"},
    "pdf": {"zh": "，PDF {n} 份", "en": ", {n} PDF"},
}


def summary_lines(outcome: FormsOutcome) -> list[str]:
    lang = outcome.result.rules.settings.language

    def t(key: str, **fields: object) -> str:
        return render(_TEXT, key, lang, **fields)

    if not outcome.forms:
        return [t("none")]
    lines = []
    for f in outcome.forms:
        if f.invalid:
            fields = "、".join(f"{name}({code})" for name, code in f.invalid)
            lines.append(t("invalid", name=f.path.name, fields=fields))
    for f in outcome.forms:
        if f.status == SKIPPED:
            lines.append(t("skipped", name=f.path.name))
    if outcome.template != "built-in":
        lines.append(t("template", template=outcome.template))
    return lines


def closing_line(outcome: FormsOutcome) -> str:
    lang = outcome.result.rules.settings.language
    pdf = render(_TEXT, "pdf", lang, n=outcome.pdfs) if outcome.pdf else ""
    return render(_TEXT, "closing", lang, total=len(outcome.forms),
                  written=outcome.count(WRITTEN), replaced=outcome.count(REPLACED),
                  unchanged=outcome.count(UNCHANGED), skipped=outcome.count(SKIPPED),
                  pdf=pdf, out=outcome.out_dir)
