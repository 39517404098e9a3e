"""Clues to the SoC in one file that are weaker than an SDK family.

Kernel module names, chip-name strings and toolchain banners.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.model import ChipClue
from firmware_audit.signatures.yara import CLUE_META, chip_model

if TYPE_CHECKING:
    from collections.abc import Iterable

    from firmware_audit.analyze.sdk.elf import ElfFacts
    from firmware_audit.signatures.sdk import SdkSignatures
    from firmware_audit.signatures.yara import RuleMatch

_KERNEL_BANNER = re.compile(rb"Linux version [\x20-\x7e]{8,400}")
MAX_BANNERS = 8
"""Kernel banners read per file: a kernel has one; more is a log or a string table."""
CHIP_TABLE = "chip-table"
"""Evidence kind of a chip-name finding whose file names many models: a table of the maker's chips."""
MAX_CHIPS_NAMED = 4
"""Chip models one file may name and still say which chip the device has. A file naming more is a
table of the maker's chips (a kernel built for every platform of an SDK, a tool for all of them): its
finding says so (`CHIP_TABLE` evidence), and its names pick a model only where no other file names
one, as the names in a chip maker's own SDK do."""


def is_chip_table(clue: ChipClue, models: tuple[str, ...]) -> bool:
    """Whether a chip clue of these models is a table of the maker's chips (`MAX_CHIPS_NAMED`)."""
    return clue is ChipClue.CHIP_STRING and len(models) > MAX_CHIPS_NAMED


@dataclass(frozen=True, slots=True)
class Sighting:
    """One clue to the SoC seen in a file.

    Attributes:
        clue: Kernel module, chip string or toolchain.
        vendor: The chip maker it points to.
        vendor_country: That maker's country.
        models: Chip models consistent with it.
        detail: What was seen (module name, chip name as written, banner).
        offset: Where in the file, when it is a place in the bytes.
        rule: The signature that recognised it (rule id or table pattern).
        source: Its public source.
        family_name: For a module: the chip its SDK line is named after.
    """

    clue: ChipClue
    vendor: str
    vendor_country: str | None
    models: tuple[str, ...]
    detail: str
    offset: int | None
    rule: str
    source: str
    family_name: str | None = None


def module_sightings(signatures: SdkSignatures, file_name: str, facts: ElfFacts | None) -> list[Sighting]:
    """Kernel-module clues: the file's name, or its `.modinfo` name, matches a module row."""
    names = []
    if file_name.endswith(".ko"):
        names.append(file_name)
    module_name = facts.modinfo_value("name") if facts is not None else None
    if module_name:
        names.append(f"{module_name}.ko")
    if not names:
        return []  # not a kernel module: no row can match
    found: list[Sighting] = []
    for row in signatures.kernel_modules:
        name = next((n for n in names if row.matches_module(n)), None)
        if name is not None:
            found.append(
                Sighting(
                    clue=ChipClue.KERNEL_MODULE,
                    vendor=row.vendor,
                    vendor_country=row.vendor_country,
                    models=row.models,
                    detail=name,
                    offset=None,
                    rule=row.pattern,
                    source="; ".join(row.sources),
                    family_name=row.family_name,
                )
            )
    return found


def banner_texts(data: bytes, facts: ElfFacts | None) -> list[tuple[str, int | None]]:
    """Texts that name a toolchain: an ELF file's `.comment` entries, else kernel `Linux version` banners."""
    if facts is not None:
        return [(comment, None) for comment in facts.comments]
    if b"Linux version " not in data:
        return []
    return [
        (m.group().decode("ascii"), m.start())
        for _, m in zip(range(MAX_BANNERS), _KERNEL_BANNER.finditer(data), strict=False)
    ]


def toolchain_sightings(signatures: SdkSignatures, texts: Iterable[tuple[str, int | None]]) -> list[Sighting]:
    """Toolchain clues: a banner matches a toolchain row."""
    found: list[Sighting] = []
    for text, offset in texts:
        for row in signatures.toolchains:
            hit = row.search(text)
            if hit is not None:
                found.append(
                    Sighting(
                        clue=ChipClue.TOOLCHAIN,
                        vendor=row.vendor,
                        vendor_country=row.vendor_country,
                        models=row.models,
                        detail=text,
                        offset=offset,
                        rule=row.pattern,
                        source="; ".join(row.sources),
                    )
                )
    return found


def chip_string_sightings(data: bytes, rule_matches: Iterable[RuleMatch]) -> list[Sighting]:
    """Chip-name clues: YARA located a candidate, and the whole token there is a model name."""
    found: list[Sighting] = []
    for match in rule_matches:
        meta = match.meta
        if meta.get(CLUE_META) != ChipClue.CHIP_STRING.value:
            continue
        for hit in match.hits:
            model = chip_model(data, hit.offset, meta)
            if model is None:
                continue
            token_end = hit.offset + len(model)
            found.append(
                Sighting(
                    clue=ChipClue.CHIP_STRING,
                    vendor=str(meta["vendor"]),
                    vendor_country=str(meta["vendor_country"]),
                    models=(model,),
                    detail=data[hit.offset : token_end].decode("ascii"),
                    offset=hit.offset,
                    rule=match.rule_id,
                    source=str(meta["source"]),
                )
            )
    return found
