"""Whether the rule catalogue covers the code: every rule id it can emit, every trace kind it can weigh.

The analyzers' source is read, not run: a rule id is a module constant `RULE` or `RULE_*`, or a literal
`rule=` argument; a rule written as `f"sdk/{...}"` is one rule per SDK family of the tables, and
`f"chip/{...}"` one per chip clue. A trace kind is a literal `kind=` argument of `trace_finding` or
`TracePayload` (both branches of a conditional), or the `kind` of a row of the trace tables.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from firmware_audit.model import ChipClue
from firmware_audit.signatures import sdk as sdk_data
from firmware_audit.signatures import traces as trace_data

if TYPE_CHECKING:
    from firmware_audit.signatures.catalogue import Catalogue

ANALYZE_DIR = Path(__file__).parent.parent / "analyze"
_TRACE_CALLS = frozenset({"trace_finding", "TracePayload"})


def _templates() -> dict[str, list[str]]:
    """What a rule written as an f-string can be, by its literal start."""
    families, _ = sdk_data.load()
    return {
        "sdk/": [f"sdk/{family.id}" for family in families.families],
        "chip/": [f"chip/{clue.value}" for clue in ChipClue],
    }


def _strings(node: ast.expr) -> list[str]:
    """The literal strings an expression can be: a constant, or either branch of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def code_rules(directory: Path = ANALYZE_DIR) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Every rule id the analyzers can emit, with the module that emits it; and rules not enumerable."""
    templates = _templates()
    found: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for path in sorted(directory.rglob("*.py")):
        where = path.relative_to(directory.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and (target.id == "RULE" or target.id.startswith("RULE_")):
                    found.update(dict.fromkeys(_strings(node.value), where))
            elif isinstance(node, ast.keyword) and node.arg == "rule":
                found.update(dict.fromkeys(_strings(node.value), where))
                if isinstance(node.value, ast.JoinedStr):
                    start = next(iter(_strings(node.value.values[0])), "") if node.value.values else ""
                    if start in templates:
                        found.update(dict.fromkeys(templates[start], where))
                    else:
                        problems.append((where, f"rule {ast.unparse(node.value)} cannot be enumerated"))
    return found, problems


def code_trace_kinds(directory: Path = ANALYZE_DIR) -> dict[str, str]:
    """Every trace kind the analyzers write as a literal or read from the trace tables, with where."""
    found: dict[str, str] = {}
    for path in sorted(directory.rglob("*.py")):
        where = path.relative_to(directory.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=where)):
            if isinstance(node, ast.Call) and _call_name(node) in _TRACE_CALLS:
                for keyword in node.keywords:
                    if keyword.arg == "kind":
                        found.update(dict.fromkeys(_strings(keyword.value), where))
    tables, _ = trace_data.load()
    rows: list[tuple[str, str]] = [(row.kind, row.id) for row in tables.strings]
    rows += [(row.kind, row.id) for row in tables.files]
    for kind, row_id in rows:
        found.setdefault(kind, f"traces ({row_id})")
    return found


def catalogue_problems(catalogue: Catalogue, directory: Path = ANALYZE_DIR) -> list[tuple[str, str]]:
    """Rules the code can emit that the catalogue lacks, and trace kinds without a weight."""
    rules, problems = code_rules(directory)
    missing = [(rule, where) for rule, where in rules.items() if catalogue.rule(rule) is None]
    problems += [(where, f"rule {rule!r} is not in the catalogue") for rule, where in missing]
    problems += [
        (where, f"trace kind {kind!r} has no weight (no [[evidence]] row trace:{kind})")
        for kind, where in code_trace_kinds(directory).items()
        if catalogue.weight(f"trace:{kind}") is None
    ]
    return problems
