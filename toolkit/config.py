"""Machine-level settings (SMTP, mail, schedule) from one TOML file; secrets never live in it."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from toolkit.errors import ConfigError, bilingual

SECURITY = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str = "starttls"
    user: str | None = None
    password_env: str | None = None
    sender: str = ""

    def password(self) -> str | None:
        """The SMTP password: from the named environment variable, else the system keyring
        (service "complaint-toolkit", the user name); None when there is no login."""
        if not self.user:
            return None
        if self.password_env and os.environ.get(self.password_env):
            return os.environ[self.password_env]
        secret = keyring_password(self.user)
        if secret:
            return secret
        where = f"the environment variable {self.password_env}" if self.password_env else ""
        zh_where = (f"环境变量 {self.password_env}" if self.password_env
                    else "配置文件 [smtp] 的 password_env")
        keyring_cmd = f"`keyring set complaint-toolkit {self.user}`"
        raise ConfigError(bilingual(
            f"没有 {self.user} 的 SMTP 密码：请设置{zh_where}，或用 {keyring_cmd} 保存密码",
            f"no SMTP password for {self.user}: set {where or 'password_env'} "
            f"or store it with {keyring_cmd}"))


KEYRING_SERVICE = "complaint-toolkit"


def keyring_password(user: str) -> str | None:
    """The password stored with `keyring set complaint-toolkit USER`, if any."""
    try:
        import keyring  # optional: only machines that keep the password there need it
    except ImportError:
        return None
    try:
        secret = keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # no usable keyring backend on this machine
        return None
    return str(secret) if secret else None


@dataclass(frozen=True)
class MailConfig:
    summary_to: tuple[str, ...] = ()
    send_at: time = time(8, 30)


@dataclass(frozen=True)
class Config:
    """The whole TOML file, typed."""

    path: Path
    smtp: SmtpConfig | None
    mail: MailConfig = field(default_factory=MailConfig)
    workbook: Path | None = None

    @property
    def send_log(self) -> Path:
        """The scheduler's send log, a small file beside the config (docs/mail.md)."""
        return self.path.with_name(self.path.stem + ".sendlog.json")


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: " + bilingual("找不到配置文件：请检查路径和文件名",
                                                  "no such config file")) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: " + bilingual(
            "无法读取配置文件：请确认它是 UTF-8 编码的文本文件，并且有权限打开",
            f"cannot read the config file ({e})")) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: " + bilingual(
            "配置文件的格式有误（不是有效的 TOML）：请按后面提示的行号（line）和列号（column）改正",
            f"not valid TOML ({e})")) from None
    _known_keys(doc, path)
    return Config(
        path=path,
        smtp=_smtp(doc.get("smtp"), path),
        mail=_mail(doc.get("mail") or {}, path),
        workbook=_workbook(doc.get("workbook") or {}, path),
    )


def _table(value: Any, name: str, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: " + bilingual(
            f"[{name}] 的写法不对：它应是以 [{name}] 开头的一节设置",
            f"[{name}] must be a table"))
    return value


def _str(section: dict[str, Any], key: str, name: str, path: Path, *, required: bool = False
         ) -> str | None:
    value = section.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{path}: " + bilingual(f"[{name}] 缺少必填项 {key}：请补上",
                                                      f"[{name}] {key} is required"))
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: " + bilingual(
            f"[{name}] 的 {key} 必须是不为空的文字，并用英文双引号括起来",
            f"[{name}] {key} must be a non-empty string"))
    return value.strip()


def _smtp(value: Any, path: Path) -> SmtpConfig | None:
    if value is None:
        return None
    s = _table(value, "smtp", path)
    security = (_str(s, "security", "smtp", path) or "starttls").lower()
    if security not in SECURITY:
        raise ConfigError(f"{path}: " + bilingual(
            f"[smtp] 的 security 只能是 {'、'.join(SECURITY)} 之一，不能是 {security!r}",
            f"[smtp] security must be one of {', '.join(SECURITY)}, not {security!r}"))
    port = s.get("port", DEFAULT_PORTS[security])
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"{path}: " + bilingual(
            "[smtp] 的 port 必须是 1 到 65535 之间的整数",
            "[smtp] port must be a whole number from 1 to 65535"))
    host = _str(s, "host", "smtp", path, required=True)
    sender = _str(s, "from", "smtp", path, required=True)
    assert host and sender
    return SmtpConfig(host, port, security, _str(s, "user", "smtp", path),
                      _str(s, "password_env", "smtp", path), sender)


def _mail(value: Any, path: Path) -> MailConfig:
    m = _table(value, "mail", path)
    to = m.get("summary_to", [])
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not all(isinstance(x, str) and "@" in x for x in to):
        raise ConfigError(f"{path}: " + bilingual(
            '[mail] 的 summary_to 必须是邮箱地址列表，如 ["a@example.com", "b@example.com"]',
            "[mail] summary_to must be a list of email addresses"))
    send_at = _str(m, "send_at", "mail", path) or "08:30"
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", send_at)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError(f"{path}: " + bilingual(
            f'[mail] 的 send_at 必须是 "08:30" 这样的时间，不能是 {send_at!r}',
            f"[mail] send_at must be a time like \"08:30\", not {send_at!r}"))
    return MailConfig(tuple(to), time(int(match.group(1)), int(match.group(2))))


def _workbook(value: Any, path: Path) -> Path | None:
    w = _table(value, "workbook", path)
    book = _str(w, "path", "workbook", path)
    if book is None:
        return None
    p = Path(book).expanduser()
    return p if p.is_absolute() else (path.parent / p).resolve()


# The keys each table may hold. A misspelt key (pasword_env) would otherwise be ignored
# without a word, and the mail would fail at 08:30 for a reason nobody can see.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "smtp": ("host", "port", "security", "user", "password_env", "from"),
    "mail": ("summary_to", "send_at"),
    "workbook": ("path",),
}


def _known_keys(doc: dict[str, Any], path: Path) -> None:
    for name, value in doc.items():
        if name not in KNOWN_KEYS:
            raise ConfigError(f"{path}: " + bilingual(
                f"不认识的一节 [{name}]：只能有 {'、'.join(f'[{k}]' for k in KNOWN_KEYS)}",
                f"unknown table [{name}]; expected "
                f"{', '.join(f'[{k}]' for k in KNOWN_KEYS)}"))
        if not isinstance(value, dict):
            continue  # _table names the problem
        for key in value:
            if key == "password":
                raise ConfigError(f"{path}: " + bilingual(
                    f"[{name}] password：密码不能写在配置文件里，"
                    "请用 password_env 指定一个环境变量，或保存在系统钥匙串（keyring）中",
                    f"[{name}] password: the password never lives in the file; name an "
                    "environment variable with password_env or use the system keyring"))
            if key not in KNOWN_KEYS[name]:
                raise ConfigError(f"{path}: " + bilingual(
                    f"[{name}] 中不认识的设置 {key}：可用的是 {'、'.join(KNOWN_KEYS[name])}",
                    f"[{name}] {key} is not a known key; expected one of "
                    f"{', '.join(KNOWN_KEYS[name])}"))


# ---------------------------------------------------------------------------
# Finding the file: --config, then COMPLAINTS_CONFIG, then the per-user config folder

CONFIG_ENV = "COMPLAINTS_CONFIG"
APP_NAME = "complaints"
CONFIG_NAME = "config.toml"


def user_config_path() -> Path:
    """config.toml in the per-user config folder (%APPDATA%\\complaints on Windows,
    ~/.config/complaints on Linux, ~/Library/Application Support/complaints on macOS)."""
    import click  # the command line's library knows each system's folder

    return Path(click.get_app_dir(APP_NAME)) / CONFIG_NAME


def find_config(explicit: Path | str | None = None) -> tuple[Path | None, str]:
    """Where the config comes from: (path, how found). A path given by --config or by the
    environment variable must exist (load_config says so); the user folder's is optional."""
    if explicit:
        return Path(explicit), "--config"
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env).expanduser(), CONFIG_ENV
    user = user_config_path()
    if user.is_file():
        return user, "user folder"
    return None, ""


def load_found_config(explicit: Path | str | None = None) -> Config | None:
    """The config found by find_config, loaded; None when there is none anywhere."""
    path, _how = find_config(explicit)
    return load_config(path) if path else None


def describe_config(explicit: Path | str | None = None) -> list[str]:
    """What `complaints config --show` prints: where the file was found and what it says,
    with the password never shown (only whether one is available)."""
    path, how = find_config(explicit)
    if path is None:
        return [bilingual(
            f"没有找到配置文件：可用 --config 指定，或设置环境变量 {CONFIG_ENV}，"
            f"或放在 {user_config_path()}",
            f"no config file found: give --config, set {CONFIG_ENV}, "
            f"or create {user_config_path()}")]
    config = load_config(path)
    lines = [f"config: {path.resolve()}  ({how})"]
    if config.smtp is None:
        lines.append("[smtp]     (none: mail cannot be sent, only --dry-run)")
    else:
        s = config.smtp
        lines += [f"[smtp]     host = {s.host}", f"           port = {s.port}",
                  f"           security = {s.security}",
                  f"           user = {s.user or '(none: no login)'}",
                  f"           from = {s.sender}"]
        if s.user:
            lines.append(f"           password = {_password_state(s)}")
    lines += [f"[mail]     summary_to = {', '.join(config.mail.summary_to) or '(none)'}",
              f"           send_at = {config.mail.send_at:%H:%M}"]
    if config.workbook:
        state = "exists" if config.workbook.is_file() else "NOT FOUND"
        lines.append(f"[workbook] path = {config.workbook}  ({state})")
    else:
        lines.append("[workbook] path = (none: give BOOK on the command line)")
    lines.append(f"send log: {config.send_log}")
    return lines


def _password_state(s: SmtpConfig) -> str:
    if s.password_env and os.environ.get(s.password_env):
        return f"******** (from the environment variable {s.password_env})"
    if s.user and keyring_password(s.user):
        return f"******** (from the system keyring, {KEYRING_SERVICE} / {s.user})"
    where = f"{s.password_env} is not set" if s.password_env else "no password_env"
    return f"MISSING ({where}, nothing in the system keyring for {s.user})"
