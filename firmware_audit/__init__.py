"""firmware_audit: static audit of IP-camera, NVR and DVR firmware.

The public API is small: `unpack()` gives the virtual tree of an image and `audit()` the report
(`AuditOptions` says what to do: limits, declared identity, home country, policy, analyzers); a
`Policy` turns a report into a decision (`decide()`, or `audit(..., policy=...)`); a supplier's
declaration (`audit(..., declared=...)`, a `Declared` or a `submission.toml`) is checked against the
evidence. The report's types (`Report`, `Finding`, `Severity`, `Category`, ...) come from
`firmware_audit.model`, which loads no parser.

Importing the package is light: each name below is imported where it is first used, so a tool that
only reads reports never loads the unpacker, LIEF, capstone or YARA.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from firmware_audit._version import __version__

# Bound here, not through `__getattr__`: importing the module `firmware_audit.audit` anywhere would
# otherwise make the package's `audit` that module. The module is light; the back ends load on the
# first call.
from firmware_audit.audit import audit

if TYPE_CHECKING:
    from firmware_audit.declaration import DeclarationError, read_declaration
    from firmware_audit.extract import ContentUnavailableError, FileTree, Limits, Node, unpack
    from firmware_audit.model import (
        Category,
        Declared,
        EndpointRole,
        Evidence,
        Finding,
        Issue,
        IssueKind,
        Location,
        Outcome,
        Report,
        Severity,
        Verdict,
    )
    from firmware_audit.options import AuditOptions
    from firmware_audit.policy import Policy, PolicyError, decide

_WHERE = {
    "AuditOptions": "firmware_audit.options",
    "DeclarationError": "firmware_audit.declaration",
    "read_declaration": "firmware_audit.declaration",
    "ContentUnavailableError": "firmware_audit.extract",
    "FileTree": "firmware_audit.extract",
    "Limits": "firmware_audit.extract",
    "Node": "firmware_audit.extract",
    "unpack": "firmware_audit.extract",
    "Category": "firmware_audit.model",
    "Declared": "firmware_audit.model",
    "EndpointRole": "firmware_audit.model",
    "Evidence": "firmware_audit.model",
    "Finding": "firmware_audit.model",
    "Issue": "firmware_audit.model",
    "IssueKind": "firmware_audit.model",
    "Location": "firmware_audit.model",
    "Outcome": "firmware_audit.model",
    "Report": "firmware_audit.model",
    "Severity": "firmware_audit.model",
    "Verdict": "firmware_audit.model",
    "Policy": "firmware_audit.policy",
    "PolicyError": "firmware_audit.policy",
    "decide": "firmware_audit.policy",
}
"""Where each public name lives: the explicit registry `__getattr__` imports from."""


def __getattr__(name: str) -> object:
    """Import a public name from its module when it is first used (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'firmware_audit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later uses skip this function
    return value


def __dir__() -> list[str]:
    """The public names, for completion in a shell or notebook."""
    return sorted({*globals(), *_WHERE})


__all__ = [
    "AuditOptions",
    "Category",
    "ContentUnavailableError",
    "DeclarationError",
    "Declared",
    "EndpointRole",
    "Evidence",
    "FileTree",
    "Finding",
    "Issue",
    "IssueKind",
    "Limits",
    "Location",
    "Node",
    "Outcome",
    "Policy",
    "PolicyError",
    "Report",
    "Severity",
    "Verdict",
    "__version__",
    "audit",
    "decide",
    "read_declaration",
    "unpack",
]
