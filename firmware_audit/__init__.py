"""firmware_audit: static audit of IP-camera, NVR and DVR firmware.

The public API is small: `unpack()` gives the virtual tree of an image and `audit()` the report;
a `Policy` turns a report into a decision (`decide()`, or `audit(..., policy=...)`); a supplier's
declaration (`audit(..., declared=...)`, a `Declared` or a `submission.toml`) is checked against the
evidence.
"""

from firmware_audit._version import __version__
from firmware_audit.audit import audit
from firmware_audit.declaration import DeclarationError, read_declaration
from firmware_audit.extract import ContentUnavailableError, FileTree, Limits, Node, unpack
from firmware_audit.model import Finding, Issue, Report
from firmware_audit.policy import Policy, PolicyError, decide

__all__ = [
    "ContentUnavailableError",
    "DeclarationError",
    "FileTree",
    "Finding",
    "Issue",
    "Limits",
    "Node",
    "Policy",
    "PolicyError",
    "Report",
    "__version__",
    "audit",
    "decide",
    "read_declaration",
    "unpack",
]
