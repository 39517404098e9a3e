"""What the writers' command lines share: reading `NAME=PATH` member arguments and writing the result."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from firmware_audit.writers import Member


def member(spec: str) -> Member:
    """Parse `NAME=PATH` (or a bare `PATH`, named after its file) into a member read from disk."""
    name, sep, path = spec.partition("=")
    if not sep:
        path, name = spec, Path(spec).name
    return name, Path(path).read_bytes()


def pair(spec: str) -> tuple[str, str]:
    """Parse `KEY=VALUE`."""
    key, sep, value = spec.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {spec!r}")
    return key, value


def integer(text: str) -> int:
    """Parse a decimal or 0x-prefixed integer."""
    return int(text, 0)


def parser(writer: str, description: str) -> argparse.ArgumentParser:
    """A parser for `python -m firmware_audit.writers.<writer>` with the `-o OUTPUT` every writer has."""
    p = argparse.ArgumentParser(prog=f"python -m firmware_audit.writers.{writer}", description=description)
    p.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    return p


def write(path: Path, data: bytes) -> None:
    """Write the built container."""
    path.write_bytes(data)
