"""Building one mail message: plain text and HTML alternatives plus attachments (MIME)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_ADDRESS = re.compile(r"[^@\s<>()\[\]\\,;:\"]+@[^@\s<>()\[\]\\,;:\"]+\.[^@\s<>()\[\]\\,;:\"]+")


def split_addresses(text: str | None) -> tuple[list[str], list[str]]:
    """The addresses in a 邮箱 cell ("a@x.cn; 张三 <b@x.cn>"): (valid, not valid).

    Staff separate several addresses with ; , ， ； 、 or line breaks."""
    valid: list[str] = []
    bad: list[str] = []
    for piece in re.split(r"[;,，；、\n]+", text or ""):
        piece = piece.strip()
        if not piece:
            continue
        _name, addr = parseaddr(piece)
        if addr and _ADDRESS.fullmatch(addr):
            if addr not in valid:
                valid.append(addr)
        else:
            bad.append(piece)
    return valid, bad


def _domain(sender: str) -> str | None:
    addr = parseaddr(sender)[1]
    if "@" not in addr:
        return None
    return addr.rpartition("@")[2] or None


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    attachments: Sequence[tuple[str, bytes]] = (),
    when: datetime | None = None,
) -> EmailMessage:
    """A multipart message: text/plain and text/html alternatives, then .xlsx attachments."""
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject
    msg["From"] = _from_header(sender)
    msg["To"] = ", ".join(to)
    if when is not None:
        msg["Date"] = format_datetime(when.astimezone())
    msg["Message-ID"] = make_msgid(domain=_domain(sender) or "complaints.invalid")
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    for name, data in attachments:
        msg.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=name)
    return msg


def _from_header(sender: str) -> str | Address:
    """"投诉管理 <complaints@example.com>" with the display name encoded properly."""
    pairs = getaddresses([sender])
    if len(pairs) == 1 and pairs[0][1] and "@" in pairs[0][1]:
        name, addr = pairs[0]
        user, _, domain = addr.rpartition("@")
        return Address(display_name=name, username=user, domain=domain)
    return sender


def envelope_sender(sender: str) -> str:
    """The bare address for MAIL FROM."""
    return parseaddr(sender)[1] or sender
