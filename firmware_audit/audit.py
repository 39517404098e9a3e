"""The one entry point of an audit: an image, or its unpacked tree, and options in; a report out.

The command line, the batch workers and the notebook helpers all call `audit`; nothing else assembles
a report. This module is light: the unpacker and analyzers (`firmware_audit.pipeline`) load on the
first call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from firmware_audit.analyze.base import Analyzer
    from firmware_audit.extract import FileTree, Limits
    from firmware_audit.model import Declared, Report
    from firmware_audit.options import AuditOptions
    from firmware_audit.policy import Policy


def audit(
    subject: str | os.PathLike[str] | bytes | FileTree,
    options: AuditOptions | None = None,
    *,
    declared: Declared | str | os.PathLike[str] | None = None,
    limits: Limits | None = None,
    analyzers: Sequence[Analyzer] | None = None,
    home_country: str | None = None,
    policy: Policy | str | os.PathLike[str] | None = None,
    jobs: int | None = None,
) -> Report:
    """Audit one firmware image and return its report.

    Args:
        subject: Path to the image, its bytes, or its tree as `unpack` gave it.
        options: What the audit is asked to do (`AuditOptions`); the defaults when None.
        declared: Shorthand for the option (a `Declared` or the path of a `submission.toml`).
        limits: Shorthand for the option; `limits.time_budget` bounds unpacking and analysis together.
        analyzers: Shorthand for the option: the per-file analyzers to run.
        home_country: Shorthand for the option: the buyer's ISO country code.
        policy: Shorthand for the option (a `Policy` or the path of its TOML file).
        jobs: Shorthand for the option: processes that analyse the contents.

    Each shorthand given replaces that field of `options`.

    Raises:
        PolicyError: the policy file cannot be read or is invalid (before any unpacking).
        DeclarationError: the submission file cannot be read or is invalid (before any unpacking).
    """
    # The back ends load here, on first use, so that `import firmware_audit` stays light.
    from firmware_audit.options import AuditOptions  # noqa: PLC0415
    from firmware_audit.pipeline import run  # noqa: PLC0415

    opts = (options or AuditOptions()).with_(
        declared=declared,
        limits=limits,
        analyzers=analyzers,
        home_country=home_country,
        policy=policy,
        jobs=jobs,
    )
    return run(subject, opts)
