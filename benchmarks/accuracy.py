"""Accuracy of firmware_audit on the synthetic corpus: precision and recall per category.

Audits every image of `corpus/manifest.toml` with `firmware_audit.audit` and compares the reports
with the manifest's ground truth:

* files — the listed virtual paths are in `unpack(image)` (recall only: the manifest lists the paths
  that must be found, not every path, so there is nothing to measure precision against);
* endpoints — hosts of endpoint findings whose role is not `reference` and that are not `reserved`
  (private, loopback, documentation ... addresses are kept in reports but are not servers abroad;
  the manifest lists them as references or unscored, never as ground truth);
* sdk — SDK families (vendor or family name, and kind) found in the files the manifest lists;
* traces — rebranding, credential and certificate findings whose detail or evidence holds a listed value;
* oem, soc — the top OEM candidate and the SoC of the verdict;
* contradictions — on images with a declaration, the declared fields the verdict contradicts against
  the manifest's `contradictions` (none expected where it lists none);
* decision — the policy decision under `corpus/policy-example.toml`.

Strings the manifest lists as `unscored` (unverified rows in domain/) are neither credited nor held
against the auditor. A finding of a true SDK family in a file the manifest does not list is neutral.
A category that no report has produced anything for yet prints as n/a, never as a number.

    python benchmarks/accuracy.py [--per-image] [--only 01 05]
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware_audit import unpack
from firmware_audit.audit import audit
from firmware_audit.model import Declared, EndpointRole

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from firmware_audit.model import Finding, Report

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
CATEGORIES = ("files", "endpoints", "sdk", "traces", "oem", "soc", "contradictions", "decision")
WITHOUT_PRECISION = frozenset({"files"})


@dataclass
class Score:
    """Counts of one category: true positives, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        """Add another score's counts to this one."""
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float | None:
        """tp / (tp + fp), or None when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """tp / (tp + fn), or None when there was nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Result:
    """Scores per category over the corpus, per image, and which categories produced anything."""

    total: dict[str, Score] = field(default_factory=lambda: {c: Score() for c in CATEGORIES})
    per_image: dict[str, dict[str, Score]] = field(default_factory=dict)
    produced: set[str] = field(default_factory=lambda: {"files"})

    def available(self, category: str) -> bool:
        """Whether any report produced output in this category (else it prints as n/a)."""
        return category in self.produced


def norm(text: str) -> str:
    """Case-folded letters and digits only, so `"OemID" : "General"` and `OemID=General` compare equal."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def load_manifest(path: Path = CORPUS / "manifest.toml") -> dict[str, Any]:
    """The corpus manifest."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _unscored(entry: dict[str, Any], text: str) -> bool:
    wanted = norm(text)
    return any(norm(u) and norm(u) in wanted for u in entry.get("unscored", ()))


def score_files(entry: dict[str, Any], present: Iterable[str]) -> Score:
    """Listed paths found (tp) and missing (fn)."""
    paths = set(present)
    found = sum(1 for path in entry["files"] if path in paths)
    return Score(tp=found, fn=len(entry["files"]) - found)


def score_endpoints(entry: dict[str, Any], findings: Sequence[Finding]) -> Score:
    """Hosts: listed hosts found (tp), other public non-reference hosts (fp), listed hosts missed (fn)."""
    truth = {e["host"].casefold() for e in entry.get("endpoints", ())}
    found: set[str] = set()
    extra: set[str] = set()
    for finding in findings:
        payload = finding.endpoint
        if payload is None or payload.role is EndpointRole.REFERENCE or payload.reserved:
            continue
        host = payload.host.casefold()
        if host in truth:
            found.add(host)
        elif not any(u.casefold() == host for u in entry.get("unscored", ())):
            extra.add(host)
    return Score(tp=len(found), fp=len(extra), fn=len(truth - found))


def _sdk_names(sdk: dict[str, Any]) -> set[str]:
    return {norm(n) for n in (sdk["vendor"], sdk["family"], *sdk.get("aliases", ())) if norm(n)}


def score_sdk(entry: dict[str, Any], findings: Sequence[Finding]) -> Score:
    """(SDK family, listed file) pairs found (tp) and missed (fn); families the image lacks (fp)."""
    truth = entry.get("sdk", ())
    units = {(i, path) for i, sdk in enumerate(truth) for path in sdk["files"]}
    found: set[tuple[int, str]] = set()
    extra: set[tuple[str, str, str]] = set()
    for finding in findings:
        payload = finding.sdk
        if payload is None:
            continue
        names = {norm(payload.vendor), norm(payload.family)} - {""}
        matches = [
            i for i, sdk in enumerate(truth) if sdk["kind"] == payload.kind.value and names & _sdk_names(sdk)
        ]
        if matches:
            found.update((i, finding.location.path) for i in matches if (i, finding.location.path) in units)
        elif not _unscored(entry, f"{payload.vendor} {payload.family}"):
            extra.add((norm(payload.vendor), payload.kind.value, finding.location.path))
    return Score(tp=len(found), fp=len(extra), fn=len(units - found))


def _trace_texts(finding: Finding) -> list[str]:
    assert finding.trace is not None
    return [finding.trace.detail, *(e.value for e in finding.evidence)]


def score_traces(entry: dict[str, Any], findings: Sequence[Finding]) -> Score:
    """Listed trace values found (tp) and missed (fn); trace findings matching nothing listed (fp)."""
    truth = [norm(t["value"]) for t in entry.get("traces", ())]
    found: set[int] = set()
    extra: set[str] = set()
    for finding in findings:
        if finding.trace is None:
            continue
        texts = [norm(text) for text in _trace_texts(finding)]
        matches = {i for i, value in enumerate(truth) if any(value in text for text in texts)}
        found |= matches
        if not matches and not any(_unscored(entry, text) for text in _trace_texts(finding)):
            extra.add(finding.id)
    return Score(tp=len(found), fp=len(extra), fn=len(truth) - len(found))


def score_label(truth: str, predicted: str | None) -> Score:
    """One label per image (OEM, SoC vendor, decision): right (tp), wrong or spurious (fp), missed (fn)."""
    if predicted and truth and norm(truth) in norm(predicted):
        return Score(tp=1)
    return Score(fp=1 if predicted else 0, fn=1 if truth else 0)


def score_contradictions(entry: dict[str, Any], report: Report) -> Score:
    """Declared fields contradicted as the manifest expects (tp), wrongly (fp), or not (fn)."""
    if "declared" not in entry:
        return Score()
    truth = set(entry.get("contradictions", ()))
    found = {c.field for c in report.verdict.contradictions}
    return Score(tp=len(truth & found), fp=len(found - truth), fn=len(truth - found))


def _declared(entry: dict[str, Any]) -> Declared | None:
    declared = entry.get("declared")
    return Declared(**declared) if declared else None


def audit_entry(path: Path, entry: dict[str, Any]) -> Report:
    """Audit one image with its declared identity under the example policy."""
    return audit(path, declared=_declared(entry), policy=CORPUS / "policy-example.toml")


def evaluate(manifest: dict[str, Any], only: Sequence[str] = ()) -> Result:
    """Audit the images and score every category."""
    result = Result()
    for entry in manifest["image"]:
        name = entry["file"]
        if only and name[:2] not in only:
            continue
        path = CORPUS / "images" / name
        report = audit_entry(path, entry)
        findings = report.findings
        scores = {
            "files": score_files(entry, unpack(path).nodes),
            "endpoints": score_endpoints(entry, findings),
            "sdk": score_sdk(entry, findings),
            "traces": score_traces(entry, findings),
            "oem": score_label(
                entry.get("oem", ""), report.verdict.oem[0].vendor if report.verdict.oem else None
            ),
            "soc": score_label(entry.get("soc", {}).get("vendor", ""), report.verdict.soc),
            "contradictions": score_contradictions(entry, report),
            "decision": score_label(
                entry["decision"], report.decision.outcome.value if report.decision else None
            ),
        }
        result.produced |= _produced(report)
        result.per_image[name] = scores
        for category, score in scores.items():
            result.total[category].add(score)
    return result


def _produced(report: Report) -> set[str]:
    produced = set()
    if any(f.endpoint is not None for f in report.findings):
        produced.add("endpoints")
    if any(f.sdk is not None for f in report.findings):
        produced.add("sdk")
    if any(f.trace is not None for f in report.findings):
        produced.add("traces")
    if report.verdict.oem:
        produced.add("oem")
    if report.verdict.soc:
        produced.add("soc")
    if report.verdict.contradictions:
        produced.add("contradictions")
    if report.decision is not None:
        produced.add("decision")
    return produced


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(result: Result, scores: dict[str, Score] | None = None) -> str:
    """The results as a Markdown table: one row per category."""
    scores = scores or result.total
    lines = ["| category | precision | recall | tp | fp | fn |", "|---|---|---|---|---|---|"]
    for category in CATEGORIES:
        score = scores[category]
        if not result.available(category):
            lines.append(f"| {category} | n/a | n/a | | | |")
            continue
        precision = "n/a" if category in WITHOUT_PRECISION else _cell(score.precision)
        fp = "" if category in WITHOUT_PRECISION else str(score.fp)
        lines.append(f"| {category} | {precision} | {_cell(score.recall)} | {score.tp} | {fp} | {score.fn} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-image", action="store_true", help="also print one table per image")
    parser.add_argument("--only", nargs="*", default=[], metavar="NN", help="image numbers to audit")
    args = parser.parse_args(argv)
    result = evaluate(load_manifest(), args.only)
    if args.per_image:
        for name, scores in result.per_image.items():
            print(f"\n{name}\n\n{table(result, scores)}")
        print()
    print(table(result))
    missing = [c for c in CATEGORIES if not result.available(c)]
    if missing:
        print(
            f"\nn/a: no report produced anything for {', '.join(missing)} yet (the analyzer does not exist)."
        )
    print("files: the manifest lists the paths that must be found, so only recall is measured.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
