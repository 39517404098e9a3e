"""Default accounts: a published user and password pair standing together in a file.

The pairs are the table's default accounts and every user a published default password is published
for (`[[password]]`). A pair counts where its password is a value (the whole string, as in a binary's
string table, or the value of a password-like key: `password=`, `"Passwd":`, `secret:`) and its user
is one in the same or a neighbouring string. A password alone, or one that only appears inside other
text ("port 12345"), is not an account.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    clip,
    has_members,
    source_evidence,
    trace_finding,
)
from firmware_audit.model import Category, Evidence, Location, Severity
from firmware_audit.signatures.traces import Account, signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext, Text
    from firmware_audit.model import Finding

RULE = "credential/default-account"
WINDOW = 2
"""How many strings before and after a password its user may stand in."""
_PAIR = re.compile(
    r"""(?=["'ulnaps])["']?(?P<key>user(?:name)?|name|login|account|pass(?:word|wd)?|pwd|psw|secret)["']?"""
    r"""\s*[=:]\s*["']?(?P<value>[^\s"',;&<>]+)""",
    re.IGNORECASE,
)
"""A key and its value. It opens with what a match can start with (a quote or a key's first letter,
any case): the regular expression engine then tries a match only where one of those stands, which
halves the time over a minified script."""


def _searched() -> tuple[re.Pattern[str], ...]:
    """What this analyzer asks the matching engine for (read when the engine is compiled)."""
    return (_password_places(),)


class DefaultAccountAnalyzer(ContentTrace):
    """Published default user and password pairs (`traces/credentials.toml` accounts) in any file."""

    name: ClassVar[str] = "trace-accounts"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (matching.Patterns("trace-accounts", _searched),)

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per default pair found in this file."""
        if has_members(ctx):
            return
        by_password = _accounts()
        texts = ctx.strings()
        values: dict[int, tuple[set[str], set[str]]] = {}

        def values_of(index: int) -> tuple[set[str], set[str]]:
            # Once a string: a password's string is also searched for its user, and a long one
            # (a minified script) costs milliseconds.
            if index not in values:
                values[index] = _values(texts[index].value)
            return values[index]

        reported: set[tuple[str, str]] = set()
        # A password stands only in a string that is it or gives it as a key's value: the engine names
        # those strings (a superset of them: `_values` decides).
        for index in ctx.candidate_indices(_password_places()):
            # Sorted: set order follows the hash seed, and a report must not.
            for password in sorted(values_of(index)[1] & by_password.keys()):
                for account in by_password[password]:
                    near = range(max(0, index - WINDOW), min(len(texts), index + WINDOW + 1))
                    # One string is never both the user and the password ("root" is no root/root pair).
                    place = next(
                        (
                            i
                            for i in near
                            if account.user in values_of(i)[0] and (i != index or account.user != password)
                        ),
                        None,
                    )
                    pair = (account.user, account.password)
                    if place is not None and pair not in reported:
                        reported.add(pair)
                        yield _finding(ctx, account, texts[place], texts[index])


def _values(value: str) -> tuple[set[str], set[str]]:
    """The users and the passwords a string may hold: the whole string, and the values of its keys."""
    whole = value.strip()
    users, passwords = {whole}, {whole}
    for match in _PAIR.finditer(value):
        key = match.group("key").lower()
        (users if key in {"user", "username", "name", "login", "account"} else passwords).add(
            match.group("value")
        )
    return users, passwords


@cache
def _password_places() -> re.Pattern[str]:
    """Any default password standing as a whole string or as the value after a `=` or `:`.

    Where `_values` can find one: a value (`_PAIR`) starts after the separator, spaces and a quote,
    and runs to the first character it cannot hold.
    """
    passwords = "|".join(re.escape(password) for password in sorted(_accounts()) if password)
    blank = r"|^\s+$" if "" in _accounts() else ""  # a blank string strips to the empty password
    return re.compile(rf"^\s*(?:{passwords})\s*$|[=:]\s*[\"']?(?:{passwords})(?![^\s\"',;&<>]){blank}")


@cache
def _accounts() -> dict[str, list[Account]]:
    """The default accounts by password: the table's, and every user of a published default password."""
    found: dict[str, list[Account]] = defaultdict(list)
    data = signatures()
    known = {(a.user, a.password) for a in data.accounts}
    for account in data.accounts:
        found[account.password].append(account)
    for row in data.passwords:
        for user in row.users:
            if row.password and (user, row.password) not in known:
                service = "published default password"
                account = Account(
                    user=user, password=row.password, service=service, vendor=row.vendor, sources=row.sources
                )
                found[row.password].append(account)
    return found


def _finding(ctx: FileContext, account: Account, user: Text, password: Text) -> Finding:
    owner = account.vendor or "camera firmware (Mirai's list)"
    evidence = [
        source_evidence(ctx, f"default account of {owner}: {account.service}", account.sources),
        Evidence(
            kind="string",
            value=clip(user.value),
            location=Location(path=ctx.node.path, offset=user.offset),
        ),
    ]
    if password is not user:
        evidence.append(
            Evidence(
                kind="string",
                value=clip(password.value),
                location=Location(path=ctx.node.path, offset=password.offset),
            )
        )
    return trace_finding(
        ctx,
        rule=RULE,
        key=f"{account.user}\x00{account.password}",
        kind="default-account",
        category=Category.CREDENTIAL,
        title=f"default account {account.user} / {account.password} of {owner}",
        detail=f"default account {account.user} / {account.password} of {owner} ({account.service})",
        evidence=evidence,
        vendor=account.vendor,
        severity=Severity.HIGH,
        confidence=0.9,
        offset=min(user.offset, password.offset),
    )
