"""A real SMTP server on loopback (aiosmtpd) for the mail tests: it records what it receives
and can refuse recipients, refuse messages, or require STARTTLS and a login."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from toolkit.config import Config as ToolkitConfig
from toolkit.config import MailConfig, SmtpConfig


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Inbox:
    """The aiosmtpd handler: what arrived, and how to misbehave."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: set[str] = field(default_factory=set)  # 550 at RCPT for these addresses
    data_answer: str | None = None  # e.g. "554 5.7.1 rejected" or "451 4.3.0 try later"
    data_failures_left: int = 0  # answer data_answer this many times, then accept

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_answer and self.data_failures_left:
            self.data_failures_left -= 1
            return self.data_answer
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.content)))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    host: str
    port: int
    inbox: Inbox
    client_context: ssl.SSLContext | None = None  # trusts the test CA
    ca_file: Path | None = None

    def smtp(self, **overrides: Any) -> SmtpConfig:
        values: dict[str, Any] = {"host": self.host, "port": self.port, "security": "none",
                                  "sender": "投诉管理 <complaints@example.com>"}
        values.update(overrides)
        return SmtpConfig(**values)

    def config(self, path: Path, summary_to: tuple[str, ...] = ("desk@example.com",),
               **smtp: Any) -> ToolkitConfig:
        return ToolkitConfig(path=path, smtp=self.smtp(**smtp), mail=MailConfig(summary_to))


@contextmanager
def smtp_server(
    *,
    tls_dir: Path | None = None,
    users: dict[str, str] | None = None,
    implicit_tls: bool = False,
) -> Iterator[Server]:
    """aiosmtpd on 127.0.0.1 at a free port. With tls_dir: STARTTLS with a self-signed CA's
    certificate (required), or TLS from the first byte with implicit_tls (security "ssl").
    With users: AUTH LOGIN/PLAIN required, checked against them."""
    inbox = Inbox()
    kwargs: dict[str, Any] = {}
    client_context = None
    ca_file = None
    if tls_dir is not None:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server_context)
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        ca_file = tls_dir / "test-ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        if implicit_tls:
            kwargs.update(ssl_context=server_context)
        else:
            kwargs.update(tls_context=server_context, require_starttls=True)
    if users is not None:
        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                          auth_data: Any) -> AuthResult:
            ok = (isinstance(auth_data, LoginPassword)
                  and users.get(auth_data.login.decode()) == auth_data.password.decode())
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True,
                      # aiosmtpd does not count TLS from the first byte as TLS for AUTH
                      auth_require_tls=tls_dir is not None and not implicit_tls)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server("127.0.0.1", port, inbox, client_context, ca_file)
    finally:
        controller.stop()
