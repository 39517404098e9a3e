"""The lineage analyzer: whose build each ELF file is.

For every ELF file: an open-source component (named by its file name, or embedded, by its banner) is
a `component` finding and, when the file is the component itself, nothing more; any other file is
digested (`digest`) and compared with the reference indexes (`match`): the shipped one and the
user's local one (`firmware-audit signatures add-reference`). A file is compared only with references
of its instruction set, so a file of a set no reference is of is not digested at all (Thumb-2
libraries and programs, while every reference is ARM or MIPS code); such a file, and one of an
architecture the digests do not read, is counted in the report's `coverage.passed_over` by its
instruction set. The best match is a `maker-build` finding naming the reference, the index that
matched, the score and the matching functions. Relocatable files (kernel modules, objects) are not
compared: they are mostly chip makers' drivers.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.lineage import components
from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.analyze.lineage.components import Recognised, recognise
from firmware_audit.analyze.lineage.match import Match, best_match, common_functions
from firmware_audit.model import (
    Category,
    Evidence,
    Finding,
    IssueKind,
    LineageKind,
    LineagePayload,
    LineageStrength,
    Location,
    Severity,
)
from firmware_audit.signatures.traces import signatures as trace_signatures

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import lief
    import numpy as np
    from numpy.typing import NDArray

    from firmware_audit.analyze import matching
    from firmware_audit.analyze.context import FileContext
    from firmware_audit.analyze.lineage.digest import FileDigest
    from firmware_audit.analyze.lineage.index import Index
    from firmware_audit.extract import Node

MAX_FUNCTION_EVIDENCE = 16
"""Matching functions cited as evidence, at most (the payload counts them all)."""
_MIN_ELF = 52


class LineageAnalyzer:
    """Open-source components and makers' builds among the ELF files."""

    name: ClassVar[str] = "lineage"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (components.DECLARED,)

    def __init__(self, indexes: Sequence[Index] | None = None) -> None:
        """Compare with these indexes (default: the shipped and the user's local one, read on first use)."""
        self._fixed: tuple[Index, ...] | None = tuple(indexes) if indexes is not None else None
        self._loaded: tuple[Index, ...] | None = None
        self._shipped_index: Index | None = None
        self._state: tuple[object, ...] = ()
        self._problem: str | None = None
        self._common: NDArray[np.uint64] | None = None
        self._arches: frozenset[str] = frozenset()

    def indexes(self) -> tuple[Index, ...]:
        """The indexes compared with: the given ones, or the shipped and the local one.

        The local index is read again when its folder or files change (a reference was added, or
        `$FIRMWARE_AUDIT_LINEAGE_INDEX` names another folder).
        """
        if self._fixed is not None:
            return self._fixed
        local = lineage_index.local_index_path()
        state = lineage_index.state(local)
        if self._loaded is None or self._state != state:
            self._problem = None
            loaded = [self._shipped()]
            try:
                loaded.append(lineage_index.load(local, f"local:{local}"))
            except lineage_index.LineageIndexError as exc:
                self._problem = f"local lineage index not used: {exc}"
            self._loaded, self._state, self._common = tuple(loaded), state, None
        return self._loaded

    def _shipped(self) -> Index:
        if self._shipped_index is None:
            self._shipped_index = lineage_index.load(lineage_index.SHIPPED, "shipped")
        return self._shipped_index

    def applies_to(self, node: Node) -> bool:
        """Every file large enough to be ELF (the magic is checked on the bytes)."""
        return node.size >= _MIN_ELF

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """The component finding and the best reference match of one ELF file."""
        if not ctx.is_elf:
            return
        path = ctx.node.path
        found = recognise(
            posixpath.basename(path), ctx.strings(), lines=ctx.lines(), candidates=ctx.candidate_indices
        )
        if found is not None:
            yield _component(path, found)
            if found.whole:
                return
        binary = ctx.elf()
        if binary is None:
            return
        import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

        if binary.header.file_type == lief.ELF.Header.FILE_TYPE.REL:
            return
        indexes = self.indexes()
        if self._problem is not None:
            ctx.issue(IssueKind.ANALYZER_ERROR, self._problem)
        if self._common is None:
            self._common = common_functions(indexes)
            self._arches = frozenset().union(*(index.arches for index in indexes))
        digests = _digest(ctx, binary, self._arches)
        if digests is None:
            return
        match = best_match(digests, indexes, self._common)
        if match is not None:
            offsets = dict(zip(digests.functions.tolist(), digests.offsets.tolist(), strict=True))
            yield _maker_build(path, match, offsets)


def _digest(ctx: FileContext, binary: lief.ELF.Binary, arches: frozenset[str]) -> FileDigest | None:
    """The file's digests when it is of one of `arches`; packed code and a sweep cut short are Issues.

    A file not digested is counted by why (`FileContext.passed_over`): one per file would bury the
    Issues under a Debian root filesystem's 311 Thumb-2 libraries.
    """
    # capstone loads with the first ELF file digested, as LIEF with the first parsed
    from firmware_audit.analyze.lineage.digest import NotDigested, digest  # noqa: PLC0415

    digests = digest(ctx.data(), binary, arches)
    if isinstance(digests, NotDigested):
        ctx.passed_over[_not_compared(digests.arch, binary)] += 1
        return None
    if digests.packed:
        ctx.issue(IssueKind.UNSUPPORTED, "lineage: the code looks packed; compared by TLSH only")
    if digests.truncated:
        ctx.issue(IssueKind.LIMIT, f"lineage: code sweep stopped after {digests.instructions:,} instructions")
    return digests


def _not_compared(arch: str | None, binary: lief.ELF.Binary) -> str:
    """Why a file was not compared with makers' builds, in the words of `coverage.passed_over`."""
    if arch is None:
        machine = str(binary.header.machine_type).rsplit(".", 1)[-1]  # `ARCH.I386`
        return f"lineage: not compared: {machine} code, which the function digests do not read"
    return f"lineage: not compared: {arch} code, and no reference index holds {arch} builds"


def _component(path: str, found: Recognised) -> Finding:
    name = found.component.name
    label = f"{name} {found.version}" if found.version else name
    location = Location(path=path)
    where = path or "(image)"
    title = f"{where} is {label}" if found.whole else f"{where} embeds {label}"
    return Finding(
        id=Finding.fingerprint("lineage.component", location, name),
        category=Category.LINEAGE,
        rule="lineage.component",
        title=title,
        severity=Severity.INFO,
        confidence=0.9 if found.version else 0.7,
        location=location,
        evidence=(
            Evidence(
                kind=found.basis,
                value=found.seen,
                location=Location(path=path, offset=found.offset),
                context="; ".join(found.component.sources),
            ),
        ),
        lineage=LineagePayload(kind=LineageKind.COMPONENT, component=name, component_version=found.version),
    )


def _maker_build(path: str, match: Match, offsets: dict[int, int]) -> Finding:
    binary = match.binary
    reference = binary.reference
    makers = trace_signatures().makers_named_in(reference.maker)
    country = makers[0].country if makers else None
    described = " ".join(p for p in (reference.maker, reference.product, reference.version) if p)
    if reference.soc:
        described += f" for {reference.soc}"
    if match.shared:
        how = f"shares {match.score:.0%} of its functions ({match.shared} of {match.functions}) with"
    else:
        how = f"is close (TLSH {match.tlsh_distance}) to"
    strength = match.strength
    title = f"{path or '(image)'} {how} {described}"
    if strength is LineageStrength.WEAK:
        title += " (weak: shown, not counted)"
    location = Location(path=path)
    evidence = [
        Evidence(
            kind="lineage-reference",
            value=f"{reference.id}: {binary.path} (sha256 {binary.sha256}) in index {match.index}",
            location=location,
            context=f"source {reference.source.label()} sha256 {reference.source.sha256}",
        )
    ]
    if match.tlsh_distance is not None:
        evidence.append(Evidence(kind="tlsh", value=f"distance {match.tlsh_distance}", location=location))
    if match.rival is not None:
        rival = match.rival.reference
        evidence.append(
            Evidence(
                kind="lineage-rival",
                value=f"also matches {rival.maker} ({rival.id}: {match.rival.path}): not one maker's code",
                location=location,
            )
        )
    evidence.extend(
        Evidence(
            kind="function",
            value=f"function digest {value:016x}",
            location=Location(path=path, offset=offsets.get(value)),
        )
        for value in match.shared_digests.tolist()[:MAX_FUNCTION_EVIDENCE]
    )
    confidence = _confidence(match)
    return Finding(
        id=Finding.fingerprint("lineage.maker-build", location, f"{reference.id}\x00{binary.path}"),
        category=Category.LINEAGE,
        rule="lineage.maker-build",
        title=title,
        severity=Severity.LOW if strength is LineageStrength.STRONG else Severity.INFO,
        confidence=confidence,
        location=location,
        evidence=tuple(evidence),
        lineage=LineagePayload(
            kind=LineageKind.MAKER_BUILD,
            maker=reference.maker,
            maker_country=country,
            product=reference.product or None,
            version=reference.version or None,
            soc=reference.soc or None,
            reference=reference.id,
            reference_file=binary.path,
            reference_source=reference.source.label(),
            index=match.index,
            strength=strength,
            score=round(match.score, 4),
            shared_functions=match.shared,
            functions=match.functions,
            tlsh_distance=match.tlsh_distance,
        ),
    )


def _confidence(match: Match) -> float:
    """Strong: from 0.6 up with the score (or closeness); weak: 0.3."""
    if match.strength is LineageStrength.WEAK:
        return 0.3
    by_functions = min(1.0, match.score * 2)
    by_tlsh = 1 - match.tlsh_distance / 100 if match.tlsh_distance is not None else 0.0
    return round(0.6 + 0.35 * max(by_functions, by_tlsh), 3)
