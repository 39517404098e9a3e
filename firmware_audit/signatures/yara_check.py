"""Validation of the YARA rules: they compile, carry their meta, and match their own examples."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yara

from firmware_audit.model import ChipClue
from firmware_audit.signatures.yara import (
    CHIP_META,
    CLUE_META,
    REQUIRED_META,
    MetaValue,
    chip_model,
    compile_rules,
    example_bytes,
    scan,
)

if TYPE_CHECKING:
    from pathlib import Path

    from firmware_audit.signatures.sdk import SdkSignatures

FAMILY_META = "family"


def yara_problems(files: list[Path], sdk: SdkSignatures) -> list[tuple[str, str]]:
    """Problems of the rule files, as (file, message) pairs; an empty list means the rules are sound."""
    problems: list[tuple[str, str]] = []
    compiled: list[Path] = []
    for path in files:
        try:
            compile_rules([path])
        except yara.Error as exc:
            problems.append((f"yara/{path.name}", f"does not compile: {exc}"))
        else:
            compiled.append(path)
    if not compiled:
        return problems
    rules = compile_rules(compiled)
    seen: dict[str, str] = {}
    for path in compiled:
        for rule in compile_rules([path]):
            where = f"yara/{path.name}"
            problems += [(where, f"rule {rule.identifier}: {p}") for p in _rule_problems(rule.meta, sdk)]
            rule_id = str(rule.meta.get("id", ""))
            if rule_id in seen:
                problems.append(
                    (where, f"rule {rule.identifier}: id {rule_id!r} is also used in {seen[rule_id]}")
                )
            seen.setdefault(rule_id, where)
            example = example_bytes(rule.meta)
            if example and rule.identifier not in {m.rule for m in scan(example, rules)}:
                problems.append((where, f"rule {rule.identifier} does not match its example"))
    return problems


def _rule_problems(meta: dict[str, MetaValue], sdk: SdkSignatures) -> list[str]:
    problems = [
        f"meta {key} is missing or empty" for key in REQUIRED_META if not str(meta.get(key, "")).strip()
    ]
    family = meta.get(FAMILY_META)
    if family is not None and sdk.family(str(family)) is None:
        problems.append(f"meta family {family!r} is not an SDK family of sdk/*.toml")
    if meta.get(CLUE_META) is None:
        return problems
    if meta[CLUE_META] != ChipClue.CHIP_STRING.value:
        return [*problems, f"meta clue {meta[CLUE_META]!r} is not {ChipClue.CHIP_STRING.value!r}"]
    missing = [key for key in CHIP_META if not str(meta.get(key, "")).strip()]
    if missing:
        return [*problems, f"chip rule lacks meta {', '.join(missing)}"]
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
