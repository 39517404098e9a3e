"""Account databases (passwd, shadow): published hashes, empty passwords, vendor login shells.

A password field is compared with the published hashes of `traces/credentials.toml` as a string: the
auditor never tries passwords (no cracking, not even of the known plaintexts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.traces._common import clip, file_name, source_evidence, trace_finding
from firmware_audit.model import Category, Evidence, Location, Severity
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding

RULE_HASH = "credential/known-hash"
RULE_EMPTY = "credential/no-password"
RULE_SHELL = "trace/vendor-shell"
NAMES = frozenset({"passwd", "shadow", "passwd-", "shadow-", "master.passwd"})
MAX_SIZE = 1 << 20
"""Larger files are not account databases."""
MAX_LINES = 10_000


class AccountDatabaseAnalyzer:
    """passwd and shadow files: one finding per account and kind of problem."""

    name: ClassVar[str] = "trace-passwd"
    version: ClassVar[str] = "1.0"

    def applies_to(self, node: Node) -> bool:
        """Files named like an account database, of a plausible size."""
        return node.path.rsplit("/", 1)[-1] in NAMES and 0 < node.size <= MAX_SIZE

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """Findings for the accounts of one passwd or shadow file."""
        is_shadow = file_name(ctx).startswith("shadow")
        offset = 0
        for number, raw in enumerate(ctx.data().split(b"\n")[:MAX_LINES], start=1):
            line = raw.decode("utf-8", "replace").rstrip("\r")
            fields = line.split(":")
            if len(fields) >= (2 if is_shadow else 7) and fields[0] and not line.startswith("#"):
                yield from _account(ctx, fields, line, number, offset, is_shadow=is_shadow)
            offset += len(raw) + 1


def _account(
    ctx: FileContext, fields: list[str], line: str, number: int, offset: int, *, is_shadow: bool
) -> Iterator[Finding]:
    user, password = fields[0], fields[1]
    data = signatures()
    here = Evidence(
        kind="account", value=clip(line), location=Location(path=ctx.node.path, offset=offset), context=None
    )
    known = data.known_hash(password) if password else None
    if known is not None:
        owner = known.vendor or "a Chinese camera firmware family"
        yield trace_finding(
            ctx,
            rule=RULE_HASH,
            key=user,
            kind="credential-hash",
            category=Category.CREDENTIAL,
            title=f"{user} password hash of {owner} firmware (published password {known.plaintext!r})",
            detail=(
                f"{user} has the published {known.scheme} hash {known.hash} of {owner} firmware, whose "
                f"password is {known.plaintext!r} (line {number})"
            ),
            evidence=(source_evidence(ctx, f"{known.scheme} hash of {owner}", known.sources), here),
            vendor=known.vendor,
            vendor_country=known.country,
            severity=Severity.HIGH,
            confidence=1.0,
            offset=offset,
        )
    elif password == "":
        yield trace_finding(
            ctx,
            rule=RULE_EMPTY,
            key=user,
            kind="no-password",
            category=Category.CREDENTIAL,
            title=f"{user} has no password",
            detail=f"{user} logs in without a password ({'shadow' if is_shadow else 'passwd'} line {number})",
            evidence=(here,),
            severity=Severity.HIGH if user == "root" or fields[2:3] == ["0"] else Severity.MEDIUM,
            confidence=1.0,
            offset=offset,
        )
    if is_shadow:
        return
    shell = next((s for s in data.shells if s.path == fields[6].strip()), None)
    if shell is not None:
        yield trace_finding(
            ctx,
            rule=RULE_SHELL,
            key=user,
            kind="restricted-shell",
            category=Category.CREDENTIAL,
            title=f"{user} logs in to {shell.path}, {shell.what}",
            detail=f"{user} logs in to {shell.path}: {shell.what} (line {number})",
            evidence=(source_evidence(ctx, f"shell {shell.path}", shell.sources), here),
            vendor=shell.vendor,
            offset=offset,
        )
