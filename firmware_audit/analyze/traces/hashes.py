"""Password hashes outside the account databases: crypt hashes and "sofia" digests in any file.

Programs and configuration files carry password hashes too (a default account in a config, a telnet
password compiled into a daemon, an RTSP URL template with a digest). Each is tested offline against
the published default passwords (`crack`); a crypt hash that is no published default is reported as it
is, and an 8-character token is reported only when it is the sofia digest of a published password
(`tlJwpbo6`, the digest of the empty password). The passwd and shadow files are the `passwd` analyzer's.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    clip,
    file_name,
    has_members,
    left_out,
    source_evidence,
    trace_finding,
)
from firmware_audit.analyze.traces.crack import CRYPT_HASH, crack, salt_of, scheme_of, sofia_digests
from firmware_audit.analyze.traces.passwd import NAMES
from firmware_audit.model import Category, Evidence, IssueKind, Location, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding

RULE = "credential/embedded-hash"
MAX_HASHES = 8
"""Crypt hashes of one file tested (each costs up to a few milliseconds per published password)."""


def _searched() -> tuple[re.Pattern[str], ...]:
    """What this analyzer asks the matching engine for (read when the engine is compiled)."""
    return (CRYPT_HASH, _tokens())


class EmbeddedHashAnalyzer(ContentTrace):
    """Crypt hashes and sofia digests in programs and configuration files."""

    name: ClassVar[str] = "trace-hashes"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (matching.Patterns("trace-hashes", _searched),)

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per hash found in this file."""
        if has_members(ctx) or file_name(ctx) in NAMES:
            return
        seen: set[str] = set()
        skipped: set[str] = set()
        for text in ctx.candidates(CRYPT_HASH):
            for match in CRYPT_HASH.finditer(text.value):
                value = match.group()
                if value in seen:
                    continue
                if len(seen) >= MAX_HASHES:
                    skipped.add(value)
                    continue
                seen.add(value)
                yield _crypt(ctx, value, text.value, text.offset)
        if skipped:
            count = len(seen) + len(skipped)
            ctx.issue(
                IssueKind.LIMIT,
                left_out("embedded hashes", count, "crypt hashes", MAX_HASHES, "tested and reported"),
            )
        digests = sofia_digests()
        data = ctx.data()
        # A token is a printable run of its own, so it stands in one of the file's (narrow) strings.
        found = {
            match.group(): text.offset + match.start()
            for text in ctx.candidates(_tokens())
            if not text.wide
            for match in _tokens().finditer(text.value)
        }
        for token, offset in sorted(found.items()):
            row = digests[token]
            shown = row.password or "(empty)"
            yield trace_finding(
                ctx,
                rule=RULE,
                key=f"sofia\x00{token}",
                kind="credential-hash",
                category=Category.CREDENTIAL,
                title=f"sofia digest {token} of the published password {shown!r}",
                detail=f"sofia digest {token} (Xiongmai and Dahua's password digest) of the published "
                f"password {shown!r}",
                evidence=(
                    Evidence(
                        kind="string",
                        value=clip(data[max(0, offset - 60) : offset + 68].decode("ascii", "replace"), 200),
                        location=Location(path=ctx.node.path, offset=offset),
                        context="; ".join(row.sources),
                    ),
                ),
                severity=Severity.MEDIUM,
                confidence=0.8,
                offset=offset,
            )


@cache
def _tokens() -> re.Pattern[str]:
    """The sofia digest of a published password, standing as a token of its own."""
    digests = "|".join(re.escape(digest) for digest in sorted(sofia_digests()))
    return re.compile(rf"(?<![0-9A-Za-z])(?:{digests})(?![0-9A-Za-z])")


def _crypt(ctx: FileContext, value: str, context: str, offset: int) -> Finding:
    scheme, salt = scheme_of(value) or "crypt", salt_of(value)
    row = crack(value)
    here = Evidence(
        kind="string", value=clip(context, 300), location=Location(path=ctx.node.path, offset=offset)
    )
    if row is None:
        title = f"{scheme} password hash (salt {salt!r}) is no published default"
        return trace_finding(
            ctx,
            rule=RULE,
            key=value,
            kind="password-hash",
            category=Category.CREDENTIAL,
            title=title,
            detail=f"{title}: {value}",
            evidence=(here,),
            severity=Severity.INFO,
            confidence=1.0,
            offset=offset,
        )
    shown = row.password or "(empty)"
    owner = row.vendor or "no maker (a generic default)"
    title = f"{scheme} hash of the published default password {shown!r} ({owner})"
    return trace_finding(
        ctx,
        rule=RULE,
        key=value,
        kind="credential-hash",
        category=Category.CREDENTIAL,
        title=title,
        detail=f"{title}: {value}",
        evidence=(here, source_evidence(ctx, f"published password {shown!r} of {owner}", row.sources)),
        vendor=row.vendor or None,
        severity=Severity.HIGH,
        confidence=0.6 if row.low_confidence else 1.0,
        offset=offset,
    )
