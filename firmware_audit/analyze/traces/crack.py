"""Password hashes tested offline against the published default passwords of `traces/credentials.toml`.

The hashing is libpass's (the maintained passlib fork): DES, MD5, SHA-256 and SHA-512 crypt. Nothing
is guessed beyond the published list, so a hash that is not a published default stays uncracked, and
a hash with more rounds than the usual default is not tried (its cost would be an attacker's choice).
Xiongmai's and Dahua's 8-character "sofia" digest of a password is computed for every listed password
and looked up as a token.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from functools import cache
from typing import TYPE_CHECKING

from firmware_audit.signatures.traces import signatures

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from passlib.hash import des_crypt, md5_crypt, sha256_crypt, sha512_crypt

if TYPE_CHECKING:
    from firmware_audit.signatures.traces import Password

CRYPT_HASH = re.compile(r"\$(?:1|5|6)\$(?:rounds=\d{1,9}\$)?[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{22,86}")
"""A crypt hash in MD5, SHA-256 or SHA-512 form, anywhere in a text."""
DES_HASH = re.compile(r"[./0-9A-Za-z]{13}")
MAX_ROUNDS = 5000
"""SHA-crypt hashes with more rounds are not tried (5000 is the default)."""
_SCHEMES = {
    "1": ("md5-crypt", md5_crypt),
    "5": ("sha256-crypt", sha256_crypt),
    "6": ("sha512-crypt", sha512_crypt),
}
_SOFIA = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def scheme_of(value: str) -> str | None:
    """The crypt scheme a password field is written in, or None when it is no hash."""
    if value.startswith("$"):
        parts = value.split("$")
        found = _SCHEMES.get(parts[1]) if len(parts) > 3 else None
        return found[0] if found and CRYPT_HASH.fullmatch(value) else None
    return "des-crypt" if DES_HASH.fullmatch(value) else None


def salt_of(value: str) -> str:
    """The salt of a crypt hash ('' for none)."""
    parts = value.split("$")
    if len(parts) > 3:
        return parts[-2]
    return value[:2]


@cache
def crack(value: str) -> Password | None:
    """The published password whose hash `value` is, or None (each hash is tried once per process)."""
    scheme = scheme_of(value)
    if scheme is None:
        return None
    handler = des_crypt if scheme == "des-crypt" else _SCHEMES[value.split("$")[1]][1]
    rounds = re.match(r"\$[56]\$rounds=(\d+)\$", value)
    if rounds is not None and int(rounds.group(1)) > MAX_ROUNDS:
        return None
    for row in signatures().passwords:
        try:
            if handler.verify(row.password, value):
                return row
        except (ValueError, TypeError):
            return None
    return None


def sofia(password: str) -> str:
    """The 8-character "sofia" digest Xiongmai and Dahua store for a password."""
    digest = hashlib.md5(password.encode("utf-8"), usedforsecurity=False).digest()
    return "".join(_SOFIA[(digest[i] + digest[i + 1]) % len(_SOFIA)] for i in range(0, 16, 2))


@cache
def sofia_digests() -> dict[str, Password]:
    """The sofia digest of every listed password."""
    return {sofia(row.password): row for row in signatures().passwords}
