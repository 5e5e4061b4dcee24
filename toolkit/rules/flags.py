"""Flags of a case as of a moment: overdue, late, due soon, escalated (docs/rules.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from toolkit.register import Case, severity_rank

DUE_SOON = timedelta(hours=24)
_MAJOR = "重大"


def case_flags(
    case: Case,
    due_response: datetime | None,
    due_close: datetime | None,
    effective_severity: str | None,
    as_of: datetime,
    *,
    recontact: bool = False,
) -> list[str]:
    """The flag codes of a case, in the order of `toolkit.findings.FLAGS`.

    Being *at* a deadline is not being past it: only as_of > deadline is overdue.
    """
    # A re-contact is the same complaint as the open case it repeats: that case's deadlines
    # and escalation govern, so this row must not be counted or mailed a second time.
    if recontact:
        return []
    # Each group below adds at most one flag, and the groups come in the order of FLAGS, so
    # the list is in that order as it is built (a test holds it to that).
    flags: list[str] = []
    is_open = case.is_open

    if due_response is not None:
        responded = case.first_response_at
        # Closing a case means the customer has been answered; a closed row without a
        # recorded first response is judged by its closing time instead of being reported
        # overdue for ever after. (A closed row with neither time gets no response flag.)
        if responded is None and not is_open:
            responded = case.closed_at
        if responded is not None:
            if responded > due_response:
                flags.append("responded-late")
        elif is_open and as_of > due_response:
            flags.append("response-overdue")

    if due_close is not None:
        if is_open:
            if as_of > due_close:
                flags.append("close-overdue")
            elif "response-overdue" not in flags and as_of < due_close <= as_of + DUE_SOON:
                flags.append("due-soon")
        elif case.closed_at is not None and case.closed_at > due_close:
            flags.append("closed-late")

    if _escalated(case.severity, effective_severity):
        flags.append("escalated")
    if action_overdue(case, as_of):
        flags.append("action-overdue")
    return flags


def action_overdue(case: Case, as_of: datetime) -> bool:
    """A corrective action decided and not done by its due date (docs/capa.md). The due date is
    a day: the action is late from the day after it. Open and closed cases alike: closing the
    complaint does not close its action."""
    return (case.corrective_action is not None and case.action_done_on is None
            and case.action_due is not None and as_of.date() > case.action_due)


def _escalated(own: str | None, effective: str | None) -> bool:
    if effective == _MAJOR:
        return True
    return severity_rank(own) >= 0 and severity_rank(effective) > severity_rank(own)
