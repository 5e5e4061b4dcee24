"""What a forms run produced: each form's file and what happened to it. See docs/forms.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.rules.engine import CheckResult

WRITTEN, REPLACED, UNCHANGED, SKIPPED = "written", "replaced", "unchanged", "skipped"


@dataclass
class FormFile:
    """One form of the run and what happened to its file."""

    row: int
    case_id: str | None
    path: Path
    status: str  # written (new), replaced (case changed), unchanged, skipped (not ours)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (placeholder, code)
    pdf: Path | None = None


@dataclass
class FormsOutcome:
    """The forms of one run, in register row order, with the check result they came from."""

    result: CheckResult
    out_dir: Path
    template: str  # the template's path, or "built-in"
    forms: list[FormFile] = field(default_factory=list)
    pdf: bool = False

    def count(self, status: str) -> int:
        return sum(1 for f in self.forms if f.status == status)

    @property
    def pdfs(self) -> int:
        return sum(1 for f in self.forms if f.pdf is not None)

    @property
    def not_done(self) -> bool:
        """Some form was not written (a file not made by the toolkit is in the way) or was
        written with fields left blank because the row has errors there."""
        return any(f.status == SKIPPED or f.invalid for f in self.forms)
