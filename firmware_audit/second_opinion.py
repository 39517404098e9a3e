"""A second opinion on what an audit left unexplained: binwalk's signature scan over the image.

Where binwalk (Debian's `binwalk` package) is installed, its signature scan runs over the image file,
and each signature it recognises inside a region of the image that this audit left unexplained
becomes an Issue (`unsupported`): a format worth a look that the unpacker did not open. Only the
scan runs: binwalk is never asked to extract, so it writes nothing but its own configuration folder
(`~/.config/binwalk`, created on its first run). Its output is attacker-influenced text and is
treated as such (bounded, escaped on output like every string from the image).
"""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.model import Issue, IssueKind, Location

if TYPE_CHECKING:
    from pathlib import Path

    from firmware_audit.extract import FileTree, Node

INSTALL_HINT = (
    "binwalk is not installed; on Debian or Ubuntu: apt-get install binwalk "
    "(only its signature scan is used, never its extraction)"
)
MAX_ISSUES = 100
"""Signatures reported one by one; the rest are counted in one more Issue (random data matches many)."""
_MAX_DESCRIPTION = 200
_ROW = re.compile(r"^(\d+)\s+0x[0-9A-Fa-f]+\s+(\S.*)$")
_CARVED = frozenset({"carve", "mtdparts"})
"""Hops that keep a region a plain slice of the image, so its offsets map back to the image's."""


@dataclass(frozen=True, slots=True)
class Signature:
    """One row of binwalk's scan: an offset in the image and what binwalk says is there."""

    offset: int
    description: str


class SecondOpinionError(Exception):
    """binwalk is not there, failed or ran out of time; the message says which."""


def binwalk_command() -> str | None:
    """The path of the `binwalk` command, or None where it is not installed."""
    return shutil.which("binwalk")


def scan(image: Path, *, timeout: float = 600.0) -> list[Signature]:
    """Run binwalk's signature scan (`binwalk --signature IMAGE`) and parse its rows."""
    command = binwalk_command()
    if command is None:
        raise SecondOpinionError(INSTALL_HINT)
    try:
        proc = subprocess.run(  # noqa: S603  (a fixed command over the image path, no shell)
            [command, "--signature", str(image)],
            capture_output=True,
            text=True,
            errors="backslashreplace",
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise SecondOpinionError(f"binwalk did not finish within {timeout:g} s") from exc
    if proc.returncode != 0:
        tail = " ".join(proc.stderr.split())[-300:]
        raise SecondOpinionError(f"binwalk exited with status {proc.returncode}: {tail}")
    return parse(proc.stdout)


def parse(output: str) -> list[Signature]:
    """The rows of binwalk's table (`DECIMAL  HEXADECIMAL  DESCRIPTION`)."""
    rows = []
    for line in output.splitlines():
        match = _ROW.match(line.strip())
        if match is not None:
            rows.append(Signature(int(match.group(1)), match.group(2)[:_MAX_DESCRIPTION]))
    return rows


def unexplained_signatures(tree: FileTree, signatures: list[Signature]) -> list[Issue]:
    """An Issue for each signature that lies in bytes of the image the audit left unexplained."""
    spans = sorted(_image_spans(tree))
    starts = [start for start, _, _, _ in spans]
    issues: list[Issue] = []
    hits = 0
    for sig in sorted(signatures, key=lambda s: s.offset):
        at = bisect.bisect_right(starts, sig.offset) - 1
        if at < 0 or sig.offset >= spans[at][1]:
            continue
        start, _, path, local = spans[at]
        hits += 1
        if hits > MAX_ISSUES:
            continue
        issues.append(
            Issue(
                kind=IssueKind.UNSUPPORTED,
                location=Location(path=path, offset=local + sig.offset - start),
                message=f"binwalk recognises '{sig.description}' at image offset {sig.offset:#x}, "
                "in bytes this audit left unexplained",
            )
        )
    if hits > MAX_ISSUES:
        issues.append(
            Issue(
                kind=IssueKind.UNSUPPORTED,
                location=Location(path=""),
                message=f"binwalk recognises {hits - MAX_ISSUES} more signatures in unexplained bytes",
            )
        )
    return issues


def second_opinion(image: Path, tree: FileTree, *, timeout: float = 600.0) -> list[Issue]:
    """The issues of binwalk's scan of `image` against `tree`'s coverage; a failing scan is one Issue."""
    try:
        signatures = scan(image, timeout=timeout)
    except SecondOpinionError as exc:
        return [
            Issue(kind=IssueKind.PARSER_ERROR, location=Location(path=""), message=f"second opinion: {exc}")
        ]
    return unexplained_signatures(tree, signatures)


def _image_spans(tree: FileTree) -> list[tuple[int, int, str, int]]:
    """Unexplained regions as (image start, image end, path, offset in that path) where they map."""
    spans = []
    for region in tree.coverage.unexplained:
        path = region.location.path
        if path not in tree and path != "":
            continue
        base = _image_offset(tree[path])
        if base is None:
            continue
        local = region.location.offset or 0
        spans.append((base + local, base + local + region.length, path, local))
    return spans


def _image_offset(node: Node) -> int | None:
    """Where a node's bytes start in the image, when it is a slice of it (carved or a partition)."""
    total = 0
    for hop in node.provenance:
        if hop.format not in _CARVED or hop.offset is None:
            return None
        total += hop.offset
    return total
