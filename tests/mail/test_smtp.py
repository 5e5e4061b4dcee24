"""Sending to a real SMTP server on loopback: security modes, login, refusals, retries."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from smtpserver import smtp_server

from toolkit.errors import ConfigError
from toolkit.mail.message import build_message, split_addresses
from toolkit.mail.smtp import MailSender, Outgoing


def _out(key: str, *to: str) -> Outgoing:
    msg = build_message(sender="投诉管理 <complaints@example.com>", to=to, subject=f"主题 {key}",
                        text=f"正文 {key}", html=f"<p>{key}</p>")
    return Outgoing(key, tuple(to), msg)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_plain_delivery_to_each_recipient() -> None:
    with smtp_server() as server:
        report = MailSender(server.smtp()).send([_out("a", "a@example.com", "b@example.com"),
                                                 _out("b", "c@example.com")])
        assert report.ok and report.attempts == 1
        got = server.inbox.received
    assert [sorted(r.rcpt_tos) for r in got] == [["a@example.com", "b@example.com"],
                                                 ["c@example.com"]]
    assert got[0].mail_from == "complaints@example.com"
    assert got[0].message["Subject"] == "主题 a"
    assert got[0].message.get_body(("plain",)).get_content().strip() == "正文 a"


def test_starttls_with_self_signed_certificate_and_login(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_PW", "s3cret")
    with smtp_server(tls_dir=tmp_path, users={"desk": "s3cret"}) as server:
        smtp = server.smtp(security="starttls", user="desk", password_env="TEST_SMTP_PW")
        report = MailSender(smtp, ssl_context=server.client_context).send(
            [_out("a", "a@example.com")])
        assert report.ok, report.problems()
        assert len(server.inbox.received) == 1

        # The certificate is checked: without trusting the test CA the connection is refused,
        # at once (retrying cannot fix a certificate) and as a report, not an exception.
        sleeps = Sleeps()
        report = MailSender(smtp, sleep=sleeps).send([_out("b", "b@example.com")])
        assert not report.ok and sleeps == [] and report.attempts == 1
        assert "TLS" in report.problems()[0] and "CERTIFICATE" in report.problems()[0].upper()

        # The system's way to trust a company CA: SSL_CERT_FILE, read by the default context.
        assert server.ca_file is not None
        monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
        assert MailSender(smtp).send([_out("c", "c@example.com")]).ok
        assert len(server.inbox.received) == 2


def test_wrong_password_is_reported_not_retried(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_PW", "wrong")
    with smtp_server(tls_dir=tmp_path, users={"desk": "s3cret"}) as server:
        smtp = server.smtp(security="starttls", user="desk", password_env="TEST_SMTP_PW")
        sleeps = Sleeps()
        report = MailSender(smtp, ssl_context=server.client_context, sleep=sleeps).send(
            [_out("a", "a@example.com")])
        assert server.inbox.received == []
    assert sleeps == [] and not report.deliveries[0].temporary
    assert "refused the login of desk" in report.problems()[0]


def test_missing_password_is_a_config_error_before_connecting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_PW_VAR", raising=False)
    with smtp_server() as server:
        smtp = server.smtp(user="desk", password_env="NO_SUCH_PW_VAR")
        with pytest.raises(ConfigError, match="NO_SUCH_PW_VAR"):
            MailSender(smtp).send([_out("a", "a@example.com")])


def test_one_bad_address_does_not_stop_the_others() -> None:
    with smtp_server() as server:
        server.inbox.refuse_rcpt = {"gone@example.com"}
        report = MailSender(server.smtp()).send([
            _out("only-bad", "gone@example.com"),
            _out("mixed", "gone@example.com", "ok@example.com"),
            _out("fine", "fine@example.com"),
        ])
        got = {r.message["Subject"]: r.rcpt_tos for r in server.inbox.received}
    assert got == {"主题 mixed": ["ok@example.com"], "主题 fine": ["fine@example.com"]}
    by_key = {d.key: d for d in report.deliveries}
    assert not by_key["only-bad"].sent and not by_key["only-bad"].temporary
    assert by_key["mixed"].sent and list(by_key["mixed"].refused) == ["gone@example.com"]
    assert by_key["fine"].ok
    assert any("gone@example.com" in p and "550" in p for p in report.problems())


def test_server_that_refuses_the_message() -> None:
    with smtp_server() as server:
        server.inbox.data_answer, server.inbox.data_failures_left = "554 5.7.1 spam", 99
        sleeps = Sleeps()
        report = MailSender(server.smtp(), sleep=sleeps).send([_out("a", "a@example.com"),
                                                               _out("b", "b@example.com")])
    assert sleeps == []  # a 5xx answer is final
    assert [d.sent for d in report.deliveries] == [False, False]
    assert "554 5.7.1 spam" in report.problems()[0]


def test_temporary_refusal_is_retried_with_back_off() -> None:
    with smtp_server() as server:
        server.inbox.data_answer, server.inbox.data_failures_left = "451 4.3.0 busy", 2
        sleeps = Sleeps()
        report = MailSender(server.smtp(), sleep=sleeps, backoff=(1, 5, 25)).send(
            [_out("a", "a@example.com")])
        assert len(server.inbox.received) == 1
    assert report.ok and report.attempts == 3 and sleeps == [1, 5]


def test_server_down_is_retried_then_reported() -> None:
    from smtpserver import free_port

    port = free_port()  # nobody listens here
    from toolkit.config import SmtpConfig

    smtp = SmtpConfig("127.0.0.1", port, "none", sender="a@example.com")
    sleeps = Sleeps()
    report = MailSender(smtp, sleep=sleeps, backoff=(1, 2)).send([_out("a", "a@example.com")])
    assert sleeps == [1, 2] and report.attempts == 3
    delivery = report.deliveries[0]
    assert not delivery.sent and delivery.temporary
    assert f"cannot reach the mail server 127.0.0.1:{port}" in report.problems()[0]


def test_ssl_mode_against_a_plain_server_fails_cleanly() -> None:
    with smtp_server() as server:
        report = MailSender(server.smtp(security="ssl"), backoff=(),
                            ssl_context=ssl.create_default_context()).send(
            [_out("a", "a@example.com")])
    assert not report.ok and "TLS" in report.problems()[0]


@pytest.mark.parametrize("cell, valid, bad", [
    ("a@x.cn", ["a@x.cn"], []),
    ("a@x.cn; 张三 <b@x.cn>，c@x.cn、a@x.cn", ["a@x.cn", "b@x.cn", "c@x.cn"], []),
    ("不对; d@x.cn\nnot an address", ["d@x.cn"], ["不对", "not an address"]),
    (None, [], []),
])
def test_split_addresses(cell: str | None, valid: list[str], bad: list[str]) -> None:
    assert split_addresses(cell) == (valid, bad)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_ssl_from_the_first_byte_with_login(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_PW", "s3cret")
    with smtp_server(tls_dir=tmp_path, users={"desk": "s3cret"}, implicit_tls=True) as server:
        smtp = server.smtp(security="ssl", user="desk", password_env="TEST_SMTP_PW")
        report = MailSender(smtp, ssl_context=server.client_context).send(
            [_out("a", "a@example.com")])
        assert report.ok, report.problems()
        assert [r.rcpt_tos for r in server.inbox.received] == [["a@example.com"]]
