"""The audit pipeline: unpack, run the analyzers over every file, and assemble the report."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from firmware_audit._version import __version__
from firmware_audit.analyze import ANALYZERS, Analyzer, FileContext, endpoints, traces, unverifiable
from firmware_audit.analyze.attribution import attribute
from firmware_audit.analyze.sdk import identify_soc, soc_label
from firmware_audit.declaration import read_declaration
from firmware_audit.extract import ContentUnavailableError, FileTree, Limits, unpack
from firmware_audit.extract.containers import containers
from firmware_audit.model import (
    Declared,
    Finding,
    Issue,
    IssueKind,
    Location,
    Report,
    Tool,
    Verdict,
)
from firmware_audit.policy import Policy, decide
from firmware_audit.refdata import used as refdata_used
from firmware_audit.signatures import identity

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

UNVERIFIABLE_BELOW = unverifiable.UNVERIFIABLE_BELOW
"""An image whose explained share of bytes is below this cannot be judged: its verdict is unverifiable."""
MAX_ANALYZED_FILE = 256 * 1024 * 1024
"""Files larger than this are listed but not analysed (an Issue says so): no camera binary comes near it,
and reading one whole would cost its size in memory."""


def audit(
    image: str | os.PathLike[str] | bytes,
    *,
    declared: Declared | str | os.PathLike[str] | None = None,
    limits: Limits | None = None,
    analyzers: Sequence[Analyzer] = ANALYZERS,
    home_country: str | None = None,
    policy: Policy | str | os.PathLike[str] | None = None,
) -> Report:
    """Audit one firmware image and return its report.

    Args:
        image: Path to the image, or its bytes.
        declared: What the supplier declares (vendor, model, country), if known, or the path of its
            `submission.toml`.
        limits: Unpacking limits (defaults are always on).
        analyzers: The per-file analyzers to run (all registered ones by default).
        home_country: ISO code of the buyer's country: endpoints abroad are graded against it. Without
            it, countries are reported but not judged. Defaults to the policy's home country.
        policy: An acceptance policy (or the path of its TOML file): the report then carries its
            decision.

    Raises:
        PolicyError: the policy file cannot be read or is invalid (before any unpacking).
        DeclarationError: the submission file cannot be read or is invalid (before any unpacking).
    """
    if declared is not None and not isinstance(declared, Declared):
        declared, _ = read_declaration(declared)
    if policy is not None and not isinstance(policy, Policy):
        policy = Policy.load(policy)
    limits = limits or Limits()
    tree = unpack(image, limits=limits)
    return report_for(
        tree,
        declared=declared,
        analyzers=analyzers,
        home_country=home_country,
        policy=policy,
        time_budget=limits.time_budget,
    )


def report_for(
    tree: FileTree,
    *,
    declared: Declared | None = None,
    analyzers: Sequence[Analyzer] = ANALYZERS,
    home_country: str | None = None,
    policy: Policy | None = None,
    time_budget: float = Limits().time_budget,
) -> Report:
    """Run the analyzers over an unpacked tree and assemble the report.

    Arguments are as in `audit`; `time_budget` bounds the analysis in wall-clock seconds (files not
    reached in time are counted in an Issue).
    """
    if home_country is None and policy is not None:
        home_country = policy.home_country
    findings, issues = _analyze(tree, analyzers, time_budget)
    findings = traces.finalize(endpoints.finalize(findings, home_country))
    found = attribute(findings, declared)
    report = Report(
        tool=Tool(name="firmware_audit", version=__version__),
        refdata=refdata_used(),
        signatures=identity(),
        image=tree.image,
        declared=declared,
        files=len(tree),
        coverage=tree.coverage,
        containers=containers(tree),
        findings=tuple(findings),
        issues=(*tree.issues, *issues),
        verdict=_with_soc(_verdict(tree), findings).model_copy(
            update={
                "countries": endpoints.countries(findings),
                "endpoint_roles": found.endpoints,
                "oem": found.oem,
                "contradictions": found.contradictions,
            }
        ),
    )
    return report if policy is None else report.model_copy(update={"decision": decide(report, policy)})


def _analyze(
    tree: FileTree, analyzers: Sequence[Analyzer], time_budget: float
) -> tuple[list[Finding], list[Issue]]:
    findings: dict[str, Finding] = {}
    issues: list[Issue] = []
    if not analyzers:
        return [], issues
    # An image nothing could open is still read, as one file: its strings may be all there is.
    nodes = [n for n in tree.files() if n.withheld is None] or [tree.root]
    deadline = time.monotonic() + time_budget
    for index, node in enumerate(nodes):
        if time.monotonic() > deadline:
            message = (
                f"analysis time budget of {time_budget:g} s spent; {len(nodes) - index} files not analysed"
            )
            issues.append(Issue(kind=IssueKind.LIMIT, location=Location(path=node.path), message=message))
            break
        if node.size > MAX_ANALYZED_FILE:
            message = f"not analysed: {node.size} bytes, more than {MAX_ANALYZED_FILE}"
            issues.append(Issue(kind=IssueKind.LIMIT, location=Location(path=node.path), message=message))
            continue
        ctx = FileContext(tree, node)
        for analyzer in analyzers:
            try:
                if not analyzer.applies_to(node):
                    continue
                for finding in analyzer.analyze(ctx):
                    findings.setdefault(finding.id, finding)
            except ContentUnavailableError as exc:
                ctx.issue(IssueKind.PARSER_ERROR, str(exc))
                break
            except Exception as exc:  # noqa: BLE001  (one analyzer failing must not end the audit)
                ctx.issue(
                    IssueKind.ANALYZER_ERROR,
                    f"analyzer {analyzer.name} {analyzer.version} failed: {type(exc).__name__}: {exc}",
                )
        issues.extend(ctx.issues)
    return list(findings.values()), issues


def _verdict(tree: FileTree) -> Verdict:
    why = unverifiable.reason(tree)
    return Verdict() if why is None else Verdict(unverifiable=True, unverifiable_reason=why)


def _with_soc(verdict: Verdict, findings: Sequence[Finding]) -> Verdict:
    """The verdict with the SoC the SDK and chip findings point to."""
    soc = identify_soc(findings)
    return verdict.model_copy(update={"soc": soc_label(soc), "soc_detail": soc})
