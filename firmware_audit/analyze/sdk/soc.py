"""The SoC of an image, decided from its SDK and chip findings.

Who made the chip is decided by the strongest kind of evidence present, in this order: SoC SDK
families (libraries and symbols only the chip maker's SDK has), kernel module names, chip-name strings,
toolchain banners. Weaker evidence never overrides stronger: a vendor may build with one chip maker's
toolchain for another maker's chip. Every clue that points to another maker is listed as a
disagreement, with what decided instead.

The model is narrowed within the decided maker: kernel modules and toolchains give the set of chips
their SDK line or compiler serves, chip-name strings pick one. An SDK line's files repeat the name of the
chip it is named after (the hi3516ev200 SDK runs Hi3516EV300 boards too), so that name counts only when
no other member of the line is named.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmware_audit.analyze.sdk.chips import is_chip_table
from firmware_audit.model import ChipClue, SdkKind, SdkUse, SocIdentification
from firmware_audit.signatures.sdk import signatures

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from firmware_audit.model import Finding

_FIRMWARE_DIR = "/lib/firmware/"
"""Where a Linux system keeps the firmware its drivers load into devices (the chip's DSP, ISP)."""

_TIERS = ("SDK libraries", *(clue.value.replace("-", " ") + "s" for clue in ChipClue))
"""Names of the kinds of evidence, strongest first: index 0 is SoC SDK families, then each ChipClue."""
_CONFIDENCE = (0.95, 0.8, 0.65, 0.4)
"""Confidence in the maker by the strongest kind of evidence that decided it."""
MAX_PATHS = 3
"""Files named per disagreement."""


@dataclass(slots=True)
class _Vendor:
    """Everything that points to one chip maker."""

    country: str | None = None
    files: list[set[str]] = field(default_factory=lambda: [set() for _ in _TIERS])
    ids: list[list[str]] = field(default_factory=lambda: [[] for _ in _TIERS])

    def strength(self) -> tuple[int, ...]:
        """Files per kind of evidence, strongest kind first: compared as a tuple."""
        return tuple(len(files) for files in self.files)

    def add(self, tier: int, finding: Finding, country: str | None) -> None:
        self.files[tier].add(finding.location.path)
        self.ids[tier].append(finding.id)
        self.country = self.country or country


def identify_soc(findings: Sequence[Finding]) -> SocIdentification | None:
    """The SoC the findings point to, or None when nothing does."""
    vendors, multi_chip = _votes(findings)
    if not vendors:
        return None
    ranked = sorted(vendors.items(), key=lambda item: (item[1].strength(), item[0]), reverse=True)
    name, chosen = ranked[0]
    tier = next(i for i, count in enumerate(chosen.strength()) if count)
    notes = [note for other, votes in ranked[1:] for note in _disagreements(name, tier, other, votes)]
    if len(ranked) > 1 and ranked[1][1].strength() == chosen.strength():
        notes.insert(0, f"{name} and {ranked[1][0]} are equally supported; {name} was taken by name order")
    models, model, model_notes = _models(name, findings)
    return SocIdentification(
        vendor=name,
        vendor_country=chosen.country,
        model=model,
        models=models,
        confidence=_CONFIDENCE[min(tier, len(_CONFIDENCE) - 1)],
        basis=tuple(dict.fromkeys(i for ids in chosen.ids for i in ids)),
        disagreements=(*notes, *multi_chip, *model_notes),
    )


def soc_label(soc: SocIdentification | None) -> str | None:
    """The SoC in a few words: 'HiSilicon Hi3516EV300', 'HiSilicon (Hi3516AV200 / Hi3519V101)', 'Ingenic'."""
    if soc is None:
        return None
    if soc.model:
        return f"{soc.vendor} {soc.model}"
    if soc.models:
        return f"{soc.vendor} ({' / '.join(soc.models)})"
    return soc.vendor


def _votes(findings: Iterable[Finding]) -> tuple[dict[str, _Vendor], list[str]]:
    """The evidence for each chip maker, and notes on the files that were not counted."""
    data = signatures()
    sdk = [f for f in findings if f.sdk is not None and f.sdk.kind is SdkKind.SOC]
    sdk, multi_chip = _without_multi_chip_programs(sdk)
    present = {f.sdk.family for f in sdk if f.sdk is not None}
    # A clone SDK (Goke) also matches the API it reimplements (HiSilicon's): its own libraries decide.
    superseded = {
        other for family_id in present if (family := data.family(family_id)) for other in family.supersedes
    }
    vendors: dict[str, _Vendor] = defaultdict(_Vendor)
    for finding in sdk:
        assert finding.sdk is not None
        if finding.sdk.family not in superseded:
            vendors[finding.sdk.vendor].add(0, finding, finding.sdk.vendor_country)
    tiers = {clue: index + 1 for index, clue in enumerate(ChipClue)}
    for finding in findings:
        if finding.chip is not None:
            vendors[finding.chip.vendor].add(tiers[finding.chip.clue], finding, finding.chip.vendor_country)
    return dict(vendors), multi_chip


def _without_multi_chip_programs(sdk: list[Finding]) -> tuple[list[Finding], list[str]]:
    """The SoC SDK findings that may vote, and a note for each file left out.

    A file that only writes the API names of chip SDKs (no library linked, no symbol) and names those
    of several chip makers is a program built for many chips (a hardware abstraction layer that
    loads whichever SDK it finds): it says nothing about this device's chip.
    """
    written: dict[str, set[str]] = defaultdict(set)
    for finding in sdk:
        assert finding.sdk is not None
        if set(finding.sdk.use) == {SdkUse.EMBEDDED}:
            written[finding.location.path].add(finding.sdk.vendor)
    multi = {path: makers for path, makers in written.items() if len(makers) > 1}
    kept = [
        f
        for f in sdk
        if not (f.sdk is not None and set(f.sdk.use) == {SdkUse.EMBEDDED} and f.location.path in multi)
    ]
    notes = [
        f"{path} writes the API names of several chip makers' SDKs ({', '.join(sorted(makers))}): "
        "a program built for many chips, not counted"
        for path, makers in sorted(multi.items())
    ]
    return kept, notes


def _disagreements(chosen: str, tier: int, other: str, votes: _Vendor) -> list[str]:
    notes = []
    for index, files in enumerate(votes.files):
        if files:
            paths = ", ".join(sorted(files)[:MAX_PATHS]) + (" ..." if len(files) > MAX_PATHS else "")
            notes.append(
                f"{_TIERS[index]} point to {other} ({paths}), but the {_TIERS[tier]} say {chosen}; "
                f"the {_TIERS[tier]} decide"
            )
    return notes


def _models(vendor: str, findings: Sequence[Finding]) -> tuple[tuple[str, ...], str | None, list[str]]:
    """Candidate models of the chosen maker, the single best one if any, and notes on conflicts."""
    device, line, constraints, family_names = _model_clues(vendor, findings)
    notes: list[str] = []
    allowed, binding = _allowed(constraints, notes)
    for named in (device, line):
        # An SDK line's files repeat the chip it is named after: that name counts only alone.
        if named.keys() - family_names:
            for name in family_names:
                named.pop(name, None)
        candidates = _within(named, allowed, binding=binding, notes=notes)
        if candidates:
            ranked = sorted(candidates, key=lambda m: (-named[m], m))
            top = [m for m in ranked if named[m] == named[ranked[0]]]
            return tuple(ranked), top[0] if len(top) == 1 else None, notes
    if allowed:
        ordered = tuple(sorted(allowed))
        return ordered, ordered[0] if len(ordered) == 1 else None, notes
    return (), None, notes


def _model_clues(
    vendor: str, findings: Sequence[Finding]
) -> tuple[Counter[str], Counter[str], list[tuple[ChipClue, set[str]]], set[str]]:
    """What points to a model of `vendor`.

    Returns the models named in device files and in SDK-line files, the model sets of kernel modules
    and toolchains, and the chips the SDK lines are named after.
    """
    line_files = _sdk_line_files(findings)
    device: Counter[str] = Counter()
    line: Counter[str] = Counter()
    constraints: list[tuple[ChipClue, set[str]]] = []
    family_names: set[str] = set()
    for finding in findings:
        chip = finding.chip
        if chip is None or chip.vendor != vendor:
            continue
        if chip.clue is ChipClue.CHIP_STRING:
            (line if finding.location.path in line_files else device).update(set(chip.models))
        elif chip.models:
            constraints.append((chip.clue, set(chip.models)))
        if chip.clue is ChipClue.KERNEL_MODULE:
            family_names |= _family_names(chip.detail)
    return device, line, constraints, family_names


def _sdk_line_files(findings: Sequence[Finding]) -> set[str]:
    """Files of the chip maker's own SDK (libraries, kernel modules, firmware), and tables of its chips.

    The firmware is what the drivers load into the chip (`/lib/firmware`). Chip names there name the
    SDK line, which serves several chips, rather than the device's chip: a Goke GK7102 doorbell's
    modules and DSP firmware all say `gk7101`, the line's name.
    """
    files = set()
    for finding in findings:
        sdk, chip = finding.sdk, finding.chip
        path = finding.location.path
        if chip is not None and (path.endswith(".ko") or _FIRMWARE_DIR in path):
            files.add(path)
        if sdk is not None and sdk.kind is SdkKind.SOC and ({SdkUse.EXPORTED, SdkUse.NAMED} & set(sdk.use)):
            files.add(finding.location.path)
        if chip is not None and chip.clue is ChipClue.KERNEL_MODULE:
            files.add(finding.location.path)
        if chip is not None and is_chip_table(chip.clue, chip.models):
            files.add(finding.location.path)
    return files


def _family_names(module: str) -> set[str]:
    return {
        row.family_name
        for row in signatures().kernel_modules
        if row.family_name and row.matches_module(module)
    }


def _allowed(constraints: list[tuple[ChipClue, set[str]]], notes: list[str]) -> tuple[set[str] | None, bool]:
    """The models the kernel modules (else the toolchains) allow, and whether that binds chip strings.

    Kernel modules are stronger than chip strings and bind them; toolchains are weaker and do not.
    """
    modules = [models for clue, models in constraints if clue is ChipClue.KERNEL_MODULE]
    toolchains = [models for clue, models in constraints if clue is ChipClue.TOOLCHAIN]
    if modules:
        allowed = set.intersection(*modules) or _union(modules)
        if toolchains and not allowed & _union(toolchains):
            notes.append(
                f"the toolchain points to {', '.join(sorted(_union(toolchains)))}, the kernel modules to "
                f"{', '.join(sorted(allowed))}; the kernel modules decide"
            )
        return allowed, True
    if toolchains:
        return set.intersection(*toolchains) or _union(toolchains), False
    return None, False


def _within(named: Counter[str], allowed: set[str] | None, *, binding: bool, notes: list[str]) -> set[str]:
    """The named models to choose from, given what the modules or toolchain allow."""
    if not named or allowed is None:
        return set(named)
    inside, outside = named.keys() & allowed, sorted(named.keys() - allowed)
    if outside and (inside or binding):
        notes.append(
            f"chip strings name {', '.join(outside)}, which the kernel modules or toolchain rule out"
        )
        return inside
    if outside:
        notes.append(
            f"chip strings name {', '.join(outside)}, outside what the toolchain allows "
            f"({', '.join(sorted(allowed))}); chip strings are the stronger clue and are kept"
        )
    return set(named)


def _union(sets: list[set[str]]) -> set[str]:
    joined: set[str] = set()
    for models in sets:
        joined |= models
    return joined
