"""Shared inputs of the trace analyzer tests: small trees built in memory, and running one analyzer."""

from __future__ import annotations

import io
import tarfile
from functools import cache
from typing import TYPE_CHECKING

from conftest import ROOT

from firmware_audit.analyze import FileContext
from firmware_audit.extract import unpack

if TYPE_CHECKING:
    from firmware_audit.analyze import Analyzer
    from firmware_audit.extract import FileTree
    from firmware_audit.model import Finding

IMAGES = ROOT / "corpus" / "images"


def tar(files: dict[str, bytes]) -> bytes:
    """A ustar archive of the files (fixed times), which `unpack` turns into a tree of `/name` paths."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def run(analyzer: Analyzer, files: dict[str, bytes], path: str | None = None) -> list[Finding]:
    """The findings of one analyzer over one file of a tree made of `files` (the first by default)."""
    tree = unpack(tar(files))
    node = tree[path or f"/{next(iter(files))}"]
    if not analyzer.applies_to(node):
        return []
    return list(analyzer.analyze(FileContext(tree, node)))


def run_all(analyzer: Analyzer, tree: FileTree) -> list[Finding]:
    """The findings of one analyzer over every file of a tree."""
    found: list[Finding] = []
    for node in tree.files():
        if analyzer.applies_to(node):
            found += analyzer.analyze(FileContext(tree, node))
    return found


@cache
def corpus_tree(name: str) -> FileTree:
    """An unpacked corpus image (once per test run)."""
    return unpack(IMAGES / name)


def clean_tree() -> FileTree:
    """The clean domestic image: no analyzer may find a trace in it."""
    return corpus_tree("10-clean-domestic.bin")
