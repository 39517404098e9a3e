"""Validation of the YARA rules: they compile, carry their meta, and match their own examples."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yara

from firmware_audit.model import ChipClue
from firmware_audit.signatures.api_rules import API_CLUE, API_NAMESPACE, api_rules_source, family_names
from firmware_audit.signatures.yara import (
    CHIP_META,
    CLUE_META,
    MODEL_LOWER,
    REQUIRED_META,
    MetaValue,
    RuleMatch,
    chip_model,
    compile_rules,
    example_bytes,
    example_hex_bytes,
    scan,
)

if TYPE_CHECKING:
    from pathlib import Path

    from firmware_audit.signatures.sdk import SdkSignatures

FAMILY_META = "family"


def yara_problems(files: list[Path], sdk: SdkSignatures) -> list[tuple[str, str]]:
    """Problems of the rule files and of the rules made from `sdk`, as (file, message) pairs.

    An empty list means the rules are sound.
    """
    problems: list[tuple[str, str]] = []
    generated = {API_NAMESPACE: api_rules_source(sdk)}
    units: list[tuple[str, list[Path], dict[str, str]]] = [
        (f"yara/{path.name}", [path], {}) for path in files
    ]
    units.append(("sdk/*.toml (generated API-name rules)", [], generated))
    compiled: list[tuple[str, list[Path], dict[str, str]]] = []
    for unit in units:
        try:
            compile_rules(unit[1], unit[2])
        except yara.Error as exc:
            problems.append((unit[0], f"does not compile: {exc}"))
        else:
            compiled.append(unit)
    if not compiled:
        return problems
    rules = compile_rules(
        [path for _, paths, _ in compiled for path in paths],
        {name: text for _, _, sources in compiled for name, text in sources.items()},
    )
    seen: dict[str, str] = {}
    for where, paths, sources in compiled:
        for rule in compile_rules(paths, sources):
            problems += [(where, f"rule {rule.identifier}: {p}") for p in _rule_problems(rule.meta, sdk)]
            rule_id = str(rule.meta.get("id", ""))
            if rule_id in seen:
                problems.append(
                    (where, f"rule {rule.identifier}: id {rule_id!r} is also used in {seen[rule_id]}")
                )
            seen.setdefault(rule_id, where)
            example = example_bytes(rule.meta)
            matches = [m for m in scan(example, rules) if m.rule == rule.identifier] if example else []
            if example and not matches:
                problems.append((where, f"rule {rule.identifier} does not match its example"))
            problems += [(where, f"rule {rule.identifier}: {p}") for p in _hex_example_problems(rule, rules)]
            if (
                matches
                and rule.meta.get(CLUE_META) == API_CLUE
                and not _names_recognised(example, matches[0], sdk)
            ):
                problems.append(
                    (where, f"rule {rule.identifier}: its example does not name enough API names")
                )
    return problems


def _hex_example_problems(rule: yara.Rule, rules: yara.Rules) -> list[str]:
    try:
        example = example_hex_bytes(rule.meta)
    except ValueError:
        return ["meta example_hex is not hexadecimal"]
    if example is not None and rule.identifier not in {m.rule for m in scan(example, rules)}:
        return ["does not match its example_hex"]
    return []


def _names_recognised(example: bytes, match: RuleMatch, sdk: SdkSignatures) -> bool:
    family = sdk.family(str(match.meta.get(FAMILY_META, "")))
    return family is not None and bool(family_names(example, (h.offset for h in match.hits), family, sdk))


def _rule_problems(meta: dict[str, MetaValue], sdk: SdkSignatures) -> list[str]:
    problems = [
        f"meta {key} is missing or empty" for key in REQUIRED_META if not str(meta.get(key, "")).strip()
    ]
    family = meta.get(FAMILY_META)
    if family is not None and sdk.family(str(family)) is None:
        problems.append(f"meta family {family!r} is not an SDK family of sdk/*.toml")
    if meta.get(CLUE_META) in {None, API_CLUE}:
        return problems
    if meta[CLUE_META] != ChipClue.CHIP_STRING.value:
        return [*problems, f"meta clue {meta[CLUE_META]!r} is not {ChipClue.CHIP_STRING.value!r}"]
    missing = [key for key in CHIP_META if not str(meta.get(key, "")).strip()]
    if missing:
        return [*problems, f"chip rule lacks meta {', '.join(missing)}"]
    case = meta.get("model_case")
    if case is not None and case != MODEL_LOWER:
        problems.append(f"meta model_case {case!r} is not {MODEL_LOWER!r} (leave it out for capitals)")
    try:
        re.compile(str(meta["model_pattern"]))
    except re.error as exc:
        return [*problems, f"model_pattern does not compile: {exc}"]
    example = example_bytes(meta)
    models = [
        model for start in range(len(example)) if (model := chip_model(example, start, meta)) is not None
    ]
    if not models:
        problems.append("its example names no chip model that model_pattern accepts")
    return problems
