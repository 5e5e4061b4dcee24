"""PDF copies of the forms through LibreOffice (`soffice --headless --convert-to pdf`).

All forms of a run go through one soffice start (starting LibreOffice costs seconds, a page a
fraction of one), with a private user profile so that parallel runs, and a LibreOffice window
the user has open, do not get in each other's way. See docs/forms.md."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from toolkit.errors import ToolkitError, bilingual

log = logging.getLogger("toolkit.forms")

# File names per soffice call: command lines are limited (about 32,000 characters on Windows).
BATCH = 100
_WINDOWS_PLACES = (r"C:\Program Files\LibreOffice\program\soffice.exe",
                   r"C:\Program Files (x86)\LibreOffice\program\soffice.exe")


class LibreOfficeMissing(ToolkitError):
    """--pdf was asked for but LibreOffice is not installed."""


def find_soffice() -> str | None:
    """The LibreOffice program, from PATH or its usual Windows place."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.name == "nt":
        return next((p for p in _WINDOWS_PLACES if Path(p).exists()), None)
    return None


def require_soffice() -> str:
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing(bilingual(
            "--pdf 需要 LibreOffice，但本机没有安装：请安装 LibreOffice（https://www.libreoffice.org，"
            "Linux 上另装 fonts-noto-cjk 中文字体），或去掉 --pdf 只生成 Word 审批表",
            "--pdf needs LibreOffice, which is not installed: install LibreOffice (and a CJK "
            "font such as fonts-noto-cjk on Linux), or run without --pdf for the Word forms only"))
    return soffice


def convert_to_pdf(soffice: str, documents: Sequence[Path], workdir: Path) -> dict[Path, Path]:
    """Convert `documents` to PDF files in `workdir`; returns document -> its PDF there.
    Raises ToolkitError naming the documents LibreOffice could not convert."""
    profile = Path(tempfile.mkdtemp(prefix="complaints-lo-profile-"))
    out: dict[Path, Path] = {}
    try:
        for start in range(0, len(documents), BATCH):
            batch = list(documents[start:start + BATCH])
            _run(soffice, profile, batch, workdir)
            for doc in batch:
                pdf = workdir / (doc.stem + ".pdf")
                if pdf.exists():
                    out[doc] = pdf
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    failed = [d.name for d in documents if d not in out]
    if failed:
        raise ToolkitError(bilingual(
            f"LibreOffice 未能把这些审批表转换为 PDF：{'、'.join(failed)}（Word 文件已生成）",
            f"LibreOffice could not convert these forms to PDF: {', '.join(failed)} "
            "(the Word files were written)"))
    return out


def _run(soffice: str, profile: Path, batch: list[Path], workdir: Path) -> None:
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--norestore", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(workdir),
               *(str(p) for p in batch)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=120 + 10 * len(batch))
    except subprocess.TimeoutExpired:
        raise ToolkitError(bilingual(
            "LibreOffice 转换 PDF 超时：请关闭卡住的 LibreOffice 进程后重试",
            "LibreOffice timed out converting the forms to PDF: end any stuck soffice process "
            "and try again")) from None
    except OSError as e:
        raise ToolkitError(bilingual(f"无法启动 LibreOffice（{soffice}：{e.strerror}）",
                                     f"cannot start LibreOffice ({soffice}: {e.strerror})"),
                           ) from None
    log.info("soffice exit %s: %s %s", done.returncode, done.stdout.strip(), done.stderr.strip())
