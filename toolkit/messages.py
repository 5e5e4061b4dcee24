"""Message templates in the 设置 language: each rule module keeps its own templates beside it."""

from __future__ import annotations

from collections.abc import Mapping

# templates[key][lang] -> str.format template
Templates = Mapping[str, Mapping[str, str]]


def render(templates: Templates, key: str, lang: str, **fields: object) -> str:
    """The message for `key` in `lang` (zh unless en is asked for), filled with `fields`."""
    variants = templates[key]
    template = variants.get(lang) or variants["zh"]
    return template.format(**fields)
