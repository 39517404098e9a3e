"""Account databases (passwd, shadow): published hashes and passwords, empty passwords, login shells.

A password field is first compared with the published hashes of `traces/credentials.toml` as a string,
then tested offline against the published default passwords of the same table (`crack`): the password
found and where it is published are the evidence. A hash that is no published default is still
reported, with its scheme and salt (the same hash in two products is a lineage of its own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.traces._common import clip, file_name, left_out, source_evidence, trace_finding
from firmware_audit.analyze.traces.crack import crack, salt_of, scheme_of
from firmware_audit.model import Category, Evidence, IssueKind, Location, Severity
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding

RULE_HASH = "credential/known-hash"
RULE_EMPTY = "credential/no-password"
RULE_SHELL = "trace/vendor-shell"
RULE_CRACKED = "credential/published-password"
RULE_UNKNOWN = "credential/password-hash"
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
        lines = ctx.data().split(b"\n")
        if len(lines) > MAX_LINES:
            ctx.issue(IssueKind.LIMIT, left_out("account database", len(lines), "lines", MAX_LINES, "read"))
        for number, raw in enumerate(lines[:MAX_LINES], start=1):
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
    elif password and scheme_of(password) is not None:
        yield _hash_finding(ctx, user, password, here, number, offset)
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


def _hash_finding(  # noqa: PLR0917  (the account's line, like the other findings here)
    ctx: FileContext, user: str, password: str, here: Evidence, number: int, offset: int
) -> Finding:
    """The published password a hash is, or the hash as it is when it is none."""
    scheme, salt = scheme_of(password) or "crypt", salt_of(password)
    found = crack(password)
    if found is None:
        return trace_finding(
            ctx,
            rule=RULE_UNKNOWN,
            key=user,
            kind="password-hash",
            category=Category.CREDENTIAL,
            title=f"{user} password hash ({scheme}, salt {salt!r}) is no published default",
            detail=f"{user} has the {scheme} hash {password} (salt {salt!r}, line {number}); "
            "none of the published default passwords matches it",
            evidence=(here,),
            severity=Severity.INFO,
            confidence=1.0,
            offset=offset,
        )
    owner = found.vendor or "no maker (a generic default)"
    doubt = f", low confidence: {found.note}" if found.low_confidence else ""
    shown = found.password or "(empty)"
    return trace_finding(
        ctx,
        rule=RULE_CRACKED,
        key=user,
        kind="credential-hash",
        category=Category.CREDENTIAL,
        title=f"{user} password is the published default {shown!r} ({owner})",
        detail=(
            f"{user} has the {scheme} hash {password} of the published default password {shown!r} "
            f"(line {number}; published for {owner}{doubt})"
        ),
        evidence=(source_evidence(ctx, f"published password {shown!r} of {owner}", found.sources), here),
        vendor=found.vendor or None,
        severity=Severity.HIGH,
        confidence=0.6 if found.low_confidence else 1.0,
        offset=offset,
    )
