"""The SDK analyzer: one finding per (file, SDK family), and one per (file, chip clue, chip maker)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.sdk.chips import (
    CHIP_TABLE,
    Sighting,
    banner_texts,
    chip_string_sightings,
    is_chip_table,
    module_sightings,
    toolchain_sightings,
)
from firmware_audit.analyze.sdk.elf import ElfFacts, ElfReadError, elf_facts
from firmware_audit.analyze.sdk.match import FamilyMatch, match_families
from firmware_audit.model import (
    Category,
    ChipClue,
    ChipPayload,
    Evidence,
    Finding,
    IssueKind,
    Location,
    SdkKind,
    SdkPayload,
    SdkUse,
    Severity,
)
from firmware_audit.signatures.sdk import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.code import CallSite
    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.signatures.yara import RuleMatch

MAX_SYMBOLS = 20
"""Symbols listed in a finding's payload; `symbol_count` has the full number."""
MAX_EVIDENCE = 16
"""Evidence items per finding."""
MAX_CALLERS = 4
"""Calling functions named in a finding's evidence; `call_sites` has the count."""
_SEVERITY = {
    SdkKind.SOC: Severity.INFO,
    SdkKind.CAMERA_SDK: Severity.LOW,
    SdkKind.P2P: Severity.MEDIUM,
    SdkKind.CLOUD_IOT: Severity.MEDIUM,
    SdkKind.OTHER: Severity.INFO,
}
"""P2P and cloud SDKs give the device a way out to a vendor's servers; chip SDKs only say who made it."""
_CLUE_CONFIDENCE = {ChipClue.KERNEL_MODULE: 0.7, ChipClue.CHIP_STRING: 0.6, ChipClue.TOOLCHAIN: 0.4}
_MODINFO_EVIDENCE = ("vermagic", "description", "author")


class SdkAnalyzer:
    """Vendor, chip, P2P and cloud SDK families in ELF files and in any file's strings; chip clues."""

    name: ClassVar[str] = "sdk"
    version: ClassVar[str] = "1.0"

    def applies_to(self, node: Node) -> bool:
        """Every non-empty file: ELF files for symbols, any file for strings and chip names."""
        return node.size > 0

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """Findings for one file."""
        data = ctx.data()
        elf = ctx.is_elf
        facts = _facts(ctx) if elf else None
        rule_matches = ctx.yara()
        file_name = ctx.node.path.rsplit("/", 1)[-1]
        # A container's bytes hold its members', which are analysed on their own: strings there would
        # report each member's SDK twice. Chip names stay, since a container header (uImage) names the chip.
        family_rules: tuple[RuleMatch, ...] = () if ctx.node.format is not None else rule_matches
        data_set = signatures()
        for match in match_families(
            data_set, file_name=file_name, elf=elf, facts=facts, rule_matches=family_rules, data=data
        ):
            yield _sdk_finding(ctx.node.path, match, facts, _call_sites(ctx, match))
        sightings = [
            *module_sightings(data_set, file_name, facts),
            *chip_string_sightings(data, rule_matches),
            *toolchain_sightings(data_set, banner_texts(data, facts)),
        ]
        grouped: dict[tuple[ChipClue, str], list[Sighting]] = defaultdict(list)
        for sighting in sightings:
            grouped[sighting.clue, sighting.vendor].append(sighting)
        for group in grouped.values():
            yield _chip_finding(ctx.node.path, group, facts, data)


def _facts(ctx: FileContext) -> ElfFacts | None:
    binary = ctx.elf()
    if binary is None:
        return None
    try:
        return elf_facts(binary)
    except ElfReadError as exc:
        ctx.issue(IssueKind.PARSER_ERROR, f"LIEF failed while reading this ELF file: {exc}")
        return None


def _call_sites(ctx: FileContext, match: FamilyMatch) -> list[tuple[str, CallSite]] | None:
    """Calls of the imported SDK functions in the shared disassembly.

    None when they are not counted: nothing is imported, or the disassembler does not read this code.
    """
    if not match.imported:
        return None
    code = ctx.code()
    if code is None:
        return None
    return [(name, site) for name in match.imported for site in code.callers(name)]


def _sdk_finding(
    path: str, match: FamilyMatch, facts: ElfFacts | None, calls: list[tuple[str, CallSite]] | None
) -> Finding:
    family = match.family
    location = Location(path=path)
    symbols = match.symbols
    use = match.use
    library = path if (match.exported or match.named) else (match.needed[0] if match.needed else None)
    return Finding(
        id=Finding.fingerprint(f"sdk/{family.id}", location, family.id),
        category=Category.SDK,
        rule=f"sdk/{family.id}",
        title=f"{family.name} ({family.vendor}, {family.vendor_country}): {_use_text(match)}",
        severity=_SEVERITY[family.kind],
        confidence=match.confidence,
        location=location,
        evidence=_sdk_evidence(path, match, facts, calls or []),
        sdk=SdkPayload(
            family=family.id,
            vendor=family.vendor,
            vendor_country=family.vendor_country,
            kind=family.kind,
            symbols=symbols[:MAX_SYMBOLS],
            symbol_count=len(symbols),
            library=library,
            use=use,
            call_sites=len(calls) if calls is not None else None,
        ),
    )


def _use_text(match: FamilyMatch) -> str:
    parts = []
    if match.imported:
        parts.append(f"{len(match.imported)} symbols imported")
    if match.needed:
        parts.append(f"links {', '.join(match.needed)}")
    if match.exported:
        parts.append(f"{len(match.exported)} symbols defined")
    if match.rules:
        parts.append("its strings are embedded")
    if match.written:
        parts.append(f"{len(match.written)} of its API names written in the code's messages")
    if match.named and SdkUse.NAMED in match.use:
        parts.append("a library of the SDK by name")
    return "; ".join(parts)


def _sdk_evidence(
    path: str, match: FamilyMatch, facts: ElfFacts | None, calls: list[tuple[str, CallSite]]
) -> tuple[Evidence, ...]:
    here = Location(path=path)
    items = [Evidence(kind="source", value="; ".join(match.family.sources), location=here)]
    if match.family.low_confidence:
        items.append(Evidence(kind="low-confidence", value=match.family.low_confidence, location=here))
    if match.named:
        items.append(Evidence(kind="library-name", value=path.rsplit("/", 1)[-1], location=here))
    items += [Evidence(kind="needed-library", value=name, location=here) for name in match.needed]
    items += [Evidence(kind="symbol-import", value=name, location=here) for name in match.imported[:6]]
    items += [Evidence(kind="symbol-export", value=name, location=here) for name in match.exported[:6]]
    items += [
        Evidence(kind="api-name", value=name, location=Location(path=path, offset=offset))
        for name, offset in list(match.written.items())[:6]
    ]
    for rule in match.rules:
        first = rule.hits[0] if rule.hits else None
        items.append(
            Evidence(
                kind="rule-match",
                value=rule.rule_id,
                location=Location(path=path, offset=first.offset if first else None),
                context=_printable(first.data) if first else None,
            )
        )
    callers = dict.fromkeys(
        f"{name} from {site.function.label if site.function else f'0x{site.address:x}'}"
        for name, site in calls
    )
    items += [Evidence(kind="call-site", value=text, location=here) for text in list(callers)[:MAX_CALLERS]]
    if facts is not None and facts.build_id:
        items.append(Evidence(kind="build-id", value=facts.build_id, location=here))
    return tuple(items[:MAX_EVIDENCE])


def _chip_finding(path: str, group: list[Sighting], facts: ElfFacts | None, data: bytes) -> Finding:
    first = group[0]
    location = Location(path=path)
    models = tuple(dict.fromkeys(model for sighting in group for model in sighting.models))
    table = is_chip_table(first.clue, models)
    signatures_used = dict.fromkeys(f"{sighting.rule}: {sighting.source}" for sighting in group)
    evidence = [Evidence(kind="source", value=text, location=location) for text in signatures_used]
    evidence += [
        Evidence(
            kind=sighting.clue.value,
            value=sighting.detail,
            location=Location(path=path, offset=sighting.offset),
            context=_around(data, sighting.offset) if sighting.clue is ChipClue.CHIP_STRING else None,
        )
        for sighting in group[:MAX_EVIDENCE]
    ]
    if first.clue is ChipClue.KERNEL_MODULE and facts is not None:
        evidence += [
            Evidence(kind=f"modinfo-{key}", value=value, location=location)
            for key in _MODINFO_EVIDENCE
            if (value := facts.modinfo_value(key))
        ]
    if table:
        what = f"{len(models)} of its chips, a table of them"
        evidence.append(Evidence(kind=CHIP_TABLE, value=", ".join(models), location=location))
    else:
        what = ", ".join(models) if models else first.vendor
    return Finding(
        id=Finding.fingerprint(f"chip/{first.clue.value}", location, first.vendor),
        category=Category.SDK,
        rule=f"chip/{first.clue.value}",
        title=f"{first.clue.value.replace('-', ' ')} points to {first.vendor} ({what}): {first.detail[:60]}",
        severity=Severity.INFO,
        confidence=_CLUE_CONFIDENCE[first.clue],
        location=location,
        evidence=tuple(evidence),
        chip=ChipPayload(
            clue=first.clue,
            vendor=first.vendor,
            vendor_country=first.vendor_country,
            models=models,
            detail=first.detail,
        ),
    )


def _around(data: bytes, offset: int | None, width: int = 24) -> str | None:
    """The printable bytes around a chip name, so a reader sees where it stood."""
    if offset is None:
        return None
    return _printable(data[max(0, offset - width) : offset + width])


def _printable(data: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data[:120])
