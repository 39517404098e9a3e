"""Compare one file's digests with the reference indexes and judge how strong the best match is.

**Functions.** The file's function digests, less the common ones (open-source components), are
looked up in each index's inverted index; a reference binary of the same instruction set scores the
share of the file's functions it holds. **Whole file.** TLSH distance to the references of the same
architecture whose length byte is within reach (`TLSH_REACH`): a length further off alone costs more
than `TLSH_WEAK`.

A match is **strong** (maker-specific evidence) when at least `STRONG_SHARED` functions and
`STRONG_SCORE` of the file's functions are the reference's, or the whole files are within
`TLSH_STRONG`; **weak** (shown, not counted) from `WEAK_SHARED` functions and `WEAK_SCORE`, or within
`TLSH_WEAK`. When references of two different makers both match strongly the code is not one maker's:
the best match is reported as weak, naming both.

Calibration (`benchmarks/lineage.py` and the tests): the Hualai camera application of a 2018 Ingenic
T20 camera and of a 2021 T31 camera share 27 % of their functions; unrelated programs built with the
same toolchain share 0-3 %, mostly toolchain code; two builds of one library are within TLSH 60.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import tlsh  # type: ignore[import-not-found]  # py-tlsh ships no type information

from firmware_audit.model import LineageStrength

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from firmware_audit.analyze.lineage.digest import FileDigest
    from firmware_audit.analyze.lineage.index import Index, RefBinary

STRONG_SHARED = 16
STRONG_SCORE = 0.10
WEAK_SHARED = 8
WEAK_SCORE = 0.03
TLSH_STRONG = 40
TLSH_WEAK = 100
TLSH_REACH = TLSH_WEAK // 12 + 1
"""TLSH adds 12 a step of length byte beyond the first: references further off are beyond TLSH_WEAK."""
MIN_FUNCTIONS = 8
"""Files with fewer distinct (uncommon) functions are compared by TLSH only."""


@dataclass(frozen=True, slots=True)
class Match:
    """The best reference binary for one file.

    Attributes:
        binary: The reference binary.
        index: Name of the index holding it.
        shared: Function digests of the file found in the reference binary.
        functions: Distinct uncommon function digests of the file.
        tlsh_distance: TLSH distance of the whole files, when both have one and it is within reach.
        strength: Strong or weak.
        rival: A reference of another maker that matches strongly too (the match is then weak).
        shared_digests: The shared digests (for the evidence).
    """

    binary: RefBinary
    index: str
    shared: int
    functions: int
    tlsh_distance: int | None
    strength: LineageStrength
    rival: RefBinary | None
    shared_digests: NDArray[np.uint64]

    @property
    def score(self) -> float:
        """Share of the file's functions found in the reference."""
        return self.shared / self.functions if self.functions else 0.0


@dataclass(frozen=True, slots=True)
class _Candidate:
    binary: RefBinary
    index: Index
    shared: int
    tlsh_distance: int | None


def best_match(digest: FileDigest, indexes: Sequence[Index], common: NDArray[np.uint64]) -> Match | None:
    """The strongest reference match of the file over all indexes, or None below weak.

    `common` holds the function digests never counted (`common_functions` of the indexes).
    """
    functions = digest.functions
    if len(common):
        # `common` is sorted: a binary search per digest, not a sort of both arrays per file
        at = np.minimum(np.searchsorted(common, functions), len(common) - 1)
        functions = functions[common[at] != functions]
    candidates: dict[tuple[str, int], _Candidate] = {}
    for index in indexes:
        counts = index.shared(functions, digest.arch) if len(functions) >= MIN_FUNCTIONS else None
        if counts is not None:
            for found in np.flatnonzero(counts >= WEAK_SHARED).tolist():
                candidates[(index.name, found)] = _Candidate(
                    index.binaries[found], index, int(counts[found]), None
                )
        if digest.tlsh is not None:
            for other, number in index.tlsh_candidates(digest.arch, digest.tlsh, TLSH_REACH):
                distance = int(tlsh.diff(digest.tlsh, other))
                if distance <= TLSH_WEAK:
                    shared = int(counts[number]) if counts is not None else 0
                    candidates[(index.name, number)] = _Candidate(
                        index.binaries[number], index, shared, distance
                    )
    judged = [(c, _strength(c, len(functions))) for c in candidates.values()]
    judged = [(c, s) for c, s in judged if s is not None]
    if not judged:
        return None
    judged.sort(key=lambda p: _rank(p[0], p[1]))
    best, strength = judged[0]
    rival = next(
        (
            c.binary
            for c, s in judged[1:]
            if s is LineageStrength.STRONG and c.binary.reference.maker != best.binary.reference.maker
        ),
        None,
    )
    if rival is not None:
        strength = LineageStrength.WEAK
    shared_digests = functions[np.isin(functions, best.binary.functions, assume_unique=True)]
    return Match(
        binary=best.binary,
        index=best.index.name,
        shared=best.shared,
        functions=len(functions),
        tlsh_distance=best.tlsh_distance,
        strength=strength or LineageStrength.WEAK,
        rival=rival,
        shared_digests=shared_digests,
    )


def _strength(candidate: _Candidate, functions: int) -> LineageStrength | None:
    score = candidate.shared / functions if functions else 0.0
    distance = candidate.tlsh_distance
    if (candidate.shared >= STRONG_SHARED and score >= STRONG_SCORE) or (
        distance is not None and distance <= TLSH_STRONG
    ):
        return LineageStrength.STRONG
    if (candidate.shared >= WEAK_SHARED and score >= WEAK_SCORE) or (
        distance is not None and distance <= TLSH_WEAK
    ):
        return LineageStrength.WEAK
    return None


def _rank(candidate: _Candidate, strength: LineageStrength | None) -> tuple[int, int, int, str, str]:
    """Strong before weak, then more shared functions, then closer TLSH; ties by reference id and path."""
    distance = candidate.tlsh_distance if candidate.tlsh_distance is not None else 1_000
    return (
        0 if strength is LineageStrength.STRONG else 1,
        -candidate.shared,
        distance,
        candidate.binary.reference.id,
        candidate.binary.path,
    )


def common_functions(indexes: Sequence[Index]) -> NDArray[np.uint64]:
    """The function digests never counted, sorted.

    The indexes' common digests (open-source components), and every digest found in the references
    of more than one maker: code two makers share (a toolchain's, a statically linked library's) is
    nobody's lineage.
    """
    by_maker: dict[str, list[NDArray[np.uint64]]] = {}
    for index in indexes:
        for binary in index.binaries:
            by_maker.setdefault(binary.reference.maker, []).append(binary.functions)
    per_maker = [np.unique(np.concatenate(parts)) for parts in by_maker.values()]
    shared = np.zeros(0, dtype=np.uint64)
    if len(per_maker) > 1:
        values, makers = np.unique(np.concatenate(per_maker), return_counts=True)
        shared = values[makers > 1]
    parts = [i.common for i in indexes if len(i.common)]
    return np.unique(np.concatenate([shared, *parts]))
