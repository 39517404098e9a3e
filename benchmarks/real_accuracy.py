"""Accuracy of firmware_audit on real vendor firmware: the development set in `../shared/real-firmware`.

Scores every piece of its `expected.toml` exactly as its README says. Each piece is audited with
`--home-country KR` (the report as `--format json` writes it) and listed as `extract --list` lists it;
every item of its ground truth is one check:

* file — some listed virtual path ends with it;
* endpoint — an `endpoint` finding mentions the host and, unless the expected country is `""`, carries
  that country in a country field;
* sdk — an `sdk` finding mentions one of the alternatives (`|`);
* trace — a finding that is neither `endpoint` nor `sdk` mentions one of the alternatives;
* benign — no `endpoint` finding that mentions it has severity `medium` or higher;
* oem — the first OEM candidate of the verdict names the maker (a wrong first candidate fails, and so
  does none).

"Mentions" is a case-insensitive substring of any string value of the finding's JSON. Besides the
checks, a piece whose first OEM candidate names a maker other than the expected one counts as a
*wrong maker*: the worst error. A piece whose ground truth is that no maker can be proven from its
content (`oem = ""`) but that names one anyway is counted apart, as *named unproven*.

    python benchmarks/real_accuracy.py [--set DIR] [--only SUBSTRING ...] [--json OUT] [--misses]

The set is read in place and never copied. Exit status 2 when the set is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SET = ROOT.parent / "shared" / "real-firmware"
HOME_COUNTRY = "KR"
CHECKS = ("file", "endpoint", "sdk", "trace", "benign", "oem")
SEVERE = frozenset({"medium", "high", "critical"})


@dataclass
class Tally:
    """Checks passed out of checks, with the items that failed."""

    passed: int = 0
    total: int = 0
    missed: list[str] = field(default_factory=list)

    def check(self, ok: bool, item: str) -> None:
        """Count one check; remember the item when it failed."""
        self.total += 1
        self.passed += ok
        if not ok:
            self.missed.append(item)

    def add(self, other: Tally) -> None:
        """Add another tally's counts (not its items) to this one."""
        self.passed += other.passed
        self.total += other.total


@dataclass
class PieceResult:
    """What one piece scored: per-check tallies, the maker named and how long the audit took."""

    piece: str
    expected_oem: str
    first_oem: str | None
    confidence: float | None
    wrong_maker: bool
    unproven_maker: bool
    seconds: float
    tallies: dict[str, Tally]


def strings(value: object) -> list[str]:
    """Every string value inside a JSON value, case-folded."""
    if isinstance(value, str):
        return [value.casefold()]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def country_fields(value: object) -> set[str]:
    """The values of every field whose name holds `country`, anywhere inside a JSON value."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if "country" in key and isinstance(inner, str):
                found.add(inner.upper())
            found |= country_fields(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= country_fields(inner)
    return found


def mentions(finding: dict[str, Any], text: str) -> bool:
    """Whether any string value of the finding holds `text`, ignoring case."""
    needle = text.casefold()
    return any(needle in s for s in strings(finding))


def alternatives(item: str) -> list[str]:
    """The `|`-separated alternatives of a ground-truth item."""
    return [a for a in item.split("|") if a]


def names_maker(candidate: str, expected: str) -> bool:
    """Whether an OEM candidate's vendor names one of the expected makers (either way round)."""
    name = candidate.casefold()
    return any(alt.casefold() in name or name in alt.casefold() for alt in alternatives(expected))


def score_piece(path: Path, truth: dict[str, Any]) -> PieceResult:
    """Audit and list one piece and score it."""
    from firmware_audit import audit, unpack  # noqa: PLC0415  (the set's absence is reported before this loads)

    started = time.perf_counter()
    report = json.loads(audit(path, home_country=HOME_COUNTRY).to_json())
    seconds = time.perf_counter() - started
    listed = [node.path for node in unpack(path)]
    findings = report["findings"]
    endpoint = [f for f in findings if f["category"] == "endpoint"]
    sdk = [f for f in findings if f["category"] == "sdk"]
    other = [f for f in findings if f["category"] not in {"endpoint", "sdk"}]
    tallies = {check: Tally() for check in CHECKS}

    for wanted in truth.get("files", ()):
        tallies["file"].check(any(p.endswith(wanted) for p in listed), wanted)
    for row in truth.get("endpoints", ()):
        host, country = row["host"], row.get("country", "")
        ok = any(mentions(f, host) and (not country or country in country_fields(f)) for f in endpoint)
        tallies["endpoint"].check(ok, f"{host} ({country or 'any'})")
    for item in truth.get("sdk", ()):
        tallies["sdk"].check(any(mentions(f, a) for f in sdk for a in alternatives(item)), item)
    for item in truth.get("traces", ()):
        tallies["trace"].check(any(mentions(f, a) for f in other for a in alternatives(item)), item)
    for item in truth.get("benign", ()):
        severe = [f for f in endpoint if mentions(f, item) and f["severity"] in SEVERE]
        tallies["benign"].check(not severe, item)

    candidates = report["verdict"].get("oem", [])
    first = candidates[0] if candidates else None
    expected = truth.get("oem", "")
    right = first is not None and bool(expected) and names_maker(first["vendor"], expected)
    if expected:
        tallies["oem"].check(right, expected)
    return PieceResult(
        piece=str(path),
        expected_oem=expected,
        first_oem=first["vendor"] if first else None,
        confidence=first["confidence"] if first else None,
        wrong_maker=first is not None and bool(expected) and not right,
        unproven_maker=first is not None and not expected,
        seconds=seconds,
        tallies=tallies,
    )


def evaluate(root: Path, only: list[str]) -> list[PieceResult]:
    """Score every piece of the set (or those whose key holds one of `only`)."""
    with (root / "expected.toml").open("rb") as fh:
        expected = tomllib.load(fh)["images"]
    results = []
    for key, truth in expected.items():
        if only and not any(o in key for o in only):
            continue
        results.append(score_piece(root / key, truth))
        results[-1].piece = key
    return results


def totals(results: list[PieceResult]) -> dict[str, Tally]:
    """Checks passed per kind of check over all pieces."""
    total = {check: Tally() for check in CHECKS}
    for result in results:
        for check, tally in result.tallies.items():
            total[check].add(tally)
    return total


def _cell(tally: Tally) -> str:
    return f"{tally.passed}/{tally.total}" if tally.total else "-"


def table(results: list[PieceResult], *, misses: bool = False) -> str:
    """A Markdown table per piece, then the totals and the wrong-maker count."""
    head = "| piece | expected maker | first candidate | conf. | " + " | ".join(CHECKS) + " | s |"
    lines = [head, "|" + "---|" * (len(CHECKS) + 5)]
    for r in results:
        first = r.first_oem or "—"
        if r.wrong_maker:
            first = f"**{first} (wrong)**"
        elif r.unproven_maker:
            first = f"{first} (unproven)"
        conf = f"{r.confidence:.2f}" if r.confidence is not None else "—"
        cells = " | ".join(_cell(r.tallies[c]) for c in CHECKS)
        lines.append(
            f"| {r.piece} | {r.expected_oem or '—'} | {first} | {conf} | {cells} | {r.seconds:.1f} |"
        )
    total = totals(results)
    lines.append(
        "| **all** | | | | "
        + " | ".join(_cell(total[c]) for c in CHECKS)
        + f" | {sum(r.seconds for r in results):.1f} |"
    )
    lines.append("")
    passed, checks = sum(t.passed for t in total.values()), sum(t.total for t in total.values())
    wrong = sum(r.wrong_maker for r in results)
    unproven = sum(r.unproven_maker for r in results)
    with_maker = sum(1 for r in results if r.expected_oem)
    lines.append(
        f"checks passed: {passed}/{checks}; right maker first: {total['oem'].passed}/{with_maker}; "
        f"wrong maker: {wrong}; a maker named where none is provable: {unproven}"
    )
    if misses:
        lines.append("")
        lines.extend(
            f"missed {check:8} {r.piece}: {item}"
            for r in results
            for check in CHECKS
            for item in r.tallies[check].missed
        )
    return "\n".join(lines)


def as_json(results: list[PieceResult]) -> dict[str, Any]:
    """The results as plain data (for floors in tests and for comparing runs)."""
    total = totals(results)
    return {
        "checks": {c: {"passed": t.passed, "total": t.total} for c, t in total.items()},
        "wrong_maker": sum(r.wrong_maker for r in results),
        "unproven_maker": sum(r.unproven_maker for r in results),
        "pieces": {
            r.piece: {
                "expected_oem": r.expected_oem,
                "first_oem": r.first_oem,
                "wrong_maker": r.wrong_maker,
                "unproven_maker": r.unproven_maker,
                "checks": {
                    c: {"passed": t.passed, "total": t.total, "missed": t.missed}
                    for c, t in r.tallies.items()
                },
            }
            for r in results
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Score the set and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="the development set's folder")
    parser.add_argument(
        "--only", nargs="*", default=[], help="score only pieces whose path holds one of these"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--misses", action="store_true", help="list every failed check")
    args = parser.parse_args(argv)
    if not (args.set / "expected.toml").is_file():
        print(f"no development set at {args.set} (expected.toml missing)", file=sys.stderr)
        return 2
    results = evaluate(args.set, args.only)
    print(table(results, misses=args.misses))
    if args.json:
        args.json.write_text(json.dumps(as_json(results), indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
