"""Shared inputs of the SDK analyzer tests: corpus trees, the benign set, and finding builders."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from conftest import DATA, ROOT

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.sdk import SdkAnalyzer
from firmware_audit.extract import unpack
from firmware_audit.model import (
    Category,
    ChipClue,
    ChipPayload,
    Finding,
    Location,
    SdkKind,
    SdkPayload,
    SdkUse,
    Severity,
)

if TYPE_CHECKING:
    from firmware_audit.extract import FileTree

IMAGES = ROOT / "corpus" / "images"
BENIGN = DATA / "benign"
CLEAN_IMAGE = IMAGES / "10-clean-domestic.bin"


@cache
def corpus_tree(name: str) -> FileTree:
    """An unpacked corpus image, by file name (unpacked once per test run)."""
    return unpack(IMAGES / name)


def benign_files() -> list[tuple[str, bytes]]:
    """The benign set: every file of the clean corpus image and every committed benign file."""
    tree = corpus_tree(CLEAN_IMAGE.name)
    files = [(f"{CLEAN_IMAGE.name}:{node.path}", tree.read(node)) for node in tree.files() if node.size]
    files += [(f"benign/{p.name}", p.read_bytes()) for p in sorted(BENIGN.iterdir()) if p.is_file()]
    return files


def analyze(tree: FileTree, path: str) -> tuple[list[Finding], FileContext]:
    """Run the SDK analyzer over one file of a tree."""
    ctx = FileContext(tree, tree[path])
    return list(SdkAnalyzer().analyze(ctx)), ctx


def sdk_finding(
    path: str, family: str, vendor: str, *, use: tuple[SdkUse, ...] = (SdkUse.IMPORTED,)
) -> Finding:
    """A SoC SDK finding as the analyzer would make it."""
    location = Location(path=path)
    return Finding(
        id=Finding.fingerprint(f"sdk/{family}", location, family),
        category=Category.SDK,
        rule=f"sdk/{family}",
        title=family,
        severity=Severity.INFO,
        confidence=0.95,
        location=location,
        sdk=SdkPayload(family=family, vendor=vendor, vendor_country="CN", kind=SdkKind.SOC, use=use),
    )


def chip_finding(
    path: str, clue: ChipClue, vendor: str, models: tuple[str, ...] = (), detail: str = "x"
) -> Finding:
    """A chip clue finding as the analyzer would make it."""
    location = Location(path=path)
    return Finding(
        id=Finding.fingerprint(f"chip/{clue.value}", location, vendor + detail),
        category=Category.SDK,
        rule=f"chip/{clue.value}",
        title=detail,
        severity=Severity.INFO,
        confidence=0.5,
        location=location,
        chip=ChipPayload(clue=clue, vendor=vendor, vendor_country="CN", models=models, detail=detail),
    )
