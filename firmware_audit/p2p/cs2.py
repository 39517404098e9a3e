"""CS2 Network PPPP / PPCS init strings (`PPPP_DecodeString`), both ways.

An init string spells one byte per pair of upper-case letters, optionally followed by `:KEY` in
clear text. Each byte is XORed with a 54-byte table, a constant and the running XOR of the output so
far; the output is a comma-separated server list ending with a comma. The algorithm and the table
are data from `domain/p2p-init-strings.md`, section 2 (sources: the palant.info PPPP overview and
`Ankermgmt/ankermake-m5-protocol:libflagship/megajank.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.p2p import InitStringError

if TYPE_CHECKING:
    from collections.abc import Sequence

TABLE = bytes.fromhex(
    "49 59 43 3D B5 BF 6D A3 47 53 4F 61 65 E3 71 E9 67 7F"
    "02 03 0B AD B3 89 2B 2F 35 C1 6B 8B 95 97 11 E5 A7 0D"
    "EF F1 05 07 83 FB 9D 3B C5 C7 13 17 1D 1F 25 29 D3 DF"
)
"""T, the 54-byte lookup table of the original CS2 library (the Yi fork uses another one)."""

_MASK = 0x39
# Two letters hi, lo give (16*hi + lo - 0x451) mod 256: for A..P that is the byte in hex with digits A..P.
# Real strings use only A..P, the published synthetic example letters up to Z, hence addition, not OR.
_BIAS = 0x451
_KEY_SEP = ":"
_SEP = ","


def _is_printable(byte: int) -> bool:
    return 0x20 <= byte < 0x7F


def decode_text(init: str) -> str:
    """Decode an init string into the server list text, e.g. `127.0.0.1,192.168.1.1,10.0.0.1,`.

    The optional `:KEY` suffix is not part of the encoding and is ignored, as is surrounding white
    space (one published string ends with a space).

    Raises:
        InitStringError: the text is not pairs of letters A-Z, or the decoded bytes are not printable
            ASCII ending with a comma (a corrupted or foreign string).
    """
    body = init.split(_KEY_SEP, 1)[0].strip()
    if not body or len(body) % 2 or not all("A" <= c <= "Z" for c in body):
        raise InitStringError("a CS2 init string is an even number of letters A-Z, optionally ':KEY'")
    out = bytearray()
    running = 0
    for k in range(0, len(body), 2):
        x = (16 * ord(body[k]) + ord(body[k + 1]) - _BIAS) % 256
        byte = x ^ TABLE[(k // 2) % len(TABLE)] ^ _MASK ^ running
        out.append(byte)
        running ^= byte
    if not all(_is_printable(b) for b in out) or not out.endswith(_SEP.encode()):
        shown = out.decode("ascii", "backslashreplace")
        raise InitStringError(f"decodes to {shown!r}, not a printable server list ending with a comma")
    return out.decode("ascii")


def decode(init: str) -> list[str]:
    """Decode an init string into its servers (host names or IP addresses), in order.

    Raises:
        InitStringError: as `decode_text`.
    """
    return [host for host in decode_text(init).split(_SEP) if host]


def key_of(init: str) -> str | None:
    """Return the clear-text `:KEY` suffix of an init string (it switches on `P2P_Proprietary_Encrypt`)."""
    suffix = init.partition(_KEY_SEP)[2].strip()
    return suffix or None


def encode(hosts: Sequence[str], key: str | None = None) -> str:
    """Encode servers into an init string in the letters A-P, as vendors' strings are written.

    `decode(encode(hosts, key)) == list(hosts)`, and encoding a real string's servers gives that
    string back (the scheme has no randomness).

    Args:
        hosts: Server names or addresses, in order; none may be empty or hold a comma.
        key: Clear-text key to append as `:KEY`, or None.

    Raises:
        InitStringError: no hosts, or a host that cannot be written in the list.
    """
    if not hosts:
        raise InitStringError("an init string needs at least one server")
    for host in hosts:
        if not host or _SEP in host or not all(_is_printable(ord(c)) for c in host):
            raise InitStringError(f"server {host!r} is empty, holds a comma or is not printable ASCII")
    if key is not None and (not key or any(c.isspace() for c in key)):
        raise InitStringError(f"key {key!r} must be non-empty and without white space")
    letters = []
    running = 0
    for k, byte in enumerate("".join(f"{host}{_SEP}" for host in hosts).encode("ascii")):
        x = byte ^ TABLE[k % len(TABLE)] ^ _MASK ^ running
        running ^= byte
        letters.append(chr(ord("A") + (x >> 4)) + chr(ord("A") + (x & 0x0F)))
    text = "".join(letters)
    return f"{text}{_KEY_SEP}{key}" if key is not None else text


__all__ = ["TABLE", "decode", "decode_text", "encode", "key_of"]
