"""Shenzhen Yunni iLnkP2P init strings (`HI_DecStr` / `XqStrDec`), both ways.

An init string is letters A-Z, a dash, then optional device-ID validation parameters (`$$` when
omitted). Each pair of letters is a base-26 number n (0..675); the character is n mod 94 + 32. The
text is `N;host1;host2;...` with N the number of servers. Several letter pairs give the same
character, so real strings differ in their letters but not in what they decode to. Algorithm from
`domain/p2p-init-strings.md`, section 3 (sources: `DavidVentura/cam-reverse:scripts/dec_svr.py`
and the palant.info PPPP overview).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.p2p import InitStringError

if TYPE_CHECKING:
    import random
    from collections.abc import Sequence

_RADIX = 26
_MODULUS = 94
_FIRST = 0x20
_PAIRS = _RADIX * _RADIX  # 676 two-letter numbers
_PARAM_SEP = "-"
_SEP = ";"
OMITTED = "$$"
"""The parameter suffix that says the device-ID validation parameters are left out."""


def decode_text(init: str) -> str:
    """Decode an init string into its text, e.g. `3;127.0.0.1;192.168.1.1;10.0.0.1`.

    Raises:
        InitStringError: the part before the dash is not pairs of letters A-Z, or the text does not
            start with a server count.
    """
    body = init.split(_PARAM_SEP, 1)[0].strip()
    if not body or len(body) % 2 or not all("A" <= c <= "Z" for c in body):
        raise InitStringError("an iLnk init string is an even number of letters A-Z, then '-' and parameters")
    chars = []
    for k in range(0, len(body), 2):
        n = _RADIX * (ord(body[k]) - ord("A")) + (ord(body[k + 1]) - ord("A"))
        chars.append(chr(n % _MODULUS + _FIRST))
    text = "".join(chars)
    count = text.split(_SEP, 1)[0]
    if not count.isdigit() or _SEP not in text:
        raise InitStringError(f"decodes to {text!r}, which does not start with a server count")
    return text


def decode(init: str) -> list[str]:
    """Decode an init string into its servers, in order (empty fields, which occur, are dropped).

    Raises:
        InitStringError: as `decode_text`.
    """
    return [host for host in decode_text(init).split(_SEP)[1:] if host]


def params(init: str) -> str | None:
    """Return the parameter suffix after the dash (`$$` means omitted), or None when there is none."""
    _, sep, suffix = init.partition(_PARAM_SEP)
    return suffix.strip() if sep else None


def encode(hosts: Sequence[str], *, suffix: str | None = OMITTED, rng: random.Random | None = None) -> str:
    """Encode servers into an init string.

    Without `rng` every character takes its smallest letter pair, as the published synthetic example
    does; with `rng` each takes a random one of its seven or eight pairs, as real strings do.
    `decode(encode(hosts))` is always `list(hosts)`.

    Args:
        hosts: Server names or addresses, in order; none may be empty or hold a `;`.
        suffix: The parameters to append after a dash (`$$`: omitted), or None for no dash.
        rng: Source of randomness for the choice of letter pairs (seed it for reproducible output).

    Raises:
        InitStringError: no hosts, or a host that cannot be written in the list.
    """
    if not hosts:
        raise InitStringError("an init string needs at least one server")
    for host in hosts:
        if not host or _SEP in host or not all(_FIRST <= ord(c) < _FIRST + _MODULUS for c in host):
            raise InitStringError(f"server {host!r} is empty, holds ';' or is outside the encodable range")
    text = _SEP.join([str(len(hosts)), *hosts])
    letters = []
    for char in text:
        n = ord(char) - _FIRST
        if rng is not None:
            n += _MODULUS * rng.randrange((_PAIRS - 1 - n) // _MODULUS + 1)
        letters.append(chr(ord("A") + n // _RADIX) + chr(ord("A") + n % _RADIX))
    body = "".join(letters)
    return body if suffix is None else f"{body}{_PARAM_SEP}{suffix}"


__all__ = ["OMITTED", "decode", "decode_text", "encode", "params"]
