"""Which SDK families one file carries, and how: by name, by linked library, by symbol, by strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmware_audit.model import SdkUse
from firmware_audit.signatures.api_rules import API_CLUE, family_names
from firmware_audit.signatures.yara import CLUE_META

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from firmware_audit.analyze.sdk.elf import ElfFacts
    from firmware_audit.signatures.sdk import Family, SdkSignatures
    from firmware_audit.signatures.yara import RuleMatch

FAMILY_META = "family"
LOW_CONFIDENCE = 0.6
"""Highest confidence of a finding whose family row is marked low-confidence."""
"""YARA meta naming the SDK family a rule supports."""


@dataclass(slots=True)
class FamilyMatch:
    """Everything one file shows of one SDK family.

    Attributes:
        family: The family.
        imported: Its symbols the file imports (calls).
        exported: Its symbols the file defines.
        needed: Its libraries the file links (DT_NEEDED).
        named: The file's own name is one of its library names (and the file is ELF).
        rules: YARA rules of the family that match the file's bytes.
        written: Its API names written as text in the file (log and error messages of stripped or
            static code), each with its first offset; only when there are enough of them.
    """

    family: Family
    imported: list[str] = field(default_factory=list)
    exported: list[str] = field(default_factory=list)
    needed: list[str] = field(default_factory=list)
    named: bool = False
    rules: list[RuleMatch] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every matched symbol, imported first, each once."""
        return tuple(dict.fromkeys([*self.imported, *self.exported]))

    @property
    def use(self) -> tuple[SdkUse, ...]:
        """How the file relates to the family, strongest relation first."""
        uses = []
        if self.imported or self.needed:
            uses.append(SdkUse.IMPORTED)
        if self.exported:
            uses.append(SdkUse.EXPORTED)
        if self.rules or self.written:
            uses.append(SdkUse.EMBEDDED)
        if self.named and not uses:
            uses.append(SdkUse.NAMED)
        return tuple(uses)

    @property
    def confidence(self) -> float:
        """How sure the match is: exact symbols and linked libraries most, a bare file name least.

        A family whose row rests on weaker sources is never more than `LOW_CONFIDENCE` sure.
        """
        certainty = self._certainty()
        return min(certainty, LOW_CONFIDENCE) if self.family.low_confidence else certainty

    def _certainty(self) -> float:
        exact = any(s in self.family.symbols for s in self.symbols)
        if exact or (self.symbols and (self.needed or self.named)):
            return 0.95
        if self.symbols or self.needed:
            return 0.85
        if self.rules:
            return 0.8
        if self.written:
            return 0.75
        return 0.6


def match_families(
    signatures: SdkSignatures,
    *,
    file_name: str,
    elf: bool,
    facts: ElfFacts | None,
    rule_matches: Iterable[RuleMatch] = (),
    data: bytes = b"",
) -> list[FamilyMatch]:
    """Every family the file shows, in the order of the signature tables.

    Args:
        signatures: The SDK data.
        file_name: The file's own name (its last path component).
        elf: Whether the file is ELF (only ELF files can *be* a library by name).
        facts: What LIEF read from it, when it is ELF and LIEF could read it.
        rule_matches: The YARA matches of the file.
        data: The file's bytes, where the API-name rules' hits are read.
    """
    found: dict[str, FamilyMatch] = {}

    def entry(family: Family) -> FamilyMatch:
        return found.setdefault(family.id, FamilyMatch(family))

    if elf:
        for family in signatures.families_of_library(file_name):
            entry(family).named = True
    if facts is not None:
        _match_facts(signatures, facts, entry)
    symbols = frozenset([*facts.imported, *facts.exported]) if facts is not None else frozenset()
    for match in rule_matches:
        supported = signatures.family(str(match.meta.get(FAMILY_META, "")))
        if supported is None:
            continue
        if match.meta.get(CLUE_META) != API_CLUE:
            entry(supported).rules.append(match)
            continue
        written = family_names(data, (hit.offset for hit in match.hits), supported, signatures, symbols)
        if written:
            entry(supported).written.update(written)
    if not found:
        return []  # most files: no table built for nothing to sort
    order = {family.id: index for index, family in enumerate(signatures.families)}
    return sorted(found.values(), key=lambda m: order[m.family.id])


def _match_facts(signatures: SdkSignatures, facts: ElfFacts, entry: Callable[[Family], FamilyMatch]) -> None:
    """Add the linked libraries, imported and exported symbols of each family."""
    for library in facts.needed:
        for family in signatures.families_of_library(library):
            entry(family).needed.append(library)
    for name in facts.imported:
        for family in signatures.families_of_symbol(name):
            entry(family).imported.append(name)
    for name in facts.exported:
        for family in signatures.families_of_symbol(name):
            entry(family).exported.append(name)
