r"""YARA rules made from the SDK tables: the API names of each family written as text.

Stripped and statically linked code keeps no symbol table, but the code around an SDK still names the
SDK's functions in its log and error messages (`PPPP_Listen fail : %d`, `XQP2P_Write=%d`). One rule
per family locates its exact symbol names and prefixes in a file's bytes; the analyzer then reads the
whole identifier at each place (`firmware_audit.analyze.sdk.apinames`) and keeps the family only when
enough distinct API names of it are written there. The rules are generated, not written by hand, so
that they always say what the tables say; they are compiled with the hand-written rules into one scan.

A family gets a rule when it lists at least `MIN_EXAMPLE_SYMBOLS` exact symbols: its first two, in
sorted order, are the rule's example (`signatures check` makes sure the example is recognised).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from firmware_audit.signatures.sdk import Family, SdkSignatures

API_NAMESPACE = "sdk_api"
"""The namespace of the generated rules among the compiled ones."""
API_CLUE = "api-name"
"""Meta `clue` of a generated rule: its hits are places where an API name of `family` may start."""
MIN_EXAMPLE_SYMBOLS = 2


def rule_name(family: Family) -> str:
    """The YARA identifier of a family's rule."""
    return "api_names_" + family.id.replace("-", "_")


def example_names(family: Family) -> tuple[str, ...]:
    """The exact symbols a family's rule is shown to recognise."""
    return tuple(sorted(family.symbols)[:MIN_EXAMPLE_SYMBOLS])


def api_rules_source(data: SdkSignatures) -> str:
    """YARA source text with one rule per family that has enough exact symbols."""
    return "\n".join(_rule(family) for family in data.families if len(family.symbols) >= MIN_EXAMPLE_SYMBOLS)


def _rule(family: Family) -> str:
    # Exact names a prefix of the family already covers would only add duplicate hits.
    exact = sorted(s for s in family.symbols if not any(s.startswith(p) for p in family.prefixes))
    texts = [*sorted(family.prefixes), *exact]
    strings = "\n".join(f"        $n{index} = {_quoted(text)}" for index, text in enumerate(texts))
    meta = {
        "id": f"sdk/{family.id}/api-names",
        "description": f"{family.name}: its API names written as text (log and error messages)",
        "vendor": family.vendor,
        "family": family.id,
        "clue": API_CLUE,
        "source": "; ".join(family.sources),
        "example": "\n".join(example_names(family)),
    }
    meta_lines = "\n".join(f"        {key} = {_quoted(value)}" for key, value in meta.items())
    return (
        f"rule {rule_name(family)}\n{{\n    meta:\n{meta_lines}\n    strings:\n{strings}\n"
        "    condition:\n        any of them\n}\n"
    )


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


MIN_NAMES = 2
"""Distinct API names of one family a file must write, one of them an exact symbol of the table."""
MIN_PREFIXED_NAMES = 3
"""Distinct API names a file must write when none is an exact symbol (all only share a prefix)."""
MAX_NAME = 96
"""Longest identifier read at a hit; longer runs are not API names."""
_IDENT = re.compile(rb"[A-Za-z0-9_]{1,%d}(?![A-Za-z0-9_])" % MAX_NAME)


def name_at(data: bytes, offset: int) -> str | None:
    """The whole identifier that starts at `offset`, or None when one starts earlier or it is too long."""
    if offset > 0 and _is_ident_byte(data[offset - 1]):
        return None
    found = _IDENT.match(data, offset)
    return found.group().decode("ascii") if found else None


def family_names(
    data: bytes,
    offsets: Iterable[int],
    family: Family,
    sdk: SdkSignatures,
    symbols: Collection[str] = (),
) -> dict[str, int]:
    """The API names of `family` written at the rule's hits, each with its first offset.

    A name counts when it is one of the family's exact symbols, or when the family owns its longest
    known prefix (and the name is longer than that prefix); names in `symbols` (the file's own symbol
    table, whose string table holds them too) do not. The result is empty unless the names are
    enough: `MIN_NAMES` with at least one exact symbol, else `MIN_PREFIXED_NAMES`.
    """
    names: dict[str, int] = {}
    for offset in sorted(offsets):
        name = name_at(data, offset)
        if name is None or name in names or name in symbols:
            continue
        if family in sdk.families_of_symbol(name):
            names[name] = offset
    exact = [name for name in names if name in family.symbols]
    enough = len(names) >= MIN_NAMES if exact else len(names) >= MIN_PREFIXED_NAMES
    return names if enough else {}


def _is_ident_byte(byte: int) -> bool:
    return byte == 0x5F or 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A
