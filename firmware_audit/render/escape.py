r"""Control characters in strings taken from an image, escaped before they reach a terminal.

A member name, a link target, a volume name or the image's own file name is attacker text. Written
raw, `\x1b[2J` clears the screen and `\n` starts a line the audit never wrote. Text output shows each
such character as an escape, the way JSON output already does: `\x1b`, `\n`, `\u202e`.
"""

from __future__ import annotations

import re
from typing import TypeVar, cast

from pydantic import BaseModel
from rich.markup import escape as rich_escape

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls, and the line separators and bidirectional controls that reorder what is shown."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

T = TypeVar("T")


def _one(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def escape_controls(text: str) -> str:
    """Return `text` with every control character written as an escape (the same object when none)."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_one, text)


def escape_markup(text: str) -> str:
    """Escape control characters and rich markup, for text that rich renders (progress, tables)."""
    return rich_escape(escape_controls(text))


def escape_strings(value: T) -> T:
    """A copy of a report (or any part of one) in which every string has its controls escaped.

    Models, tuples, lists and dicts are copied only where something changed.
    """
    return cast("T", _walk(value))


def _walk(value: object) -> object:
    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, BaseModel):
        return _walk_model(value)
    if isinstance(value, (tuple, list)):
        items = [_walk(item) for item in value]
        changed = any(new is not old for new, old in zip(items, value, strict=True))
        return type(value)(items) if changed else value
    if isinstance(value, dict):
        pairs = [(_walk(k), _walk(v)) for k, v in value.items()]
        changed = any(
            nk is not k or nv is not v for (nk, nv), (k, v) in zip(pairs, value.items(), strict=True)
        )
        return dict(pairs) if changed else value
    return value


def _walk_model(model: BaseModel) -> BaseModel:
    changes = {}
    for name in type(model).model_fields:
        old = getattr(model, name)
        new = _walk(old)
        if new is not old:
            changes[name] = new
    return model.model_copy(update=changes) if changes else model
