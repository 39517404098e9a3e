"""The steps of an audit, in order: unpack, analyse, merge, finish.

Unpack the image, analyse each distinct content once, merge the findings per subject, and let the
image-level steps finish the report. `firmware_audit.audit` is its entry point.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from firmware_audit._version import __version__
from firmware_audit.extract import FileTree, Limits, unpack
from firmware_audit.extract.ahead import ReadAhead
from firmware_audit.extract.containers import containers
from firmware_audit.extract.coverage import summarise
from firmware_audit.model import Report, Tool, Verdict
from firmware_audit.refdata import used as refdata_used
from firmware_audit.signatures import identity

if TYPE_CHECKING:
    import os

    from firmware_audit.options import AuditOptions


def run(subject: str | os.PathLike[str] | bytes | FileTree, options: AuditOptions) -> Report:
    """Audit an image (path or bytes) or an unpacked tree with these options (see `audit`)."""
    started = time.monotonic()
    limits = options.limits or Limits()
    tree = subject if isinstance(subject, FileTree) else unpack(subject, limits=limits)
    ahead = ReadAhead(tree)
    try:
        # The analyzers load (on the first audit of a process) while the files' contents decode.
        from firmware_audit.analyze import ANALYZERS, IMAGE_STEPS  # noqa: PLC0415
        from firmware_audit.analyze.merge import merge  # noqa: PLC0415
        from firmware_audit.analyze.run import analyze_tree  # noqa: PLC0415
        from firmware_audit.analyze.unverifiable import reason  # noqa: PLC0415

        analyzers = ANALYZERS if options.analyzers is None else tuple(options.analyzers)
        analysed = analyze_tree(
            tree, analyzers, deadline=started + limits.time_budget, jobs=options.jobs, ahead=ahead
        )
    finally:
        ahead.stop()
    why = reason(tree)
    coverage, summarised = summarise(tree.coverage)
    report = Report(
        tool=Tool(name="firmware_audit", version=__version__),
        refdata=refdata_used(),
        signatures=identity(),
        image=tree.image,
        declared=options.declared,
        files=len(tree),
        # sorted here: `model_copy` runs no validator
        coverage=coverage.model_copy(
            update={
                "rejected": dict(sorted(analysed.rejected.items())),
                "passed_over": dict(sorted(analysed.passed_over.items())),
            }
        ),
        containers=containers(tree),
        findings=tuple(merge(analysed.findings)),
        issues=(*tree.issues, *analysed.issues, *summarised),
        verdict=Verdict() if why is None else Verdict(unverifiable=True, unverifiable_reason=why),
    )
    for step in IMAGE_STEPS:
        report = step.finalize(report, options)
    return report
