"""One observation, one finding: a trace that repeats what another rule's finding says of the same bytes.

Two analyzers can read the same bytes and make the same claim: a maker's domain in a program is both a
server the endpoint analyzer reports and a maker-domain trace; a kernel banner's `user@host` is both the
build-host rule's and the build environment's. The rule catalogue says which kinds of trace yield to
which rules (`yields_to` of an `[[evidence]]` row). A trace finding of such a kind is left out when a
finding of one of those rules has evidence with the same value at every place (path and offset) the
trace was seen, and names the same vendor or the trace names none: the kept finding already shows those
bytes, and the attribution counts the observation once. A trace seen anywhere else is kept whole.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from firmware_audit.signatures.catalogue import catalogue

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.model import Finding

_Place = tuple[str, int, str]


def _vendor(finding: Finding) -> str | None:
    payload = finding.trace or finding.endpoint or finding.sdk or finding.chip
    return payload.vendor if payload is not None else None


def _places(finding: Finding) -> list[_Place]:
    return [
        (item.location.path, item.location.offset, item.value)
        for item in finding.evidence
        if item.location.offset is not None
    ]


def _repeats(trace: Finding, other: Finding, yields_to: tuple[str, ...], left_out: set[str]) -> bool:
    """Whether another finding makes the trace's claim: a rule it yields to, the same vendor or none."""
    vendor = _vendor(trace)
    return (
        other.rule in yields_to
        and other.rule != trace.rule
        and other.id not in left_out
        and (vendor is None or _vendor(other) in {None, vendor})
    )


def one_per_observation(findings: Sequence[Finding]) -> list[Finding]:
    """The findings without the traces that another rule's finding already makes of the same bytes."""
    rows = catalogue()
    seen: dict[_Place, list[Finding]] = defaultdict(list)
    for finding in findings:
        for place in _places(finding):
            seen[place].append(finding)
    left_out: set[str] = set()
    for finding in findings:
        row = rows.weight(f"trace:{finding.trace.kind}") if finding.trace is not None else None
        places = _places(finding)
        if row is None or not row.yields_to or not places:
            continue
        # Every place the trace was seen must be another rule's finding: one it alone shows keeps it.
        if all(any(_repeats(finding, other, row.yields_to, left_out) for other in seen[p]) for p in places):
            left_out.add(finding.id)
    return [f for f in findings if f.id not in left_out]
