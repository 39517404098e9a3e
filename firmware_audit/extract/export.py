"""Safe export of an unpacked tree to a directory: nothing ever lands outside it.

Only directories and regular files are created. Links, device nodes, FIFOs and sockets are never
recreated on the host (they are listed as skipped). Every path is built from the tree's sanitised
segments, each component is created without following symlinks, and the final path is checked to lie
inside the target directory before a file is opened with O_EXCL|O_NOFOLLOW.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from firmware_audit.extract.formats.base import NodeKind
from firmware_audit.extract.names import CONTAINER_SEP
from firmware_audit.extract.tree import ContentUnavailableError

if TYPE_CHECKING:
    from firmware_audit.extract.tree import FileTree, Node

CONTAINER_SUFFIX = ".extracted"
"""A container file `X` is written as the file `X`, and its members under the directory `X.extracted/`."""


@dataclass(slots=True)
class ExportResult:
    """What an export wrote and what it left out, with reasons."""

    files: int = 0
    directories: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def host_relative(path: str) -> Path:
    """Map a virtual path to a relative host path (`/a.img!/b` -> `a.img.extracted/b`)."""
    rel = path.replace(CONTAINER_SEP, CONTAINER_SUFFIX + "/").lstrip("/")
    parts = rel.split("/")
    if any(p in {"", ".", ".."} for p in parts):
        raise ValueError(f"unsafe virtual path: {path!r}")
    return Path(*parts)


def export(tree: FileTree, target: str | os.PathLike[str]) -> ExportResult:
    """Write the tree's directories and regular files under `target` (created if missing)."""
    root = Path(target)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve(strict=True)
    result = ExportResult()
    for node in tree:
        if node.kind is NodeKind.DIRECTORY:
            if _directory(root, host_relative(node.path), result, node.path):
                result.directories += 1
        elif node.kind is NodeKind.FILE:
            _file(tree, root, node, result)
        else:
            result.skipped.append((node.path, f"{node.kind} not recreated on the host"))
    return result


def _directory(root: Path, rel: Path, result: ExportResult, shown: str) -> bool:
    current = root
    for part in rel.parts:
        current = current / part
        try:
            current.mkdir(exist_ok=False)
        except FileExistsError:
            if current.is_symlink() or not current.is_dir():
                result.skipped.append((shown, f"{current} exists and is not a plain directory"))
                return False
    return True


def _file(tree: FileTree, root: Path, node: Node, result: ExportResult) -> None:
    rel = host_relative(node.path)
    if len(rel.parts) > 1 and not _directory(root, rel.parent, result, node.path):
        return
    dest = root / rel
    if not dest.parent.resolve(strict=True).is_relative_to(root):
        result.skipped.append((node.path, "would land outside the target directory"))
        return
    try:
        data = tree.view(node)
    except ContentUnavailableError as exc:
        result.skipped.append((node.path, str(exc)))
        return
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(dest, flags, 0o644)
    except OSError as exc:
        result.skipped.append((node.path, f"cannot create {dest}: {exc.strerror}"))
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    result.files += 1
