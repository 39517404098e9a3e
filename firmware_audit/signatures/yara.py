r"""The YARA rules in `yara/`: compiled once per process, scanned once per file, validated as data.

Every rule carries meta `id`, `description`, `vendor`, `source` and `example` (text it must match, "\\n"
separating its parts); analyzers select the matches they understand by further meta (`family` for SDK
families, `clue` for chip names). `scan` is the only place that runs YARA over file bytes, so a file is
scanned once whatever the number of analyzers (`FileContext.yara` caches the result).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, TypeAlias

import yara

from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.api_rules import API_NAMESPACE, api_rules_source
from firmware_audit.signatures.sdk import signatures as sdk_signatures

if TYPE_CHECKING:
    from pathlib import Path

YARA_DIR = DATA_DIR / "yara"
REQUIRED_META = ("id", "description", "vendor", "source", "example")
"""Meta every rule must have."""
TIMEOUT_SECONDS = 30
"""Longest one scan may take; a slower scan is reported as an Issue for that file."""
MAX_HITS_PER_STRING = 64
"""Offsets kept per matched string: enough to show where, bounded for files that repeat a string."""
CLUE_META = "clue"
"""Meta that marks a chip-name rule (value `chip-string`); such rules also carry `vendor_country`,
`model_pattern` (the whole model name, matched ignoring case) and `model_prefix` (the maker's spelling
of the start of its model names), and may carry `model_case` (`MODEL_LOWER`: the maker writes its names
in lower case)."""
CHIP_META = ("vendor_country", "model_pattern", "model_prefix")
MODEL_LOWER = "lower"
"""`model_case` of a maker that writes its model names in lower case (Allwinner's `sun8iw19p1`)."""
_TOKEN = re.compile(rb"[A-Za-z0-9]{1,64}(?![A-Za-z0-9])")

MetaValue: TypeAlias = str | int | bool


class YaraScanError(Exception):
    """YARA could not scan a file (timeout, too many matches, internal error)."""


@dataclass(frozen=True, slots=True)
class StringHit:
    """One occurrence of one rule string.

    Attributes:
        identifier: The string's name in the rule, e.g. `$key`.
        offset: Byte offset in the scanned file.
        data: The bytes matched.
    """

    identifier: str
    offset: int
    data: bytes


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that matched a file.

    Attributes:
        rule: The rule name.
        namespace: The rule file it came from (its stem).
        meta: The rule's meta, as written.
        hits: Where its strings matched, in file order (capped per string).
    """

    rule: str
    namespace: str
    meta: dict[str, MetaValue]
    hits: tuple[StringHit, ...]

    @property
    def rule_id(self) -> str:
        """The rule's `id` meta (its name when the meta is missing)."""
        return str(self.meta.get("id", self.rule))


def rule_files(directory: Path | None = None) -> list[Path]:
    """The rule files, in a stable order."""
    return sorted((directory or YARA_DIR).glob("*.yar"))


def compile_rules(files: list[Path], generated: dict[str, str] | None = None) -> yara.Rules:
    """Compile rule files, one namespace per file, and generated rule texts by namespace.

    Raises:
        yara.SyntaxError: a rule does not compile.
    """
    sources = {path.stem: path.read_text(encoding="utf-8") for path in files}
    return yara.compile(sources={**sources, **(generated or {})})


def generated_rules() -> dict[str, str]:
    """The rules made from the shipped SDK tables (their API names), by namespace."""
    return {API_NAMESPACE: api_rules_source(sdk_signatures())}


@cache
def rules() -> yara.Rules:
    """The shipped rules, compiled on first use and reused by every audit in this process."""
    return compile_rules(rule_files(), generated_rules())


def scan(data: bytes, compiled: yara.Rules | None = None) -> tuple[RuleMatch, ...]:
    """Every rule that matches `data`, with where its strings matched.

    Raises:
        YaraScanError: YARA gave up on the data (timeout, too many matches, internal error).
    """
    try:
        found = (compiled or rules()).match(data=data, timeout=TIMEOUT_SECONDS)
    except yara.TimeoutError as exc:
        raise YaraScanError(f"YARA timed out after {TIMEOUT_SECONDS} s") from exc
    except yara.Error as exc:
        raise YaraScanError(f"YARA failed: {exc}") from exc
    return tuple(
        RuleMatch(
            rule=match.rule,
            namespace=match.namespace,
            meta=dict(match.meta),
            hits=tuple(
                sorted(
                    (
                        StringHit(string.identifier, instance.offset, instance.matched_data)
                        for string in match.strings
                        for instance in string.instances[:MAX_HITS_PER_STRING]
                    ),
                    key=lambda hit: (hit.offset, hit.identifier),
                )
            ),
        )
        for match in found
    )


def example_bytes(meta: dict[str, MetaValue]) -> bytes:
    r"""A rule's `example` meta as bytes (YARA has turned escapes such as "\n" into characters)."""
    return str(meta.get("example", "")).encode("utf-8")


def example_hex_bytes(meta: dict[str, MetaValue]) -> bytes | None:
    """A rule's `example_hex` meta (a binary example, e.g. a constant table), or None when it has none.

    Raises:
        ValueError: the meta is not hexadecimal.
    """
    text = meta.get("example_hex")
    return None if text is None else bytes.fromhex(str(text))


def chip_model(data: bytes, offset: int, meta: dict[str, MetaValue]) -> str | None:
    """The chip model a chip-name rule located at `offset`, spelled the maker's way; None when it is not one.

    YARA only locates a candidate. The model is the run of letters and digits starting at `offset`,
    which must not continue a run that starts earlier and must match `model_pattern` entirely.
    """
    if offset > 0 and data[offset - 1 : offset].isalnum():
        return None
    token = _TOKEN.match(data, offset)
    if token is None or not _model_regex(str(meta["model_pattern"])).fullmatch(token.group()):
        return None
    text = token.group().decode("ascii")
    if meta.get("model_case") == MODEL_LOWER:
        return text.lower()
    prefix = str(meta["model_prefix"])
    return prefix + text[len(prefix) :].upper()


@cache
def _model_regex(pattern: str) -> re.Pattern[bytes]:
    return re.compile(pattern.encode("ascii"), re.IGNORECASE)
