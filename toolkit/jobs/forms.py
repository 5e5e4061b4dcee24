"""`forms`: the approval forms (客诉问题处理审批表) of the cases that need sign-off, as Word
documents filled from the register, optionally with PDF copies. See docs/forms.md."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from toolkit.bulk import collector_paused
from toolkit.errors import UsageError, bilingual
from toolkit.forms.fast import FormFiller
from toolkit.forms.fields import FormData, form_data
from toolkit.forms.fill import FormTemplate, stored_fingerprint
from toolkit.forms.names import form_stem
from toolkit.forms.outcome import REPLACED, SKIPPED, UNCHANGED, WRITTEN, FormFile, FormsOutcome
from toolkit.forms.output import FormWriter
from toolkit.forms.pdf import convert_to_pdf, require_soffice
from toolkit.forms.template import TEMPLATE_NAME
from toolkit.jobs.reading import read_workbook_preloading
from toolkit.rules.approval import needs_approval
from toolkit.rules.engine import CaseResult, CheckResult, run_check

log = logging.getLogger("toolkit.forms")

Progress = Callable[[str, int, int], None]

# Default output folder, beside the workbook.
FORMS_FOLDER = "审批表"


def run_forms(
    path: Path | str,
    *,
    as_of: datetime,
    case_ids: Sequence[str] | None = None,
    rows: Sequence[int] | None = None,
    out_dir: Path | str | None = None,
    pdf: bool = False,
    force: bool = False,
    template: Path | str | None = None,
    progress: Progress | None = None,
) -> FormsOutcome:
    """Read the workbook, check it as of `as_of` (nothing is written into it) and fill the forms
    of the given cases or rows, or of every case that needs approval. The forms go to
    `out_dir` (default: the 审批表 folder beside the workbook)."""
    path = Path(path)
    if progress:
        progress("read", 0, 1)
    with collector_paused():  # millions of acyclic records: see toolkit/bulk.py
        book = read_workbook_preloading(path)
        result = run_check(book.data, as_of, workbook_name=path.name, progress=progress)
    return forms_from_result(
        result, case_ids=case_ids, rows=rows,
        out_dir=Path(out_dir) if out_dir else path.parent / FORMS_FOLDER,
        pdf=pdf, force=force, template=find_template(path, template), progress=progress)


def find_template(book: Path, template: Path | str | None = None) -> Path | None:
    """The template to use: the one asked for, else 客诉问题处理审批表.docx beside the workbook
    (the team's own edited copy), else None for the built-in default."""
    if template is not None:
        return Path(template)
    beside = book.parent / TEMPLATE_NAME
    return beside if beside.is_file() else None


def forms_from_result(
    result: CheckResult,
    *,
    out_dir: Path | str,
    case_ids: Sequence[str] | None = None,
    rows: Sequence[int] | None = None,
    pdf: bool = False,
    force: bool = False,
    template: Path | str | None = None,
    progress: Progress | None = None,
) -> FormsOutcome:
    """Fill the forms for a result the caller already has (the Excel button passes the open
    workbook's). Everything that can fail on input (unknown cases, a bad template, no
    LibreOffice for `pdf`) fails before the first file is written."""
    out_dir = Path(out_dir)
    chosen = select_cases(result, case_ids=case_ids, rows=rows)
    soffice = require_soffice() if pdf and chosen else None
    tpl = FormTemplate.load(Path(template)) if template is not None else FormTemplate.default()
    filler = FormFiller(tpl)  # prepared once, when the first form is filled
    outcome = FormsOutcome(result, out_dir, tpl.source, pdf=pdf)
    company = result.rules.settings.company
    used: set[str] = set()
    to_pdf: list[FormFile] = []
    writer = FormWriter()
    try:
        for i, r in enumerate(chosen):
            if progress:
                progress("forms", i, len(chosen))
            form = form_data(r, company)
            target = out_dir / (_unique_stem(form, used) + ".docx")
            f = _write_form(filler, writer, form, target, force=force)
            outcome.forms.append(f)
            pdf_path = target.with_suffix(".pdf")
            if pdf and f.status != SKIPPED:
                stale = (f.status != UNCHANGED or not pdf_path.exists()
                         or pdf_path.stat().st_mtime < target.stat().st_mtime)
                if stale:
                    to_pdf.append(f)
                else:
                    f.pdf = pdf_path
        if progress and chosen:
            progress("forms", len(chosen), len(chosen))
        if soffice and to_pdf:
            _make_pdfs(soffice, to_pdf, out_dir, writer, progress)
    finally:
        writer.finish()
    return outcome


def select_cases(
    result: CheckResult,
    *,
    case_ids: Sequence[str] | None = None,
    rows: Sequence[int] | None = None,
) -> list[CaseResult]:
    """The cases asked for (by 投诉编号 or worksheet row), in row order; with neither, every
    case that needs approval. An unknown number or row is a usage error naming it."""
    if not case_ids and not rows:
        return [r for r in result.cases if needs_approval(r)]
    wanted_ids = {c.strip() for c in case_ids or () if c.strip()}
    wanted_rows = set(rows or ())
    found_ids = {r.case_id for r in result.cases if r.case_id in wanted_ids}
    found_rows = {r.row for r in result.cases if r.row in wanted_rows}
    unknown_ids = sorted(wanted_ids - found_ids)
    unknown_rows = sorted(wanted_rows - found_rows)
    if unknown_ids:
        shown = "、".join(unknown_ids)
        raise UsageError(bilingual(
            f"{result.workbook}：登记表中没有投诉编号 {shown}：请核对编号（格式 YYMM-NNNN）",
            f"{result.workbook}: no case numbered {', '.join(unknown_ids)} in the register"))
    if unknown_rows:
        shown = "、".join(str(n) for n in unknown_rows)
        raise UsageError(bilingual(
            f"{result.workbook}：第 {shown} 行不是登记表中的投诉",
            f"{result.workbook}: row {', '.join(map(str, unknown_rows))} holds no case"))
    return [r for r in result.cases if r.case_id in wanted_ids or r.row in wanted_rows]


def _unique_stem(form: FormData, used: set[str]) -> str:
    """Two rows with the same 投诉编号 and customer (a duplicate number) get distinct files."""
    stem = form_stem(form.case_id, form.customer, form.row)
    if stem.casefold() in used:
        stem = f"{stem}_第{form.row}行"
    used.add(stem.casefold())
    return stem


def _write_form(filler: FormFiller, writer: FormWriter, form: FormData, target: Path, *,
                force: bool) -> FormFile:
    fingerprint = form.fingerprint(filler.template.digest)
    status = WRITTEN
    if target.exists():
        stored = stored_fingerprint(target)
        if stored == fingerprint and not force:
            return FormFile(form.row, form.case_id, target, UNCHANGED, form.invalid)
        if stored is None and not force:
            # Someone else's file (or a form re-saved by a program that dropped our mark):
            # never overwrite what the toolkit did not write.
            log.info("%s was not written by the toolkit; left alone", target)
            return FormFile(form.row, form.case_id, target, SKIPPED, form.invalid)
        status = REPLACED
    writer.write(target, filler.fill(form, fingerprint))
    return FormFile(form.row, form.case_id, target, status, form.invalid)


def _make_pdfs(soffice: str, forms: Iterable[FormFile], out_dir: Path, writer: FormWriter,
               progress: Progress | None) -> None:
    forms = list(forms)
    if progress:
        progress("pdf", 0, len(forms))
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".complaints-pdf-", dir=out_dir))
    try:
        made = convert_to_pdf(soffice, [f.path for f in forms], work)
        for f in forms:
            f.pdf = writer.write(f.path.with_suffix(".pdf"), made[f.path].read_bytes())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if progress:
        progress("pdf", len(forms), len(forms))
