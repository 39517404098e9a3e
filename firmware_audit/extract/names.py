"""Turning raw member names from hostile containers into safe virtual path segments."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters that would change the meaning of a virtual path, or hide in a terminal, are written
# as %XX of their bytes so every raw name maps to exactly one printable segment and back.
_SPECIAL = frozenset("%!/\\") | frozenset(chr(c) for c in (*range(0x20), 0x7F))

CONTAINER_SEP = "!/"


_PLAIN = re.compile(r"[^%!/\\\x00-\x1f\x7f\udc80-\udcff]*\Z")
"""A segment with nothing to escape: most names, returned as they are without a character loop."""


def segment(raw: bytes) -> str:
    """Return the printable, unambiguous form of one raw name component."""
    text = raw.decode("utf-8", "surrogateescape")
    if _PLAIN.match(text):
        return text
    out = []
    for ch in text:
        if "\udc80" <= ch <= "\udcff":
            out.append(f"%{ord(ch) - 0xDC00:02X}")
        elif ch in _SPECIAL:
            out.append("".join(f"%{b:02X}" for b in ch.encode()))
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class MemberPath:
    """A member name split into safe segments, and what was wrong with it."""

    segments: tuple[str, ...]
    problems: tuple[str, ...]


def member_path(raw: bytes, *, backslash_separates: bool = False) -> MemberPath:
    """Split a member name into safe segments, resolving `.` and `..` lexically.

    An absolute name is made relative and a `..` that would climb above the container's root is
    dropped; both are reported as problems so the caller can add an Issue. Nothing is ever resolved
    against the host.
    """
    problems: list[str] = []
    if backslash_separates:
        raw = raw.replace(b"\\", b"/")
    if raw.startswith(b"/"):
        problems.append("absolute name")
    parts: list[bytes] = []
    escaped = False
    for part in raw.split(b"/"):
        if part in {b"", b"."}:
            continue
        if part == b"..":
            if parts:
                parts.pop()
            else:
                escaped = True
            continue
        parts.append(part)
    if escaped:
        problems.append("name climbs out of the container with '..'")
    if b"\x00" in raw:
        problems.append("name holds a NUL byte")
    return MemberPath(tuple(segment(p) for p in parts), tuple(problems))


def link_escapes(link_dir: tuple[str, ...], target: bytes) -> bool:
    """Tell whether a relative symlink target climbs above the root of its filesystem."""
    if target.startswith(b"/"):
        return False
    depth = len(link_dir)
    for part in target.split(b"/"):
        if part in {b"", b"."}:
            continue
        if part == b"..":
            depth -= 1
            if depth < 0:
                return True
        else:
            depth += 1
    return False
