"""firmware_audit: static audit of IP-camera, NVR and DVR firmware.

The public API is small: `unpack()` gives the virtual tree of an image and `audit()` the report.
"""

from firmware_audit._version import __version__
from firmware_audit.extract import ContentUnavailableError, FileTree, Limits, Node, unpack
from firmware_audit.model import Finding, Issue, Report

__all__ = [
    "ContentUnavailableError",
    "FileTree",
    "Finding",
    "Issue",
    "Limits",
    "Node",
    "Report",
    "__version__",
    "unpack",
]
