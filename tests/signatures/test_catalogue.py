"""The rule catalogue: every rule the analyzers can emit and every trace kind is in it, with a weight."""

import pytest

from firmware_audit.model import ChipClue
from firmware_audit.signatures import check
from firmware_audit.signatures.catalogue import BY_TRACE_KIND, load
from firmware_audit.signatures.catalogue_check import catalogue_problems, code_rules, code_trace_kinds
from firmware_audit.signatures.sdk import signatures as sdk_signatures

DATA, PROBLEMS = load()
RULES, UNENUMERABLE = code_rules()


def test_the_shipped_catalogue_is_sound_and_registered() -> None:
    assert PROBLEMS == []
    assert UNENUMERABLE == []
    assert "rule catalogue" in dict(check.VALIDATORS)
    assert catalogue_problems(DATA) == []


def test_the_rules_the_analyzers_emit_are_enumerated() -> None:
    assert {f"sdk/{family.id}" for family in sdk_signatures().families} <= set(RULES)
    assert {f"chip/{clue.value}" for clue in ChipClue} <= set(RULES)
    assert {
        "endpoint/hardcoded",
        "trace/vendor-string",
        "credential/known-hash",
        "lineage.maker-build",
    } <= set(RULES)
    assert "trace/toolchain" not in RULES  # a toolchain banner is one chip clue, not also a trace


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_the_analyzers_can_emit_is_in_the_catalogue(rule) -> None:
    row = DATA.rule(rule)
    assert row is not None, f"{rule} ({RULES[rule]})"
    assert DATA.title(rule)


@pytest.mark.parametrize("kind", sorted(code_trace_kinds()))
def test_every_trace_kind_has_a_weight(kind) -> None:
    assert DATA.weight(f"trace:{kind}") is not None


def test_the_kinds_that_once_fell_back_to_a_default_are_written_down() -> None:
    for kind in ("boot-prompt", "kernel-banner", "soc-id", "uboot-env"):  # rows of traces/strings.toml
        row = DATA.weight(f"trace:{kind}")
        assert row is not None
        assert (row.weight, row.specific) == (0.2, False)  # the weight the silent default gave them


def test_rules_weighed_by_their_trace_kind_carry_trace_payloads() -> None:
    assert all(row.payload == "trace" for row in DATA.rules.values() if row.evidence == BY_TRACE_KIND)


ANALYZER = """
RULE = "trace/brand-new"
RULE_OTHER = "sdk/" + "x"


def analyze(ctx):
    yield trace_finding(ctx, rule=RULE, kind="brand-new-kind" if ctx else "toolchain", title="t")
    yield Finding(rule=f"vendor/{ctx.name}")
"""


def test_a_rule_or_kind_missing_from_the_catalogue_fails_the_check(tmp_path) -> None:
    code = tmp_path / "analyze"
    code.mkdir()
    (code / "new.py").write_text(ANALYZER, encoding="utf-8")
    messages = [message for _, message in catalogue_problems(DATA, code)]
    assert "rule 'trace/brand-new' is not in the catalogue" in messages
    assert "trace kind 'brand-new-kind' has no weight (no [[evidence]] row trace:brand-new-kind)" in messages
    assert "trace kind 'toolchain' has no weight (no [[evidence]] row trace:toolchain)" in messages
    assert "rule f'vendor/{ctx.name}' cannot be enumerated" in messages


CATALOGUE = """
[[rule]]
id = "trace/example"
category = "rebranding"
payload = "chip"
title = "t"
description = "d"
evidence = "by-trace-kind"
sources = ["domain/rebranding-traces.md"]

[[rule]]
id = "trace/other"
category = "rebranding"
payload = "trace"
title = "t"
description = "d"
evidence = "trace:nowhere"
sources = ["domain/rebranding-traces.md"]

[[evidence]]
id = "trace:example"
weight = 1.5
specific = true
title = "t"
sources = ["domain/rebranding-traces.md"]
"""


def test_catalogue_mistakes_are_reported(tmp_path) -> None:
    (tmp_path / "rules.toml").write_text(CATALOGUE, encoding="utf-8")
    _, problems = load(tmp_path)
    messages = "\n".join(f"{where}: {message}" for where, message in problems)
    for expected in (
        "only a trace rule is weighed by its trace kind",
        "evidence 'trace:nowhere' is no [[evidence]] row",
        "weight: Input should be less than or equal to 1",
    ):
        assert expected in messages, messages
