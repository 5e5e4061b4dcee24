"""Filling the forms of a run from a template prepared once.

docxtpl (toolkit/forms/fill.py) opens the whole template, patches the placeholders Word split
across runs, renders the XML with Jinja, post-processes it and writes every part again: 60-70 ms
a form, and all of it is the same for every form of a run but the values themselves. So each
run lets docxtpl do all of that once, with a marker in place of every value, and keeps the
result cut at the markers. A form is then its values, XML-escaped, joined with the pieces in
between, in a zip whose unchanged parts were compressed once (toolkit/forms/package.py).

Why that is the same document docxtpl makes (docs/forms.md, "Speed"):

- Only templates whose Jinja is nothing but placeholders `{{ 名称 }}` (text, values, comments)
  are prepared; an `{% if %}`, a filter or any other expression makes the output depend on the
  values in ways markers cannot show, and such a template is filled by docxtpl form by form.
- Every marker must come out as the text of a `<w:t>` element (never in an attribute, a field
  code, a property or anything else), whole, and nowhere else than where a placeholder was.
- What docxtpl does to a value after Jinja depends only on where the value stands: a line
  break becomes `</w:t><w:br/><w:t …>`, a tab closes the run and adds a `<w:tab/>` run with the
  run's own formatting. Each marker carries a line break and a tab, so the one render records
  what they become at that place; a value is then escaped as lxml escapes text (&, <, >)
  with its line breaks and tabs replaced the same way.
- A value holding a control character, a lone surrogate or a noncharacter (show() removes
  them; docxtpl's handling of what is left is not worth copying) is filled by docxtpl.
- docxtpl's "{_{" -> "{{" (and "}_}", "{_%", "%_}") replacement after rendering does not
  touch a value (literal() escapes the underscore) and a marker has no braces, so the
  template's own "{_{" are replaced in the prepared pieces as docxtpl replaces them. The one
  difference: where the template's text right beside a placeholder is itself half of such a
  pattern ("{{ 投诉编号 }}_}" with a value ending in "}"), docxtpl would replace across the
  edge of the value; here the value stays as typed, as docs/forms.md promises.

tests/forms/test_form_fast.py compares both ways' documents on awkward text.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError, TreeBuilder

import jinja2
import jinja2.nodes as nodes
from defusedxml.ElementTree import DefusedXMLParser
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.opc.parts.coreprops import CorePropertiesPart
from docx.oxml.parser import parse_xml

from toolkit.forms.fields import PLACEHOLDERS, FormData
from toolkit.forms.fill import FormTemplate, _CompilingOnce, fill_form, render_docx, set_properties
from toolkit.forms.package import Entry, zip_bytes

log = logging.getLogger("toolkit.forms")

# Private-use characters (U+E000…): a value's marker is START <index> SEP \n SEP \t SEP END.
START, SEP, END = "\ue000", "\ue001", "\ue002"
_MARKER = re.compile(f"{START}(\\d+){SEP}(.*?){SEP}(.*?){SEP}{END}", re.DOTALL)
_MARKS = re.compile(f"[{START}{SEP}{END}]")
_W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
# Values the fast path does not fill itself: control characters other than tab and line
# break (docxtpl turns \a and \f into paragraphs and pages, an XML parser turns \r into \n),
# lone surrogates and the noncharacters XML cannot carry.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
# The Jinja a prepared template may hold: text and bare names, nothing that computes.
_PLAIN = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name)


class _Recording(_CompilingOnce):
    """The Jinja environment of the prepared render: it keeps every source docxtpl compiles
    (the document, headers, footers, footnotes, properties) so that each can be checked."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[jinja2.Template] | None = None,
    ) -> jinja2.Template:
        if isinstance(source, str):
            self.sources.append(source)
        return super().from_string(source, globals, template_class)


@dataclass(frozen=True)
class _Slot:
    """Where a value goes in a part, and what its line breaks and tabs become there (the
    XML docxtpl put in their place: str.translate's table)."""

    name: str
    breaks: dict[int, str]


@dataclass(frozen=True)
class _Part:
    """A part with values: the XML between the values, and the values' places."""

    name: str
    pieces: tuple[str, ...]
    slots: tuple[_Slot, ...]

    def fill(self, values: dict[str, str]) -> bytes:
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            text = values.get(slot.name, "")
            if "\n" in text or "\t" in text:
                text = text.translate(slot.breaks)
            out += (text, piece)
        return "".join(out).encode("utf-8")


class FormFiller:
    """Fills the forms of a run from one template, prepared when the first form is filled
    (docxtpl renders the template once), or by docxtpl form by form when the template is one
    the fast path does not handle (see the module's docstring)."""

    def __init__(self, template: FormTemplate) -> None:
        self.template = template
        self._fast: bool | None = None  # not prepared yet
        self._parts: list[Entry | _Part | None] = []  # None: the document properties
        self._core = ""
        self._core_xml = b""

    @property
    def fast(self) -> bool:
        """Whether the template is prepared for the fast path (preparing it if not yet)."""
        if self._fast is None:
            self._fast = self._prepare()
        return self._fast

    def fill(self, form: FormData, fingerprint: str) -> bytes:
        """The filled .docx of one form."""
        if not self.fast or _UNSAFE.search("".join(form.values.values())):
            return fill_form(self.template, form, fingerprint)
        escaped = {name: _escape(text) for name, text in form.values.items()}
        entries = []
        for part in self._parts:
            if isinstance(part, Entry):
                entries.append(part)
            elif part is None:
                entries.append(Entry.deflate(self._core, self._properties(form, fingerprint)))
            else:
                entries.append(Entry.deflate(part.name, part.fill(escaped)))
        return zip_bytes(entries)

    def _properties(self, form: FormData, fingerprint: str) -> bytes:
        element = parse_xml(self._core_xml)
        set_properties(CoreProperties(element), form, fingerprint)
        return serialize_part_xml(element)

    def _prepare(self) -> bool:
        """docxtpl's render with markers for values, cut at the markers; False when the
        template is not one the fast path can fill (then docxtpl fills every form)."""
        markers = {name: f"{START}{i}{SEP}\n{SEP}\t{SEP}{END}"
                   for i, name in enumerate(PLACEHOLDERS)}
        env = _Recording()
        doc = render_docx(self.template, FormData(0, None, None, markers), "0" * 64, env=env)
        why = _not_plain(env, env.sources)
        rendered, core = _rendered_parts(doc)
        buf = io.BytesIO()
        doc.save(buf)
        with zipfile.ZipFile(buf) as z:
            members = [(info.filename, z.read(info)) for info in z.infolist()]
        parts: list[Entry | _Part | None] = []
        for name, data in members:
            if name == core:
                if _has_marks(data):
                    why = why or "a placeholder in the document properties"
                self._core, self._core_xml = name, data
                parts.append(None)
            elif name in rendered and _has_marks(data):
                part = _cut(name, data)
                if isinstance(part, str):
                    why = why or part
                else:
                    parts.append(part)
            else:
                parts.append(Entry.deflate(name, data))
        if not core:
            why = why or "no document properties part"
        if why:
            log.info("template %s filled by docxtpl form by form: %s", self.template.source, why)
            return False
        self._parts = parts
        return True


def _not_plain(env: jinja2.Environment, sources: list[str]) -> str | None:
    """Why the Jinja of the template is more than placeholders, or None."""
    for source in sources:
        for node in env.parse(source).find_all(nodes.Node):
            if not isinstance(node, _PLAIN):
                return f"Jinja {type(node).__name__}"
            if isinstance(node, nodes.Name) and node.ctx != "load":
                return f"Jinja assignment to {node.name}"
    return None


def _rendered_parts(doc: Any) -> tuple[set[str], str]:
    """The zip names of the parts docxtpl renders (document, headers, footers, footnotes) and
    of the core properties part."""
    main = doc.docx.part
    rendered = {main.partname.membername}
    for rel in main.rels.values():
        if not rel.is_external and rel.reltype in (RT.HEADER, RT.FOOTER):
            rendered.add(rel.target_part.partname.membername)
    core = ""
    for part in main.package.iter_parts():
        if part.content_type == CT.WML_FOOTNOTES:
            rendered.add(part.partname.membername)
        if isinstance(part, CorePropertiesPart):
            core = part.partname.membername
    return rendered, core


def _has_marks(data: bytes) -> bool:
    return any(m.encode("utf-8") in data for m in (START, SEP, END))


def _cut(name: str, data: bytes) -> _Part | str:
    """The part cut at its markers; a string saying why not when a marker is anywhere but
    whole in the text of a <w:t>."""
    try:
        text = data.decode("utf-8")
        parser = DefusedXMLParser(target=TreeBuilder(insert_comments=True, insert_pis=True))
        parser.feed(data)
        root = parser.close()
    except (ValueError, ParseError) as e:  # not UTF-8; defusedxml's refusals are ValueErrors
        return f"{name}: {e}"
    for el in root.iter():
        if el.tag != _W_T and _MARKS.search(el.text or ""):
            return f"{name}: a placeholder outside the text (in {el.tag})"
        if _MARKS.search(el.tail or "") or any(_MARKS.search(v) for v in el.attrib.values()):
            return f"{name}: a placeholder outside the text"
    pieces: list[str] = []
    slots: list[_Slot] = []
    pos = 0
    for m in _MARKER.finditer(text):
        pieces.append(text[pos:m.start()])
        slots.append(_Slot(PLACEHOLDERS[int(m[1])], {ord("\n"): m[2], ord("\t"): m[3]}))
        pos = m.end()
    pieces.append(text[pos:])
    if any(_MARKS.search(p) for p in pieces) or any(
            _MARKS.search("".join(s.breaks.values())) for s in slots):
        return f"{name}: a placeholder that did not come out whole"
    return _Part(name, tuple(pieces), tuple(slots))


def _escape(text: str) -> str:
    """Text as lxml writes it in XML content."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text
