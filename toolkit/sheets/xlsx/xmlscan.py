"""XML surgery on one part: find elements by scanning tags, never re-serialise.

Only the bytes an edit has to change are spliced in; every other byte of the part is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.errors import WorkbookError, bilingual

_TOKEN = re.compile(
    rb"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<!(DOCTYPE|ENTITY)"
    rb"|<(/?)([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)
ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
START_TAG = re.compile(
    rb"<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")


class _Malformed(Exception):
    """A part is not XML this writer can edit safely."""


@dataclass
class El:
    qname: bytes
    start: int  # offset of "<"
    tag_end: int  # offset after the start tag
    end: int  # offset after the element (== tag_end when self-closing)
    attrs: bytes

    @property
    def local(self) -> bytes:
        return self.qname.rpartition(b":")[2]

    @property
    def closed(self) -> bool:
        return self.end == self.tag_end

    @property
    def inner_end(self) -> int:
        return self.tag_end if self.closed else self.end - len(self.qname) - 3

    def attr(self, name: bytes) -> bytes | None:
        return attr(self.attrs, name)


def attr(attrs: bytes, name: bytes) -> bytes | None:
    for m in ATTR.finditer(attrs):
        if m.group(1) == name:
            return m.group(2) if m.group(2) is not None else m.group(3)
    return None


def declarations(attrs: bytes) -> dict[str, str]:
    """The namespaces a start tag declares: prefix ("" for the default namespace) -> URI."""
    out: dict[str, str] = {}
    for m in ATTR.finditer(attrs):
        key = m.group(1)
        if key == b"xmlns" or key.startswith(b"xmlns:"):
            value = m.group(2) if m.group(2) is not None else m.group(3)
            out[key[6:].decode()] = unesc(value or b"")
    return out


def set_attrs(element: bytes, **values: bytes | None) -> bytes:
    """`element` with attributes of its start tag set (None removes one); the rest unchanged."""
    m = _TOKEN.match(element)
    if not m or m.group(3) is None:
        raise _Malformed("not an element")
    attrs = m.group(4)
    for name, value in values.items():
        key = name.encode()
        found = None
        for a in ATTR.finditer(attrs):
            if a.group(1) == key:
                found = a
                break
        if found:
            # Keep the whitespace before the attribute with it, so removal leaves none behind.
            start = found.start()
            while start > 0 and attrs[start - 1:start].isspace():
                start -= 1
            piece = b"" if value is None else b" " + key + b'="' + value + b'"'
            attrs = attrs[:start] + piece + attrs[found.end():]
        elif value is not None:
            attrs = attrs + b" " + key + b'="' + value + b'"'
    close = b"/>" if m.group(5) else b">"
    return b"<" + m.group(3) + attrs + close + element[m.end():]


def children(xml: bytes, start: int, end: int, jump: frozenset[bytes] = frozenset()
             ) -> list[El]:
    """The elements directly inside xml[start:end]. Elements named in `jump` are skipped to
    their end tag without being scanned (sheetData: millions of cells)."""
    out: list[El] = []
    pos, depth = start, 0
    current: El | None = None
    while True:
        m = _TOKEN.search(xml, pos, end)
        if not m:
            break
        pos = m.end()
        if m.group(1):
            raise _Malformed("the part declares a DTD or entities")
        qname = m.group(3)
        if qname is None:
            continue  # comment, processing instruction, CDATA
        if m.group(2):
            depth -= 1
            if depth < 0:
                raise _Malformed("unbalanced end tag")
            if depth == 0 and current is not None:
                current.end = m.end()
                out.append(current)
                current = None
            continue
        if depth == 0:
            current = El(qname, m.start(), m.end(), m.end(), m.group(4))
            if m.group(5):
                out.append(current)
                current = None
                continue
            if current.local in jump:
                close = xml.find(b"</" + qname + b">", m.end(), end)
                if close < 0:
                    raise _Malformed(f"no end tag for {qname.decode()}")
                current.end = close + len(qname) + 3
                out.append(current)
                pos = current.end
                current = None
                continue
            depth = 1
        elif not m.group(5):
            depth += 1
    if depth:
        raise _Malformed("unclosed element")
    return out


def _root(xml: bytes, local: bytes) -> El:
    """The root element, found from both ends so a large part is never scanned whole."""
    pos = 0
    while True:
        m = _TOKEN.search(xml, pos)
        if not m:
            raise _Malformed("no root element")
        if m.group(1):
            raise _Malformed("the part declares a DTD or entities")
        if m.group(3) is not None:
            break
        pos = m.end()
    qname = m.group(3)
    if m.group(2) or qname.rpartition(b":")[2] != local:
        raise _Malformed(f"expected a {local.decode()} root element")
    el = El(qname, m.start(), m.end(), m.end(), m.group(4))
    if not m.group(5):
        close = xml.rfind(b"</" + qname + b">")
        if close < m.end() or xml[close + len(qname) + 3:].strip():
            raise _Malformed(f"the {local.decode()} element is not closed")
        el.end = close + len(qname) + 3
    return el


class Doc:
    """One XML part: its root, the root's children, and pending splices."""

    def __init__(self, xml: bytes, part: str, root: bytes,
                 jump: frozenset[bytes] = frozenset()) -> None:
        if xml[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise WorkbookError(bilingual(
                f"工作簿文件里的 {part} 是 UTF-16 编码，本工具无法修改："
                "请在 Excel 中打开工作簿并重新保存后再运行",
                f"the part {part} is UTF-16; open the workbook in Excel and save it again"))
        self.xml, self.part = xml, part
        try:
            self.root = _root(xml, root)
            self.kids = children(xml, self.root.tag_end, self.root.inner_end, jump)
        except _Malformed as e:
            raise WorkbookError(bilingual(
                f"无法修改工作簿文件里的 {part}："
                "请在 Excel 中打开工作簿并重新保存后再运行",
                f"cannot edit the part {part} ({e}); open the workbook in Excel "
                "and save it again")) from None
        self.p = self.root.qname[: -len(root)]  # namespace prefix with colon, usually b""
        self.splices: list[tuple[int, int, bytes | list[bytes]]] = []

    def scope(self, *path: El) -> dict[str, str]:
        """The namespaces in scope inside the last element of `path` (the root first, then each
        element of `path` from the outside in): prefix ("" for the default) -> URI."""
        out = declarations(self.root.attrs)
        for el in path:
            out.update(declarations(el.attrs))
        return out

    def namespace(self, el: El | None = None, *path: El) -> str:
        """The namespace URI of `el` (the root when None), given the elements around it."""
        el = el or self.root
        prefix = el.qname[: -len(el.local) - 1].decode() if b":" in el.qname else ""
        return self.scope(*path, el).get(prefix, "")

    def element_prefix(self, ns: str, *path: El) -> bytes | None:
        """How a new child of the last element of `path` in namespace `ns` is spelled: its
        prefix with the colon (b"" for the default namespace), or None if `ns` is not in
        scope there. The file's own spelling of the parent comes first."""
        scope = self.scope(*path)
        parent = path[-1] if path else self.root
        own = parent.qname[: -len(parent.local)].decode()
        if scope.get(own[:-1] if own else "") == ns:
            return own.encode()
        if scope.get("") == ns:
            return b""
        found = sorted(p for p, uri in scope.items() if uri == ns and p)
        return (found[0] + ":").encode() if found else None

    def attribute_prefix(self, ns: str, *path: El) -> str | None:
        """A prefix bound to `ns` in scope inside the last element of `path` (attributes
        never take the default namespace), or None when the file declares none there."""
        found = sorted(p for p, uri in self.scope(*path).items() if uri == ns and p)
        return found[0] if found else None

    def kid(self, local: bytes) -> El | None:
        return next((k for k in self.kids if k.local == local), None)

    def all(self, local: bytes) -> list[El]:
        return [k for k in self.kids if k.local == local]

    def text(self, el: El) -> bytes:
        return self.xml[el.start:el.end]

    def replace(self, el: El, new: bytes | list[bytes]) -> None:
        self.splices.append((el.start, el.end, new))

    def insert(self, pos: int, new: bytes) -> None:
        self.splices.append((pos, pos, new))

    def insert_in_order(self, local: bytes, new: bytes, order: tuple[bytes, ...]) -> None:
        """Insert a new child where the schema's sequence puts it."""
        rank = order.index(local)
        for k in self.kids:
            r = self._rank(k, order)
            if r is not None and r > rank:
                self.insert(k.start, new)
                return
        self.insert(self.root.inner_end, new)

    def _rank(self, el: El, order: tuple[bytes, ...]) -> int | None:
        if el.local in order:
            return order.index(el.local)
        if el.local == b"AlternateContent":  # wraps controls or oleObjects: rank by what it holds
            inner = children(self.xml, el.tag_end, el.inner_end)
            for choice in inner:
                for k in children(self.xml, choice.tag_end, choice.inner_end):
                    if k.local in order:
                        return order.index(k.local)
        return None

    def render(self) -> list[bytes]:
        out: list[bytes] = []
        pos = 0
        for start, end, new in sorted(self.splices, key=lambda s: (s[0], s[1])):
            if start < pos:
                raise AssertionError("overlapping splices")
            out.append(self.xml[pos:start])
            if isinstance(new, list):
                out.extend(new)
            else:
                out.append(new)
            pos = end
        out.append(self.xml[pos:])
        return out


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def unesc(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "&" not in text:
        return text
    return re.sub(r"&(#x[0-9A-Fa-f]+|#\d+|amp|lt|gt|quot|apos);", _entity, text)


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}[name]
