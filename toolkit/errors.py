"""The exceptions that stop a command, each knowing the exit code it means."""

from __future__ import annotations

from pathlib import Path

SEPARATOR = " / "


def bilingual(zh: str, en: str) -> str:
    """A fatal error's one-line message in both languages, Chinese first: "<中文> / <English>".

    Fatal errors are raised before (or instead of) reading the workbook's 设置 language, so
    they always carry both; the English part is what the tests and the logs match on."""
    return f"{zh}{SEPARATOR}{en}"


class ToolkitError(Exception):
    """Cannot continue. The message is one line a user can act on."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ToolkitError):
    """The command was called wrongly (bad option value, missing argument)."""


def _located(message: str, path: Path | str | None, sheet: str | None, row: int | None,
             column: str | None) -> str:
    where = [str(p) for p in (path, sheet) if p]
    if row is not None:
        where.append(f"row {row}" if column is None else f"{column}{row}")
    elif column:
        where.append(column)
    return f"{': '.join(where)}: {message}" if where else message


class WorkbookError(ToolkitError):
    """The workbook cannot be read or used: corrupt, wrong format, no register."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(_located(message, path, sheet, row, column))
        self.path = path
        self.sheet = sheet
        self.row = row
        self.column = column


class RuleError(ToolkitError):
    """A rule table (分派规则, 时限规则, 部门, 节假日, 设置) holds a value the rules cannot use.

    Raised by toolkit.rules, which know the table and the row but not the file; the job that
    read the workbook turns it into a WorkbookError naming the file with `in_workbook`."""

    def __init__(self, message: str, *, table: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        super().__init__(_located(message, None, table, row, column))
        self.detail = message
        self.table = table
        self.row = row
        self.column = column

    def in_workbook(self, path: Path | str) -> WorkbookError:
        return WorkbookError(self.detail, path=path, sheet=self.table, row=self.row,
                             column=self.column)


class WorkbookLockedError(WorkbookError):
    """The workbook is open in Excel (its ~$ owner file exists), so it must not be written."""


class WorkbookChangedError(WorkbookError):
    """The workbook changed on disk after it was read; writing would lose someone's save."""


class ConfigError(ToolkitError):
    """The TOML configuration file is missing, unreadable or has a wrong value."""
