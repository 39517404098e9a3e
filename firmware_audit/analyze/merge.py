"""One finding per subject: the same claim made in many places is one finding with every location.

Thirty model folders whose configuration files name the same server, or one library copied into
three places, make the same claim many times; a reader should see it once, with where. Findings are
the same claim when everything but their id, locations and evidence is equal (rule, title, severity,
confidence and payload). The merged finding keeps the id and evidence of the one seen first in path
order, adds the evidence of the others that shows something new (a kind and value not yet there, such
as the function that uses a string in one of the files), and its locations are every place, in path
order, without repeats.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from firmware_audit.model import Finding, Location

_NOT_THE_CLAIM = frozenset({"id", "location", "locations", "evidence"})


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """The findings with every group that makes the same claim merged into one; order of first sight."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(_claim(finding), []).append(finding)
    return [_merged(group) if len(group) > 1 else group[0] for group in groups.values()]


def _claim(finding: Finding) -> str:
    return json.dumps(finding.model_dump(mode="json", exclude=set(_NOT_THE_CLAIM)), sort_keys=True)


def _where(location: Location) -> tuple[str, int]:
    return location.path, -1 if location.offset is None else location.offset


def _merged(group: list[Finding]) -> Finding:
    first = min(group, key=lambda f: (_where(f.location), f.id))
    places = {_where(loc): loc for finding in group for loc in finding.locations}
    locations = tuple(places[key] for key in sorted(places))
    # The first finding's own location leads, as `location` is the first of `locations`.
    ordered = (first.location, *(loc for loc in locations if loc != first.location))
    evidence = list(first.evidence)
    shown = {(e.kind, e.value) for e in evidence}
    for other in sorted(group, key=lambda f: (_where(f.location), f.id)):
        for item in other.evidence:
            if (item.kind, item.value) not in shown:
                shown.add((item.kind, item.value))
                evidence.append(item)
    return first.model_copy(update={"locations": ordered, "evidence": tuple(evidence)})
