"""Signature data shipped with the package, and its identity for reports.

Signatures are data (TOML tables and YARA rules in the folders beside this module), reviewed like code;
every report names the set it was made with by version and content digest, so two reports can be
compared knowing whether the same rules were applied.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from firmware_audit._version import __version__
from firmware_audit.model import Signatures

DATA_DIR = Path(__file__).parent
_DATA_SUFFIXES = frozenset({".toml", ".yar", ".yara", ".md", ".json"})


def data_files() -> list[Path]:
    """Every signature data file, in a stable order."""
    return sorted(p for p in DATA_DIR.rglob("*") if p.is_file() and p.suffix in _DATA_SUFFIXES)


@cache
def identity() -> Signatures:
    """The version and the sha256 over every data file's relative path and content."""
    digest = hashlib.sha256()
    for path in data_files():
        digest.update(path.relative_to(DATA_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return Signatures(version=__version__, digest=digest.hexdigest())
