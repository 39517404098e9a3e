"""Validation of the shipped lineage index and component table, for `firmware-audit signatures check`."""

from __future__ import annotations

from firmware_audit.analyze.lineage import components as component_table
from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.signatures.traces import signatures as trace_signatures

_HEX = frozenset("0123456789abcdef")


def problems() -> list[tuple[str, str]]:
    """(file, message) for every problem of the shipped index and component table."""
    found: list[tuple[str, str]] = []
    try:
        component_table.load()
    except (OSError, ValueError) as exc:
        found.append(("lineage/components.toml", str(exc)))
    try:
        shipped = lineage_index.load(lineage_index.SHIPPED, "shipped")
    except lineage_index.LineageIndexError as exc:
        return [*found, ("lineage", str(exc))]
    references = {b.reference.id: b.reference for b in shipped.binaries}
    for reference in references.values():
        found += _reference_problems(reference)
    found.extend(
        (f"lineage/references/{b.reference.id}.json", f"{b.path}: no digest at all")
        for b in shipped.binaries
        if len(b.functions) == 0 and b.tlsh is None
    )
    return found


def _reference_problems(reference: lineage_index.Reference) -> list[tuple[str, str]]:
    found = []
    where = f"lineage/references/{reference.id}.json"
    source = reference.source
    if not lineage_index.valid_id(reference.id):
        found.append((where, f"id {reference.id!r} is not usable as a file name"))
    if not trace_signatures().makers_named_in(reference.maker):
        found.append((where, f"maker {reference.maker!r} is not in signatures/traces/makers.toml"))
    if source.repository.count("/") != 1 or len(source.commit) != 40 or not set(source.commit) <= _HEX:
        found.append((where, "source needs a GitHub owner/name repository and a 40-digit commit"))
    if len(source.sha256) != 64 or not set(source.sha256) <= _HEX:
        found.append((where, "source sha256 is not 64 hex digits"))
    return found
