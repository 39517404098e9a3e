"""Whether an image could be read well enough to be judged, and if not, why.

An image most of whose bytes nothing explained cannot be cleared: whatever it holds was not seen. The
verdict then says unverifiable, never clean, with a reason a reader can act on: how much was read,
whether the rest looks encrypted or compressed (entropy), and a recognised encryption header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.model import IssueKind

if TYPE_CHECKING:
    from firmware_audit.extract import FileTree

UNVERIFIABLE_BELOW = 0.5
"""An image whose explained share of bytes is below this cannot be judged."""
RANDOM_ENTROPY = 7.5
"""Bits per byte above which unexplained data looks encrypted or compressed, not like code or text."""
_HEADERS = ((b"Salted__", "an OpenSSL enc header (Salted__): the image is encrypted with a password"),)
"""Encryption containers recognised by their first bytes (formats.md 4.2: Foscam images)."""
_ENCRYPTED_ISSUES = frozenset({IssueKind.ENCRYPTED})


def reason(tree: FileTree) -> str | None:
    """Why the image cannot be judged, or None when enough of it was read."""
    coverage = tree.coverage
    if coverage.bytes_total == 0:
        return "the image is empty"
    if coverage.explained_ratio >= UNVERIFIABLE_BELOW:
        return None
    parts = [f"only {coverage.explained_ratio:.0%} of the image could be explained"]
    unexplained = sum(r.image_bytes for r in coverage.unexplained)
    random = sum(r.image_bytes for r in coverage.unexplained if r.entropy >= RANDOM_ENTROPY)
    if unexplained:
        if random >= unexplained / 2:
            top = max(r.entropy for r in coverage.unexplained)
            parts.append(
                f"{random:,} of the {unexplained:,} unread bytes look encrypted or compressed "
                f"(up to {top:.2f} bits per byte)"
            )
        else:
            parts.append(f"{unexplained:,} bytes are in no format the unpacker knows")
    head = tree.read(tree.root, limit=16) if tree.root.size else b""
    parts += [what for magic, what in _HEADERS if head.startswith(magic)]
    encrypted = sum(1 for issue in tree.issues if issue.kind in _ENCRYPTED_ISSUES)
    if encrypted:
        parts.append(f"{encrypted} encrypted members or filesystems were found")
    return "; ".join(parts)
