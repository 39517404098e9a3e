"""The rule catalogue in `catalogue/rules.toml`: every rule a finding can carry, and what evidence weighs.

A `[[rule]]` row names a rule id with its category, the payload its findings carry, a title, a
description, and the `[[evidence]]` row that weighs its findings for the attribution (or
`by-trace-kind` / `by-sdk-kind`: the payload's kind picks the row). An `[[evidence]]` row gives a kind
of evidence its weight and says whether it is specific to a maker (decisive) or shared lineage. The
attribution reads the weights, SARIF the rules' titles and descriptions, the HTML report the titles.

`load` reads and validates the catalogue, returning what it could read with the problems it found;
`catalogue` is the validated catalogue, read once per process. Whether the code emits a rule or a trace
kind the catalogue lacks is checked by `catalogue_check`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from firmware_audit.model import Category, SdkKind
from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.rows import Problems, Row, Text, Texts, read_tables
from firmware_audit.signatures.sdk import signatures as sdk_signatures

if TYPE_CHECKING:
    from pathlib import Path

CATALOGUE_DIR = DATA_DIR / "catalogue"
BY_TRACE_KIND = "by-trace-kind"
"""A rule whose findings are weighed by their trace payload's kind (`trace:<kind>`)."""
BY_SDK_KIND = "by-sdk-kind"
"""A rule whose findings are weighed by their SDK family's kind (`sdk:<kind>`)."""
FAMILY_RULES = "sdk/*"
"""The row standing for one rule per SDK family (`sdk/<family id>`)."""
_RULE_ID = re.compile(r"[a-z0-9-]+(?:[/.][a-z0-9-]+)+|sdk/\*")
_EVIDENCE_ID = re.compile(r"(?:trace|sdk):[a-z0-9-]+|chip|endpoint|lineage")


class SignatureError(Exception):
    """The shipped rule catalogue does not validate (run `firmware-audit signatures check`)."""


class Rule(Row):
    """A rule findings carry: what its findings claim, and the evidence row that weighs them."""

    id: Annotated[str, Field(pattern=_RULE_ID.pattern)]
    category: Category
    payload: Literal["endpoint", "sdk", "trace", "chip", "lineage"]
    title: Text
    description: Text
    evidence: Text


class EvidenceKind(Row):
    """A kind of evidence for the maker and how much one finding of it weighs."""

    id: Annotated[str, Field(pattern=_EVIDENCE_ID.pattern)]
    weight: Annotated[float, Field(ge=0.0, le=1.0)]
    specific: bool
    title: Text
    yields_to: Texts = ()
    """Rules whose finding, on the same bytes, is the same observation: a trace of this kind is left out."""


@dataclass(frozen=True)
class Catalogue:
    """Every rule and every kind of evidence, by id."""

    rules: dict[str, Rule]
    evidence: dict[str, EvidenceKind]

    def rule(self, rule_id: str) -> Rule | None:
        """The row of a rule id (`sdk/<family>` rules share the `sdk/*` row)."""
        found = self.rules.get(rule_id)
        if found is None and rule_id.startswith("sdk/"):
            return self.rules.get(FAMILY_RULES)
        return found

    def title(self, rule_id: str) -> str | None:
        """A rule's title; an SDK family's rule is titled by the family (`SDK family: HiSilicon MPP`)."""
        row = self.rule(rule_id)
        if row is None:
            return None
        family = sdk_signatures().family(rule_id.removeprefix("sdk/")) if row.id == FAMILY_RULES else None
        return f"{row.title}: {family.name}" if family is not None else row.title

    def weight(self, kind: str) -> EvidenceKind | None:
        """The evidence row of a kind of evidence (`trace:copyright`, `sdk:p2p`, `chip`)."""
        return self.evidence.get(kind)


_TABLES: dict[str, type[Row]] = {"rule": Rule, "evidence": EvidenceKind}


def load(directory: Path = CATALOGUE_DIR) -> tuple[Catalogue, list[tuple[str, str]]]:
    """Read the catalogue of `directory`; return it and the problems as (file, message) pairs."""
    problems: Problems = []
    tables = read_tables(directory, "catalogue", _TABLES, problems)
    found = Catalogue(
        rules={row.id: row for _, row in tables["rule"]},
        evidence={row.id: row for _, row in tables["evidence"]},
    )
    for table, rows in tables.items():
        ids = [row.id for _, row in rows]
        twice = [i for i in dict.fromkeys(ids) if ids.count(i) > 1]
        problems += [("catalogue", f"{table} {i!r} is listed twice") for i in twice]
    for rule in found.rules.values():
        where = f"catalogue rule {rule.id!r}"
        if rule.evidence not in {BY_TRACE_KIND, BY_SDK_KIND} and rule.evidence not in found.evidence:
            problems.append((where, f"evidence {rule.evidence!r} is no [[evidence]] row"))
        if rule.evidence == BY_TRACE_KIND and rule.payload != "trace":
            problems.append((where, "only a trace rule is weighed by its trace kind"))
    for kind in found.evidence.values():
        problems += [
            (f"catalogue evidence {kind.id!r}", f"yields to {other!r}, which is no [[rule]]")
            for other in kind.yields_to
            if found.rule(other) is None
        ]
    if any(rule.evidence == BY_SDK_KIND for rule in found.rules.values()):
        problems += [
            ("catalogue", f"SDK kind {kind.value!r} has no [[evidence]] row sdk:{kind.value}")
            for kind in SdkKind
            if f"sdk:{kind.value}" not in found.evidence
        ]
    return found, problems


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, validated once per process.

    Raises:
        SignatureError: the catalogue has problems (`firmware-audit signatures check` lists them).
    """
    data, problems = load()
    if problems:
        raise SignatureError("; ".join(f"{file}: {message}" for file, message in problems))
    return data
