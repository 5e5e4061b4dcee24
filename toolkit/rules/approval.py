"""Which cases need an approval form (客诉问题处理审批表): see docs/forms.md."""

from __future__ import annotations

from toolkit.rules.engine import CaseResult

# 有效级别 values that need sign-off: the effective level, so an escalated repeat counts.
APPROVAL_SEVERITIES = ("强烈", "重大")
PENDING = "待审批"


def needs_approval(r: CaseResult) -> bool:
    """赔偿金额 > 0, or 有效级别 强烈 or 重大, or 审批状态 待审批."""
    compensation = r.case.compensation
    return ((compensation is not None and compensation > 0)
            or r.effective_severity in APPROVAL_SEVERITIES
            or r.case.approval == PENDING)
