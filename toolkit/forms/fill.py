"""Fill the approval-form template for one case (docxtpl over python-docx).

Values are escaped on the way in (docxtpl renders with autoescape), so text from the register
appears exactly as typed: a complaint that starts with "=" or contains "<b>" is printed as
such, and line breaks in a cell become line breaks on the form. See docs/forms.md."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import jinja2.nodes
from defusedxml import ElementTree
from docx.opc.coreprops import CoreProperties
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from markupsafe import Markup, escape

from toolkit.errors import ToolkitError, bilingual
from toolkit.forms.fields import PLACEHOLDERS, FormData, placeholder
from toolkit.forms.template import TITLE, build_form_template

log = logging.getLogger("toolkit.forms")

# Where the form's fingerprint is kept inside the .docx: the core property dc:identifier
# (Word keeps it when staff open and save the form).
FINGERPRINT_PREFIX = "complaint-toolkit form sha256:"
_CORE = "docProps/core.xml"
_DC_IDENTIFIER = "{http://purl.org/dc/elements/1.1/}identifier"


class TemplateError(ToolkitError):
    """The approval-form template cannot be used (not a .docx, bad placeholder syntax)."""


@dataclass(frozen=True)
class FormTemplate:
    """A template's bytes, where they came from and their digest (part of each form's
    fingerprint, so editing the template refreshes the forms)."""

    data: bytes
    source: str  # a path, or "built-in"

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @classmethod
    def default(cls) -> FormTemplate:
        return cls(build_form_template(), "built-in")

    @classmethod
    def load(cls, path: Path) -> FormTemplate:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise TemplateError(bilingual(
                f"{path}：无法读取审批表模板（{e.strerror}）",
                f"{path}: cannot read the approval-form template ({e.strerror})")) from None
        template = cls(data, str(path))
        template.check()
        return template

    def check(self) -> None:
        """Refuse a template that is not a Word document or names a placeholder the toolkit
        does not fill (a typo would otherwise print as an empty space on every form)."""
        try:
            names = _template(self.data).get_undeclared_template_variables()
        except jinja2.TemplateSyntaxError as e:
            raise TemplateError(bilingual(
                f"{self.source}：审批表模板中的占位符写法有误（{e.message}，第 {e.lineno} 处）："
                "占位符应写成 {{ 投诉编号 }} 的样子",
                f"{self.source}: a placeholder in the approval-form template is malformed "
                f"({e.message}); write placeholders as {{{{ 投诉编号 }}}}")) from None
        except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as e:
            log.info("template %s: %s", self.source, e)
            raise TemplateError(bilingual(
                f"{self.source}：不是可用的 Word 文档（.docx）：请用 Word 另存为 .docx 格式",
                f"{self.source}: not a usable Word document: save it from Word as .docx"),
            ) from None
        unknown = sorted(set(names) - set(PLACEHOLDERS))
        if unknown:
            shown = "、".join(placeholder(n) for n in unknown)
            raise TemplateError(bilingual(
                f"{self.source}：审批表模板中有不认识的占位符 {shown}：可用的占位符见 "
                "docs/forms.md",
                f"{self.source}: the approval-form template has unknown placeholders {shown}; "
                "see docs/forms.md for the list"))


def fill_form(template: FormTemplate, form: FormData, fingerprint: str) -> bytes:
    """The filled .docx for one case, with its fingerprint in the document properties, made by
    docxtpl from the whole template. A run fills its forms through toolkit/forms/fast.py,
    which comes here only for the templates and values it does not handle itself."""
    buf = io.BytesIO()
    render_docx(template, form, fingerprint).save(buf)
    return buf.getvalue()


def render_docx(template: FormTemplate, form: FormData, fingerprint: str, *,
                env: jinja2.Environment | None = None) -> DocxTemplate:
    """docxtpl's render of the template with the form's values (autoescaped), and the form's
    document properties set; not saved yet."""
    doc = _template(template.data)
    context = {name: literal(text) for name, text in form.values.items()}
    try:
        doc.render(context, jinja_env=env or _ENV, autoescape=True)
    except jinja2.TemplateError as e:
        raise TemplateError(bilingual(
            f"{template.source}：填写审批表模板时出错（{e}）",
            f"{template.source}: the approval-form template could not be filled ({e})"),
        ) from None
    set_properties(doc.docx.core_properties, form, fingerprint)
    return doc


def set_properties(props: CoreProperties, form: FormData, fingerprint: str) -> None:
    """The document properties of a filled form: its fingerprint, title and register row, and
    the time it was made."""
    props.identifier = FINGERPRINT_PREFIX + fingerprint
    props.title = f"{TITLE} {form.case_id or ''}".strip()
    props.comments = f"complaint-toolkit: 登记表第 {form.row} 行 / register row {form.row}"
    props.created = props.modified = datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def stored_fingerprint(path: Path) -> str | None:
    """The fingerprint a form written by the toolkit carries; None for any other file."""
    try:
        with zipfile.ZipFile(path) as z:
            root = ElementTree.fromstring(z.read(_CORE))
    except (OSError, zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return None
    node = root.find(_DC_IDENTIFIER)
    text = (node.text or "") if node is not None else ""
    return text[len(FINGERPRINT_PREFIX):] if text.startswith(FINGERPRINT_PREFIX) else None


# docxtpl turns "{_{" into "{{" (and "}_}", "{_%", "%_}" likewise) everywhere after rendering:
# such an underscore in a value is written as a character reference so it stays as typed.
_TAG_UNDERSCORE = re.compile(r"(?<=\{)_|_(?=\})")


def literal(text: str) -> Markup:
    """A value as XML text that Word shows exactly as typed. Line breaks and tabs are turned
    into Word's own by docxtpl after rendering."""
    return Markup(_TAG_UNDERSCORE.sub("&#95;", str(escape(text))))


class _CompilingOnce(jinja2.Environment):
    """docxtpl compiles the document's XML with Jinja for every form; the XML is the same for
    every form of a template, so each source is compiled once (a third of the time per form)."""

    MAX = 64

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(
        self,
        source: str | jinja2.nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[jinja2.Template] | None = None,
    ) -> jinja2.Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            if len(self._compiled) >= self.MAX:
                self._compiled.clear()
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


_ENV = _CompilingOnce()


def _template(data: bytes) -> DocxTemplate:
    return DocxTemplate(io.BytesIO(data))
