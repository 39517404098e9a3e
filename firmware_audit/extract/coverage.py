"""A report's coverage that a person can read: many unexplained regions summarised as counted runs.

An image can leave tens of thousands of small unexplained regions (10,000 carved streams of a few
bytes of text, a header repeated with junk between): listed one by one they bloat the report and say
less than their count. Above `MAX_LISTED` regions, each run of regions of one kind that follow one
another (sorted by path and offset, the same container path apart from carve offsets) becomes one
`RegionRun` with its count, sums and length-weighted entropy; if runs and the regions left are still
too many, the largest are kept and the rest form one run of pattern `*`. Nothing is dropped: the
byte counts are unchanged, and a `summarised` issue says how many regions are summarised.
The unpacked tree keeps every region (analyzers and container shares read those); only the report's
copy is summarised.
"""

from __future__ import annotations

import re
from itertools import groupby

from firmware_audit.model import Coverage, Issue, IssueKind, Location, RegionRun, UnexplainedRegion

MAX_LISTED = 1000
"""Entries (regions and runs together) a report's coverage lists; above it, regions are summarised."""
_CARVE_OFFSET = re.compile(r"(?<=/)0x[0-9a-f]{8,}(?=\.[0-9a-z-]+(?:!|$))")
"""The offset a carved region's name starts with (`/0x0001f000.gzip`), the part that varies in a run."""


def pattern(path: str) -> str:
    """The kind of a region: its container path with every carve offset written `0x*`."""
    return _CARVE_OFFSET.sub("0x*", path)


def summarise(coverage: Coverage, limit: int = MAX_LISTED) -> tuple[Coverage, tuple[Issue, ...]]:
    """The coverage with its regions summarised when there are more than `limit`, and the issue saying so."""
    regions = sorted(coverage.unexplained, key=_where)
    if len(regions) <= limit:
        return coverage, ()
    groups = [(kind, list(run)) for kind, run in groupby(regions, key=lambda r: pattern(r.location.path))]
    if len(groups) > limit:
        groups.sort(key=lambda g: -sum(r.image_bytes for r in g[1]))
        rest = sorted((r for _, run in groups[limit - 1 :] for r in run), key=_where)
        groups = [*groups[: limit - 1], ("*", rest)]
    listed = tuple(run[0] for _, run in groups if len(run) == 1)
    runs = tuple(
        sorted((_run(kind, run) for kind, run in groups if len(run) > 1), key=lambda r: _where(r.first))
    )
    summarised = sum(r.count for r in runs)
    issue = Issue(
        kind=IssueKind.SUMMARISED,
        location=Location(path=""),
        message=f"{len(regions):,} unexplained regions, more than the {limit:,} a report lists one by "
        f"one: {summarised:,} of them are summarised as {len(runs):,} runs of regions of one kind "
        "(coverage runs, each with its count)",
    )
    return coverage.model_copy(update={"unexplained": listed, "runs": runs}), (issue,)


def _run(kind: str, regions: list[UnexplainedRegion]) -> RegionRun:
    length = sum(r.length for r in regions)
    weighted = sum(r.entropy * r.length for r in regions)
    return RegionRun(
        pattern=kind,
        first=regions[0].location,
        last=regions[-1].location,
        count=len(regions),
        length=length,
        image_bytes=sum(r.image_bytes for r in regions),
        entropy=round(weighted / length, 4) if length else 0.0,
    )


def _where(item: UnexplainedRegion | Location) -> tuple[str, int]:
    where = item.location if isinstance(item, UnexplainedRegion) else item
    return where.path, where.offset or 0
