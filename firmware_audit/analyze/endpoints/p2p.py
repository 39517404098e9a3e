"""P2P init strings and device IDs in text.

CS2 PPPP strings are long runs of upper-case letters with an optional `:KEY`; iLnk strings are
letters followed by a dash and parameters (`-$$`). Every run of 16 letters or more is tried with the
decoder its suffix names (both when it has none); the codecs in `firmware_audit.p2p` reject what does
not decode to a printable server list, so ordinary upper-case text falls out. Device IDs are
`PREFIX-123456-ABCDE`; the prefix table says which network and OEM a prefix belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.p2p import InitStringError, cs2, ilnk

if TYPE_CHECKING:
    from collections.abc import Callable

INIT_STRING = re.compile(
    r"(?<![A-Za-z0-9])(?P<body>[A-Z]{16,})(?:(?P<key_sep>:)(?P<key>[A-Za-z0-9@._-]{1,64})|-(?P<params>[A-Za-z0-9$]{0,64}))?"
    r"(?![A-Za-z0-9])"
)
DEVICE_ID = re.compile(
    r"(?<![A-Za-z0-9_-])(?P<prefix>[A-Z][A-Z0-9]{2,6})-(?P<serial>\d{6})-(?P<check>[A-Z]{5})(?![A-Za-z0-9])"
)


@dataclass(frozen=True, slots=True)
class InitString:
    """A decoded init string: where it is, its variant, and the servers it hides.

    Attributes:
        text: The init string as written, suffix included.
        variant: `CS2 PPPP` or `iLnk`.
        servers: The decoded host names and addresses, in order.
        start: Index of its first character in the scanned text.
        end: Index just past it.
    """

    text: str
    variant: str
    servers: tuple[str, ...]
    start: int
    end: int

    @property
    def description(self) -> str:
        """`CS2 PPPP init string decodes to: a, b, c`."""
        return f"{self.variant} init string decodes to: {', '.join(self.servers)}"


@dataclass(frozen=True, slots=True)
class DeviceId:
    """A P2P device ID (UID / DID) and where it is."""

    text: str
    prefix: str
    start: int
    end: int


def _decode(body: str, match: re.Match[str]) -> tuple[str, list[str]] | None:
    order: tuple[tuple[str, Callable[[str], list[str]]], ...]
    if match.group("params") is not None:
        order = (("iLnk", ilnk.decode), ("CS2 PPPP", cs2.decode))
    else:
        order = (("CS2 PPPP", cs2.decode), ("iLnk", ilnk.decode))
    if match.group("key_sep"):
        order = (("CS2 PPPP", cs2.decode),)
    for variant, decode in order:
        try:
            servers = decode(body)
        except InitStringError:
            continue
        if servers:
            return variant, servers
    return None


def init_strings(text: str, pos: int = 0, endpos: int | None = None) -> list[InitString]:
    """Every CS2 or iLnk init string in `text[pos:endpos]` that decodes to at least one server."""
    found = []
    for m in INIT_STRING.finditer(text, pos, len(text) if endpos is None else endpos):
        body = m.group("body")
        if len(body) % 2:
            continue
        decoded = _decode(body, m)
        if decoded is not None:
            variant, servers = decoded
            found.append(InitString(m.group(), variant, tuple(servers), m.start(), m.end()))
    return found


def device_ids(text: str, pos: int = 0, endpos: int | None = None) -> list[DeviceId]:
    """Every P2P device ID (`VSTC-418276-KHMXW`) in `text[pos:endpos]`."""
    return [
        DeviceId(m.group(), m.group("prefix"), m.start(), m.end())
        for m in DEVICE_ID.finditer(text, pos, len(text) if endpos is None else endpos)
    ]
