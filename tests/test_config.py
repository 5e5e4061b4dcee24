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


# ---------------------------------------------------------------------------
# Finding the file and showing it


def _write(path: Path, text: str = SPEC_EXAMPLE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No COMPLAINTS_CONFIG and an empty per-user folder (XDG_CONFIG_HOME / APPDATA)."""
    home = tmp_path / "user-config"
    monkeypatch.delenv("COMPLAINTS_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("APPDATA", str(home))
    return home


def test_config_is_found_by_option_then_env_then_user_folder(
        tmp_path: Path, no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.config import find_config, user_config_path

    assert find_config() == (None, "")
    user = _write(user_config_path())
    assert user.is_relative_to(no_config)
    assert find_config() == (user, "user folder")
    env = _write(tmp_path / "env.toml")
    monkeypatch.setenv("COMPLAINTS_CONFIG", str(env))
    assert find_config() == (env, "COMPLAINTS_CONFIG")
    explicit = _write(tmp_path / "explicit.toml")
    assert find_config(explicit) == (explicit, "--config")


def test_a_config_named_by_the_variable_must_exist(tmp_path: Path, no_config: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.config import load_found_config

    assert load_found_config() is None
    monkeypatch.setenv("COMPLAINTS_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError, match="gone.toml.*no such config file"):
        load_found_config()


@pytest.mark.parametrize("text, key", [
    ('[smtp]\nhost = "h"\nfrom = "a@b.c"\npasword_env = "X"', "pasword_env"),
    ('[smtp]\nhost = "h"\nfrom = "a@b.c"\npassword = "hunter2"', "password"),
    ('[mial]\nsend_at = "08:30"', "[mial]"),
])
def test_unknown_keys_and_passwords_in_the_file_are_refused(tmp_path: Path, text: str,
                                                            key: str) -> None:
    path = _write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert key in str(e.value) and str(path) in str(e.value)
    assert "hunter2" not in str(e.value)


def test_config_show_masks_the_password(tmp_path: Path, no_config: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from toolkit.cli import cli

    path = _write(tmp_path / "complaints.toml")
    monkeypatch.setenv("COMPLAINTS_SMTP_PASSWORD", "s3cret-value")
    result = CliRunner().invoke(cli, ["config", "--show", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "s3cret-value" not in result.output
    assert f"config: {path.resolve()}  (--config)" in result.output
    assert "host = smtp.example.com" in result.output
    assert "password = ******** (from the environment variable COMPLAINTS_SMTP_PASSWORD)" \
        in result.output
    assert "投诉记录.xlsm  (NOT FOUND)" in result.output
    assert "complaints.sendlog.json" in result.output

    monkeypatch.delenv("COMPLAINTS_SMTP_PASSWORD")
    monkeypatch.setenv("COMPLAINTS_CONFIG", str(path))
    result = CliRunner().invoke(cli, ["config", "--show"])
    assert "(COMPLAINTS_CONFIG)" in result.output
    assert "password = MISSING (COMPLAINTS_SMTP_PASSWORD is not set" in result.output

    monkeypatch.delenv("COMPLAINTS_CONFIG")
    result = CliRunner().invoke(cli, ["config", "--show"])
    assert "no config file found" in result.output


def test_workbook_path_stands_in_for_book(tmp_path: Path, no_config: Path) -> None:
    from click.testing import CliRunner

    from toolkit.cli import cli

    config = _write(tmp_path / "c.toml", '[workbook]\npath = "missing.xlsx"\n')
    result = CliRunner().invoke(cli, ["overdue", "--config", str(config), "--dry-run", "--out",
                                      str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "missing.xlsx" in result.output  # the workbook of [workbook] path was looked for
    result = CliRunner().invoke(cli, ["overdue", "--dry-run", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no workbook" in result.output


def test_password_from_the_system_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    from toolkit.config import describe_config

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        store = {("complaint-toolkit", "complaints@example.com"): "from-keyring"}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        monkeypatch.delenv("COMPLAINTS_SMTP_PASSWORD", raising=False)
        path = _write(tmp_path / "c.toml")
        smtp = load_config(path).smtp
        assert smtp is not None and smtp.password() == "from-keyring"
        shown = "\n".join(describe_config(path))
        assert "from the system keyring" in shown and "from-keyring" not in shown
    finally:
        keyring.set_keyring(previous)
