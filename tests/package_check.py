"""A structural check of an OOXML package, stricter than a reader that tolerates mistakes:
every XML part parses namespace-aware, relationship Ids are unique and point at parts that
exist, and every part has a content type."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from defusedxml import ElementTree

NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def package_problems(path: Path) -> list[str]:
    problems: list[str] = []
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        parts = {n: z.read(n) for n in names}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels", ".vml")):
            try:
                ElementTree.fromstring(data)
            except ElementTree.ParseError as e:
                problems.append(f"{name}: {e}")
    for name, data in parts.items():
        if not name.endswith(".rels"):
            continue
        source_dir = posixpath.dirname(posixpath.dirname(name))
        ids = []
        for rel in ElementTree.fromstring(data).iter(f"{NS_PKG_REL}Relationship"):
            ids.append(rel.get("Id"))
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            full = (target.lstrip("/") if target.startswith("/")
                    else posixpath.normpath(posixpath.join(source_dir, target)))
            if full not in names:
                problems.append(f"{name}: {rel.get('Id')} points at missing {full}")
        if len(ids) != len(set(ids)):
            problems.append(f"{name}: duplicate relationship Ids {sorted(ids)}")
    types = ElementTree.fromstring(parts["[Content_Types].xml"])
    defaults = {d.get("Extension", "").lower() for d in types.iter(f"{NS_TYPES}Default")}
    overrides = {o.get("PartName", "").lstrip("/") for o in types.iter(f"{NS_TYPES}Override")}
    for part in overrides - names:
        problems.append(f"content type for a missing part {part}")
    for name in names - {"[Content_Types].xml"}:
        if name not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
            problems.append(f"{name} has no content type")
    return problems
