"""The image-level steps: what is decided over all findings of an image, after every file was read.

Each step is an `ImageStep`: it takes the report so far and returns it with its part done. They run
in the order of `IMAGE_STEPS`, so a step may rely on the ones before it (the policy decides on the
finished verdict).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import endpoints, traces
from firmware_audit.analyze.attribution import attribute
from firmware_audit.analyze.observations import one_per_observation
from firmware_audit.analyze.sdk import identify_soc, soc_label
from firmware_audit.policy import decide

if TYPE_CHECKING:
    from firmware_audit.analyze.base import ImageStep
    from firmware_audit.model import Report
    from firmware_audit.options import AuditOptions


class EndpointStep:
    """Link hosts and dnsmasq overrides to the endpoints they pin; grade endpoints by the home country."""

    name: ClassVar[str] = "endpoints"

    def finalize(self, report: Report, options: AuditOptions) -> Report:
        """The report with every endpoint linked and graded, and the servers counted by country."""
        findings = tuple(endpoints.finalize(report.findings, options.home))
        verdict = report.verdict.model_copy(update={"countries": endpoints.countries(findings)})
        return report.model_copy(update={"findings": findings, "verdict": verdict})


class TraceStep:
    """Link private keys to the certificates they belong to; one finding per observation."""

    name: ClassVar[str] = "traces"

    def finalize(self, report: Report, options: AuditOptions) -> Report:  # noqa: ARG002  (the interface's)
        """The report with the trace findings linked, and traces another rule's finding repeats left out."""
        findings = one_per_observation(traces.finalize(report.findings))
        return report.model_copy(update={"findings": tuple(findings)})


class AttributionStep:
    """Rank the makers the evidence points to and compare them with the declared identity."""

    name: ClassVar[str] = "attribution"

    def finalize(self, report: Report, options: AuditOptions) -> Report:  # noqa: ARG002  (the interface's)
        """The report with the OEM candidates, contradictions and servers by country and role."""
        found = attribute(report.findings, report.declared)
        verdict = report.verdict.model_copy(
            update={
                "endpoint_roles": found.endpoints,
                "oem": found.oem,
                "undecided": found.undecided,
                "maker_statement": found.statement,
                "sdk_vendors": found.sdk_vendors,
                "contradictions": found.contradictions,
            }
        )
        return report.model_copy(update={"verdict": verdict})


class SocStep:
    """Name the SoC the SDK families and chip clues point to."""

    name: ClassVar[str] = "soc"

    def finalize(self, report: Report, options: AuditOptions) -> Report:  # noqa: ARG002  (the interface's)
        """The report with the SoC in its verdict."""
        soc = identify_soc(report.findings)
        verdict = report.verdict.model_copy(update={"soc": soc_label(soc), "soc_detail": soc})
        return report.model_copy(update={"verdict": verdict})


class PolicyStep:
    """Apply the acceptance policy, when one is given, to the finished report."""

    name: ClassVar[str] = "policy"

    def finalize(self, report: Report, options: AuditOptions) -> Report:
        """The report with the policy's decision, or as it is without a policy."""
        if options.policy is None:
            return report
        return report.model_copy(update={"decision": decide(report, options.policy)})


IMAGE_STEPS: tuple[ImageStep, ...] = (EndpointStep(), TraceStep(), AttributionStep(), SocStep(), PolicyStep())
"""Every image-level step, in the order they run."""
