"""Carved regions are named by the unpacker, not the image: equal regions are one content to analyse."""

from collections.abc import Iterable
from typing import ClassVar

from builders import gz, noise

from firmware_audit.analyze import FileContext
from firmware_audit.audit import audit
from firmware_audit.extract import Node
from firmware_audit.model import Finding


class _Reads:
    name: ClassVar[str] = "reads"
    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.read: list[str] = []

    def applies_to(self, node: Node) -> bool:
        return node.format == "gzip"

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        self.read.append(ctx.node.path)
        return ()


def test_a_flood_of_equal_carved_regions_is_analysed_once() -> None:
    member = gz(b"the same member\n" * 10)
    image = b"".join(noise(32, seed=i) + member for i in range(50))
    reads = _Reads()
    audit(image, analyzers=(reads,))
    assert len(reads.read) == 1
    assert reads.read[0].endswith(".gzip")
