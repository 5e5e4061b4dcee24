from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from toolkit.config import load_config
from toolkit.errors import ConfigError

SPEC_EXAMPLE = """
[smtp]
host = "smtp.example.com"
port = 587
security = "starttls"
user = "complaints@example.com"
password_env = "COMPLAINTS_SMTP_PASSWORD"
from = "投诉管理 <complaints@example.com>"

[mail]
summary_to = ["desk@example.com"]
send_at = "08:30"

[workbook]
path = "投诉记录.xlsm"
"""


def test_spec_example_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "complaints.toml"
    path.write_text(SPEC_EXAMPLE, encoding="utf-8")
    config = load_config(path)
    assert config.smtp is not None
    assert (config.smtp.host, config.smtp.port, config.smtp.security) == (
        "smtp.example.com", 587, "starttls")
    assert config.smtp.sender == "投诉管理 <complaints@example.com>"
    assert config.mail.summary_to == ("desk@example.com",)
    assert config.mail.send_at == time(8, 30)
    assert config.workbook == (tmp_path / "投诉记录.xlsm").resolve()
    monkeypatch.setenv("COMPLAINTS_SMTP_PASSWORD", "s3cret")
    assert config.smtp.password() == "s3cret"


def test_no_user_means_no_login(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[smtp]\nhost = "localhost"\nsecurity = "none"\nfrom = "a@b.c"\n')
    config = load_config(path)
    assert config.smtp is not None and config.smtp.port == 25
    assert config.smtp.password() is None


@pytest.mark.parametrize("text, match", [
    ("[smtp\nhost=1", "not valid TOML"),
    ('[smtp]\nhost = "h"\nfrom = "a@b.c"\nsecurity = "tls"', "security must be one of"),
    ('[smtp]\nhost = "h"\nfrom = "a@b.c"\nport = 70000', "port must be"),
    ('[smtp]\nfrom = "a@b.c"', "host is required"),
    ('[mail]\nsend_at = "8.30"', "send_at must be a time"),
    ('[mail]\nsummary_to = ["nobody"]', "summary_to must be a list of email"),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match) as e:
        load_config(path)
    assert e.value.exit_code == 2 and str(path) in str(e.value)


def test_missing_password_names_the_variable(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_PW", raising=False)
    path = tmp_path / "c.toml"
    path.write_text('[smtp]\nhost = "h"\nuser = "u"\npassword_env = "NO_SUCH_PW"\nfrom = "a@b.c"')
    smtp = load_config(path).smtp
    assert smtp is not None
    with pytest.raises(ConfigError, match="NO_SUCH_PW"):
        smtp.password()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "none.toml")
