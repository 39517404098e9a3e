"""Overrides: what the image does with a host name, from `/etc/hosts` and dnsmasq settings.

A hosts entry (`127.0.0.1 p2p1.cloudlinks.cn`) or a dnsmasq `address=/domain/ip` pins a name to
an address, and a loopback or unspecified address (or dnsmasq's empty one) blackholes it; dnsmasq
`server=/domain/ip` sends the domain's queries to a chosen resolver. The analyzer reports each
pinned public name in the file that pins it, and `link` copies that proof to every other finding of
the same host, so a reader sees the hardcoded server and what the image does with it side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.model import Evidence, Location
from firmware_audit.refdata import addresses

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.model import Finding

HOSTS = "hosts"
DNSMASQ = "dnsmasq"
EVIDENCE_KIND = "override"
_HOSTS_LINE = re.compile(rb"^[ \t]*(?P<ip>[0-9A-Fa-f.:]+)[ \t]+(?P<names>[^#\r\n]+)", re.MULTILINE)
_DNSMASQ_LINE = re.compile(
    rb"^[ \t]*(?P<kind>address|server|local)=/(?P<domains>[^\r\n#]*)/(?P<target>[^\s#/]*)", re.MULTILINE
)
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_BLACKHOLE = frozenset({"loopback", "unspecified"})
_DNSMASQ_KEYS = ("address=", "server=", "local=")
"""dnsmasq rules cover a domain and all its subdomains; hosts entries name one host."""


@dataclass(frozen=True, slots=True)
class Override:
    """One name the image pins or routes.

    Attributes:
        host: The name (lower case).
        target: The address it is pinned to, or the resolver its queries go to ('' when none).
        how: `hosts`, `dnsmasq address` or `dnsmasq server`.
        subdomains: True when the rule also covers every subdomain (dnsmasq).
        line: The line as written.
        offset: Offset of the line in its file.
    """

    host: str
    target: str
    how: str
    subdomains: bool
    line: str
    offset: int

    @property
    def blackholed(self) -> bool:
        """True when the name is sent nowhere: loopback, unspecified, or dnsmasq's empty answer."""
        if self.how == "dnsmasq server":
            return False
        if not self.target:
            return True
        try:
            return addresses.reserved_address(self.target) in _BLACKHOLE
        except ValueError:
            return False

    def describe(self, path: str) -> str:
        """`pinned to 127.0.0.1 (blackholed) by /etc/hosts`."""
        scope = " and its subdomains" if self.subdomains else ""
        if self.how == "dnsmasq server":
            return f"{self.host}{scope}: queries sent to resolver {self.target} by {path}"
        state = " (blackholed)" if self.blackholed else ""
        return f"{self.host}{scope}: pinned to {self.target or 'no address'}{state} by {path}"


def kind_of(path: str) -> str | None:
    """`hosts` for an `/etc/hosts` file, `dnsmasq` for a dnsmasq configuration, else None."""
    name = path.rsplit("/", 1)[-1]
    if name == "hosts" and "/etc/" in path:
        return HOSTS
    if (name.startswith("dnsmasq") and name.endswith(".conf")) or "/dnsmasq.d/" in path:
        return DNSMASQ
    return None


def parse(data: bytes, kind: str) -> list[Override]:
    """The overrides a hosts or dnsmasq file sets, in file order."""
    found: list[Override] = []
    if kind == HOSTS:
        for m in _HOSTS_LINE.finditer(data):
            target = m.group("ip").decode("ascii")
            line = m.group().decode("ascii", "replace").strip()
            for raw in m.group("names").split():
                name = raw.decode("ascii", "replace")
                if _NAME.fullmatch(name):
                    found.append(
                        Override(name.lower(), target, "hosts", subdomains=False, line=line, offset=m.start())
                    )
        return found
    for m in _DNSMASQ_LINE.finditer(data):
        how = "dnsmasq server" if m.group("kind") == b"server" else "dnsmasq address"
        target = m.group("target").decode("ascii", "replace")
        line = m.group().decode("ascii", "replace").strip()
        for raw in m.group("domains").split(b"/"):
            name = raw.decode("ascii", "replace").lstrip(".")
            if _NAME.fullmatch(name):
                found.append(
                    Override(name.lower(), target, how, subdomains=True, line=line, offset=m.start())
                )
    return found


def evidence(item: Override, path: str) -> Evidence:
    """The override as evidence on a finding."""
    return Evidence(
        kind=EVIDENCE_KIND,
        value=item.describe(path),
        location=Location(path=path, offset=item.offset),
        context=item.line,
    )


def link(findings: Sequence[Finding]) -> list[Finding]:
    """Copy the override evidence of every pinned host to the other findings of that host."""
    pins: dict[str, list[Evidence]] = {}
    for finding in findings:
        if finding.endpoint is None:
            continue
        for item in finding.evidence:
            if item.kind == EVIDENCE_KIND and item.location.path == finding.location.path:
                pins.setdefault(finding.endpoint.host, []).append(item)
    if not pins:
        return list(findings)
    linked = []
    for finding in findings:
        found = _pins_for(finding, pins)
        if not found:
            linked.append(finding)
            continue
        title = f"{finding.title}; {found[0].value}"
        linked.append(finding.model_copy(update={"evidence": (*finding.evidence, *found), "title": title}))
    return linked


def _pins_for(finding: Finding, pins: dict[str, list[Evidence]]) -> list[Evidence]:
    if finding.endpoint is None:
        return []
    host = finding.endpoint.host
    labels = host.split(".")
    found: list[Evidence] = []
    for i in range(len(labels)):
        name = ".".join(labels[i:])
        for item in pins.get(name, ()):
            covers = i == 0 or (item.context or "").lstrip().startswith(_DNSMASQ_KEYS)
            if covers and item.location.path != finding.location.path:
                found.append(item)
    return found
