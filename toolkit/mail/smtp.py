"""Sending over SMTP: SSL, STARTTLS or plain; login when a user is configured; retries with
back-off; each message and each recipient succeeds or fails on its own (docs/mail.md)."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from toolkit.config import SmtpConfig
from toolkit.errors import bilingual
from toolkit.mail.message import envelope_sender

log = logging.getLogger("toolkit.mail")

BACKOFF = (5.0, 30.0, 120.0)  # seconds before the 2nd, 3rd and 4th attempt


@dataclass(frozen=True)
class Outgoing:
    key: str  # what the message is for: a department name, or "summary"
    recipients: tuple[str, ...]
    message: EmailMessage


@dataclass
class Delivery:
    key: str
    recipients: tuple[str, ...]
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # address -> the server's answer
    error: str | None = None  # the whole message failed (after the retries)
    temporary: bool = False  # the failure may pass (connection, 4xx): worth another run later

    @property
    def ok(self) -> bool:
        return self.error is None and not self.refused

    @property
    def sent(self) -> bool:
        """At least one recipient accepted it (so sending it again would duplicate)."""
        return self.error is None and bool(self.accepted)


@dataclass
class SendReport:
    deliveries: list[Delivery]
    attempts: int

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.deliveries)

    def problems(self) -> list[str]:
        lines = []
        for d in self.deliveries:
            if d.error:
                lines.append(f"{d.key}: {d.error}")
            for addr, why in d.refused.items():
                lines.append(f"{d.key}: " + bilingual(f"{addr} 被邮件服务器拒收（{why}）",
                                                      f"{addr} refused by the server ({why})"))
        return lines


class _Permanent(Exception):
    """Retrying cannot help (wrong password, certificate, server without STARTTLS)."""


class MailSender:
    """Sends messages through one SMTP server configured by [smtp]."""

    def __init__(
        self,
        smtp: SmtpConfig,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        backoff: Sequence[float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.smtp = smtp
        # The default context checks the certificate against the system's CAs (and the file
        # named by SSL_CERT_FILE, for a company's own CA).
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.timeout = timeout
        self.backoff = tuple(BACKOFF if backoff is None else backoff)
        self.sleep = sleep

    def send(self, messages: Sequence[Outgoing]) -> SendReport:
        """Send every message; connection and temporary (4xx) failures are retried with
        back-off, then reported in the returned report. Never raises for a mail problem
        other than a missing password (a ConfigError, before anything is sent)."""
        password = self.smtp.password()
        done: dict[str, Delivery] = {}
        pending = list(messages)
        attempts = 0
        last_error = ""
        permanent = False
        for attempt in range(len(self.backoff) + 1):
            if not pending:
                break
            if attempt:
                wait = self.backoff[attempt - 1]
                log.warning("mail: %s; retrying in %g s (%d messages left)",
                            last_error, wait, len(pending))
                self.sleep(wait)
            attempts += 1
            try:
                conn = self._connect(password)
            except _Permanent as e:
                last_error, permanent = str(e), True
                break
            except (OSError, smtplib.SMTPException) as e:
                last_error = self._describe(e)
                if isinstance(e, smtplib.SMTPResponseException) and e.smtp_code >= 500:
                    permanent = True
                    break  # the server turned us away for good (e.g. 554 at the greeting)
                continue
            try:
                pending, last_error = self._send_all(conn, pending, done, last_error)
            finally:
                try:
                    conn.quit()
                except (OSError, smtplib.SMTPException):
                    conn.close()
        for out in pending:
            done[out.key] = Delivery(out.key, out.recipients, error=last_error,
                                     temporary=not permanent)
        deliveries = [done[m.key] for m in messages]
        return SendReport(deliveries, attempts)

    def _send_all(
        self,
        conn: smtplib.SMTP,
        pending: list[Outgoing],
        done: dict[str, Delivery],
        last_error: str,
    ) -> tuple[list[Outgoing], str]:
        left: list[Outgoing] = []
        sender = envelope_sender(self.smtp.sender)
        for i, out in enumerate(pending):
            delivery = Delivery(out.key, out.recipients)
            try:
                refused = conn.send_message(out.message, from_addr=sender,
                                            to_addrs=list(out.recipients))
            except smtplib.SMTPRecipientsRefused as e:  # nobody accepted it
                refused = e.recipients
                if all(code < 500 for code, _ in refused.values()):
                    left.append(out)
                    last_error = self._describe(e)
                    continue
            except smtplib.SMTPResponseException as e:  # sender refused, data refused
                if e.smtp_code < 500:
                    left.append(out)
                    last_error = self._describe(e)
                    continue
                delivery.error = self._describe(e)
                done[out.key] = delivery
                continue
            except (OSError, smtplib.SMTPServerDisconnected) as e:
                # The connection went: this message and the rest go again on a new one.
                left.extend(pending[i:])
                return left, self._describe(e)
            delivery.refused = {addr: _answer(code, text) for addr, (code, text) in refused.items()}
            delivery.accepted = [a for a in out.recipients if a not in refused]
            if delivery.refused:
                log.warning("mail %s: refused %s", out.key, ", ".join(delivery.refused))
            log.info("mail %s: sent to %s", out.key, ", ".join(delivery.accepted))
            done[out.key] = delivery
        return left, last_error

    def _connect(self, password: str | None) -> smtplib.SMTP:
        s = self.smtp
        conn: smtplib.SMTP
        try:
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout,
                                        context=self.ssl_context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        except ssl.SSLError as e:
            raise _Permanent(self._tls_problem(e)) from None
        try:
            conn.ehlo()
            if s.security == "starttls":
                try:
                    conn.starttls(context=self.ssl_context)
                except smtplib.SMTPNotSupportedError:
                    raise _Permanent(bilingual(
                        f"邮件服务器 {s.host}:{s.port} 不支持 STARTTLS：请把 [smtp] security 改为"
                        " ssl 或 none",
                        f"{s.host}:{s.port} does not offer STARTTLS; set [smtp] security to "
                        "ssl or none")) from None
                except ssl.SSLError as e:
                    raise _Permanent(self._tls_problem(e)) from None
                conn.ehlo()
            if s.user:
                try:
                    conn.login(s.user, password or "")
                except smtplib.SMTPAuthenticationError as e:
                    raise _Permanent(bilingual(
                        f"邮件服务器拒绝了 {s.user} 的登录（{_answer(e.smtp_code, e.smtp_error)}）"
                        "：请检查用户名和密码",
                        f"the server refused the login of {s.user} "
                        f"({_answer(e.smtp_code, e.smtp_error)})")) from None
                except smtplib.SMTPNotSupportedError:
                    raise _Permanent(bilingual(
                        f"邮件服务器 {s.host}:{s.port} 不接受登录（AUTH）："
                        "未加密的连接上通常不允许，"
                        "请把 [smtp] security 改为 starttls 或 ssl",
                        f"{s.host}:{s.port} offers no login (AUTH) on this connection; use "
                        "security starttls or ssl")) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _tls_problem(self, e: ssl.SSLError) -> str:
        s = self.smtp
        return bilingual(
            f"与邮件服务器 {s.host}:{s.port} 建立加密连接失败（{e.reason or e}）：请检查 security"
            " 设置和服务器证书",
            f"TLS with {s.host}:{s.port} failed ({e.reason or e}); check [smtp] security and the "
            "server's certificate")

    def _describe(self, e: BaseException) -> str:
        s = self.smtp
        if isinstance(e, smtplib.SMTPRecipientsRefused):
            answers = "; ".join(f"{a}: {_answer(c, t)}" for a, (c, t) in e.recipients.items())
            return bilingual(f"收件人被拒收（{answers}）", f"recipients refused ({answers})")
        if isinstance(e, smtplib.SMTPResponseException):
            answer = _answer(e.smtp_code, e.smtp_error)
            return bilingual(f"邮件服务器 {s.host}:{s.port} 拒绝了邮件（{answer}）",
                             f"{s.host}:{s.port} refused the message ({answer})")
        reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
        return bilingual(f"无法连接邮件服务器 {s.host}:{s.port}（{reason}）",
                         f"cannot reach the mail server {s.host}:{s.port} ({reason})")


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()
