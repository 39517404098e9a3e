"""The endpoint analyzer: every server a file names, its role, country and operator, with proof.

Per file: each candidate expression runs over the stretches of the bytes (Latin-1, so that positions
are offsets) and the UTF-16LE strings where the matching engine says it can match (`gate`), P2P init
strings decoded, device IDs recognised; `/etc/hosts` and dnsmasq files are read as overrides
instead, with dnsmasq's upstream resolvers as servers. A container whose members were unpacked is
read through its members: only its unexplained regions (below `MAX_GAP_ENTROPY`) are scanned itself.
Occurrences are grouped into one finding per endpoint (and per reference use) with every occurrence
as evidence, up to `MAX_EVIDENCE`; a file with more than `MAX_ENDPOINTS` endpoints gets an Issue.
Severity here does not know the audit's home country; `finalize` grades it for the report.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.context import MIN_STRING
from firmware_audit.analyze.endpoints import context, extract, gate, overrides, p2p, role, severity, validate
from firmware_audit.analyze.endpoints.extract import Candidate
from firmware_audit.analyze.endpoints.geo import Place, locate
from firmware_audit.extract.formats.linux import RAW_KERNEL
from firmware_audit.model import (
    Category,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Evidence,
    Finding,
    IssueKind,
    Location,
    Severity,
    TracePayload,
)
from firmware_audit.refdata import domains
from firmware_audit.signatures.endpoints import EndpointData, VendorEndpoint, endpoint_data

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from firmware_audit.analyze import matching
    from firmware_audit.analyze.code import CodeView
    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node

MAX_ENDPOINTS = 256
"""Distinct endpoints reported per file; beyond that the file is noise or a list, and an Issue says so."""
MAX_EVIDENCE = 16
"""Occurrences shown per finding; the rest are counted."""
MAX_GAP_ENTROPY = 7.2
"""Unexplained container bytes above this entropy are compressed or encrypted: strings there are chance."""
_LOW_CONFIDENCE = 0.7
"""Factor on a finding's confidence when the vendor row behind it rests on indirect sources only."""
_CONTEXT = 80
_CODE_LOOKUPS = 4
_REACH = 400
_RUN_AFTER = re.compile(rf"[\x20-\x7e\t]{{0,{_REACH}}}")
_TEXT_PROBE = 4096
_SOURCE_SUFFIXES = frozenset(
    {"js", "mjs", "ts", "py", "lua", "php", "java", "c", "h", "cc", "cpp", "rb", "pl", "go", "css"}
)
"""Source code: a dotted word outside quotes there is an identifier (`window.open`), not a host."""
_UTF16_GATE = re.compile(rb"[.@:-]\x00[\x20-\x7e]\x00")
"""Where UTF-16LE text can hold an endpoint or device ID (a dot, `@`, `:` or `-` before a character)."""
_UTF16_AFTER = re.compile(rb"(?:[\x20-\x7e]\x00){0,2048}")
_UTF16_REACH = 2048

RULE_SERVER = "endpoint/hardcoded"
RULE_DECODED = "endpoint/p2p-init-string"
RULE_REFERENCE = "endpoint/reference"
RULE_RESERVED = "endpoint/reserved"
RULE_OVERRIDE = "endpoint/override"
RULE_DEVICE_ID = "trace/p2p-device-id"


@dataclass(frozen=True, slots=True)
class _Seen:
    """One occurrence of an endpoint in the file."""

    candidate: Candidate
    offset: int
    string_offset: int
    clues: role.Clues
    context: str
    reference: str | None
    reserved: str | None
    vendor: VendorEndpoint | None
    decoded: p2p.InitString | None = None
    override: overrides.Override | None = None


@dataclass
class _File:
    """What one file yields, gathered before findings are built."""

    ctx: FileContext
    data: EndpointData
    is_text: bool
    is_code: bool = False
    code_failed: bool = False
    seen: dict[tuple[str, bool], list[_Seen]] = field(default_factory=dict)
    ids: dict[str, list[tuple[p2p.DeviceId, int, str]]] = field(default_factory=dict)
    rejected: Counter[str] = field(default_factory=Counter)
    facts: context.FileFacts = field(init=False)
    vendors: dict[str, VendorEndpoint | None] = field(default_factory=dict)
    """The vendor row of each host met in the file (a script names `this.element` a hundred times)."""

    def __post_init__(self) -> None:
        node = self.ctx.node
        kernel = node.format == RAW_KERNEL.name or node.name.endswith(b".ko")
        self.facts = context.FileFacts(self.path, self.is_text, is_kernel=kernel)

    @property
    def path(self) -> str:
        return self.ctx.node.path

    # -- gathering -------------------------------------------------------------------------------

    def scan(
        self, text: str, ranges: extract.Ranges, *, printable: bytes, base: int = 0, width: int = 1
    ) -> None:
        """Look for endpoints, init strings and device IDs in `text`, each where `ranges` says.

        `printable` is `gate.printable` of `text`'s characters, one byte each.
        """
        for candidate in extract.scan(text, ranges=ranges):
            self.candidate(candidate, text, printable, base=base, width=width)
        for lo, hi in ranges.get(p2p.INIT_STRING, ()):
            for init in p2p.init_strings(text, lo, hi):
                self.init_string(init, text, printable, base=base, width=width)
        for lo, hi in ranges.get(p2p.DEVICE_ID, ()):
            for device in p2p.device_ids(text, lo, hi):
                line = self._line(text, printable, device.start, device.end)
                self.ids.setdefault(device.text, []).append((device, base + device.start * width, line))

    def candidate(
        self,
        c: Candidate,
        text: str,
        printable: bytes,
        *,
        base: int,
        width: int,
        decoded: p2p.InitString | None = None,
    ) -> None:
        before, after, run_start, line_start = self._around(text, printable, c.start, c.end)
        host = c.host.lower()
        if host in self.vendors:
            vendor = self.vendors[host]
        else:
            vendor = self.vendors[host] = self.data.vendor(host)
        facts = self.facts
        run_end = c.end + len(after)
        around = context.Around(before, after, text[run_end : run_end + 1], run_end - run_start)
        why_not = None if vendor or decoded else context.noise(c.kind, host, around, facts)
        verdict = (
            validate.Verdict(endpoint=False, reason=why_not)
            if why_not
            else self._verdict(c, host, before, after, vendor, decoded=decoded is not None)
        )
        if not verdict.endpoint:
            self.rejected[verdict.reason or "not an endpoint"] += 1
            return
        # The lines before are read only for what is kept (most candidates are not).
        window = self._window(text, line_start) if self.is_text else ""
        clues = role.Clues(
            before=before,
            window=window,
            file_name=self.ctx.node.name.decode("utf-8", "replace"),
            decoded=decoded is not None,
        )
        lines = context.Around(before, after, around.end, around.run, window.replace("\n", " "))
        reference = (
            None
            if decoded
            else role.reference(c, clues, self.data)
            or context.reference(c.kind, lines, facts, reserved=verdict.reserved is not None)
        )
        seen = _Seen(
            candidate=c if c.host == host else _lowered(c),
            offset=base + c.start * width,
            string_offset=base + run_start * width,
            clues=clues,
            context=_snippet(before, c.value, after),
            reference=reference,
            reserved=verdict.reserved,
            vendor=vendor,
            decoded=decoded,
        )
        self.seen.setdefault((host, reference is not None), []).append(seen)

    def init_string(
        self, init: p2p.InitString, text: str, printable: bytes, *, base: int, width: int
    ) -> None:
        for server in init.servers:
            host = server.strip().lower()
            found = extract.scan(host)
            if len(found) != 1 or found[0].host != host:
                continue
            c = found[0]
            self.candidate(
                Candidate(c.kind, server, host, c.port, init.start, init.end),
                text,
                printable,
                base=base,
                width=width,
                decoded=init,
            )

    def override(self, item: overrides.Override) -> None:
        verdict = validate.check_host(item.host, bare=False)
        if not verdict.endpoint:
            return
        c = Candidate(EndpointKind.HOSTNAME, item.host, item.host, None, 0, 0)
        seen = _Seen(
            candidate=c,
            offset=item.offset,
            string_offset=item.offset,
            clues=role.Clues(),
            context=item.line,
            reference=None,
            reserved=verdict.reserved,
            vendor=self.data.vendor(item.host),
            override=item,
        )
        self.seen.setdefault((item.host, False), []).append(seen)

    def _verdict(
        self,
        c: Candidate,
        host: str,
        before: str,
        after: str,
        vendor: VendorEndpoint | None,
        *,
        decoded: bool,
    ) -> validate.Verdict:
        if c.is_ip:
            if ":" in host and not validate.plausible_ipv6(c.host):
                return validate.NOISE
            if vendor is not None or decoded or c.kind is EndpointKind.URL:
                return validate.check_address(host, known=True, line_before=before)
            return validate.check_address(
                host, line_before=before, line_after=after, version_file=self.facts.holds_version
            )
        if vendor is not None:
            return validate.Verdict(endpoint=True)
        if c.built and c.kind is EndpointKind.HOSTNAME:
            return validate.check_built(c.value.lstrip(".").partition(":")[0])
        return validate.check_host(
            c.host,
            bare=c.kind is EndpointKind.HOSTNAME and not decoded and not c.built,
            before=before,
            after=after,
            code=self.is_code,
        )

    @staticmethod
    def _around(text: str, printable: bytes, start: int, end: int) -> tuple[str, str, int, int]:
        """Printable text before and after a match on its line, where its string and its line start.

        The string reaches back `_REACH` characters at most; where it starts is found in the map of
        printable characters, in C (a whole script is one run: a test per character costs).
        """
        reach = max(0, start - _REACH)
        run_start = max(reach, printable.rfind(b"\0", reach, start) + 1)
        line_start = max(run_start, text.rfind("\n", run_start, start) + 1)
        line_start = max(line_start, text.rfind("\r", line_start, start) + 1)
        after_match = _RUN_AFTER.match(text, end)
        after = after_match.group() if after_match else ""
        return text[line_start:start], after, run_start, line_start

    @staticmethod
    def _line(text: str, printable: bytes, start: int, end: int) -> str:
        before, after, _, _ = _File._around(text, printable, start, end)
        return _snippet(before, text[start:end], after)

    @staticmethod
    def _window(text: str, line_start: int) -> str:
        """Up to three lines before the line (the section an endpoint sits in, in a text file)."""
        chunk = text[max(0, line_start - 300) : line_start]
        return "\n".join(chunk.splitlines()[-3:])

    # -- findings --------------------------------------------------------------------------------

    def findings(self) -> Iterator[Finding]:
        groups = sorted(self.seen.items(), key=lambda item: _priority(item[1]))
        if len(groups) > MAX_ENDPOINTS:
            self.ctx.issue(
                IssueKind.LIMIT,
                f"{len(groups)} distinct endpoints in one file; the first {MAX_ENDPOINTS} "
                "(servers before references and reserved addresses) are reported",
            )
            groups = groups[:MAX_ENDPOINTS]
        for (host, is_reference), seen in groups:
            yield self._finding(host, is_reference, sorted(seen, key=lambda s: s.offset))
        for text, places in self.ids.items():
            yield self._device_id(text, places)
        self.ctx.rejected.update({f"endpoint: {why}": n for why, n in self.rejected.items()})

    def _finding(self, host: str, is_reference: bool, seen: list[_Seen]) -> Finding:
        first = seen[0]
        reserved = first.reserved
        vendor = first.vendor
        functions = self._functions(seen) if not (is_reference or reserved) else {}
        if is_reference:
            chosen = role.Role(EndpointRole.REFERENCE, role.Strength.CONTEXT, first.reference or "reference")
        else:
            split = None if first.candidate.is_ip else domains.split(host)
            chosen = role.merge(
                role.classify(
                    s.candidate,
                    _with_function(s.clues, functions.get(s.string_offset)),
                    vendor,
                    split.registered if split else None,
                )
                for s in seen
            )
        place = Place()
        if not (is_reference or reserved):
            place = locate(
                host,
                is_ip=first.candidate.is_ip,
                vendor_country=vendor.country if vendor else None,
                data=self.data,
            )
        payload = EndpointPayload(
            value=_best(seen).candidate.value,
            kind=_best(seen).candidate.kind,
            host=host,
            port=next((s.candidate.port for s in seen if s.candidate.port), None)
            or (vendor.port if vendor and vendor.exact else None),
            role=chosen.role,
            country=place.country,
            country_basis=place.basis,
            operator=place.operator,
            operator_country=place.operator_country,
            vendor=vendor.vendor if vendor else None,
            reserved=reserved,
        )
        rule = _rule(seen, is_reference=is_reference, reserved=reserved)
        location = Location(path=self.path, offset=first.offset)
        return Finding(
            id=Finding.fingerprint(rule, Location(path=self.path), f"{host}\x00{is_reference}"),
            category=Category.ENDPOINT,
            rule=rule,
            title=_title(payload, first),
            severity=severity.grade(payload, None),
            confidence=_confidence(chosen, is_reference=is_reference)
            * (_LOW_CONFIDENCE if vendor and vendor.low_confidence and not is_reference else 1.0),
            location=location,
            evidence=tuple(self._evidence(seen, chosen, vendor, place, functions)),
            endpoint=payload,
        )

    def _functions(self, seen: list[_Seen]) -> dict[int, tuple[str, ...]]:
        """String offset -> (function using it, functions it calls), for the first occurrences."""
        if not self.ctx.is_elf or self.code_failed:
            return {}
        code = self.ctx.code()
        if code is None:
            return {}
        found: dict[int, tuple[str, ...]] = {}
        for s in seen[:_CODE_LOOKUPS]:
            if s.string_offset in found:
                continue
            try:
                names = _users(code, s.string_offset)
            except Exception as exc:  # noqa: BLE001  (a hostile ELF must not cost the file its endpoints)
                self.code_failed = True
                self.ctx.issue(
                    IssueKind.ANALYZER_ERROR,
                    f"the code using the string could not be found: {type(exc).__name__}: {exc}",
                    s.string_offset,
                )
                return found
            if names:
                found[s.string_offset] = names
        return found

    def _evidence(
        self,
        seen: list[_Seen],
        chosen: role.Role,
        vendor: VendorEndpoint | None,
        place: Place,
        functions: dict[int, tuple[str, ...]],
    ) -> Iterator[Evidence]:
        for s in seen[:MAX_EVIDENCE]:
            where = Location(path=self.path, offset=s.offset)
            if s.decoded is not None:
                yield Evidence(
                    kind="p2p-init-string",
                    value=s.decoded.text,
                    location=where,
                    context=s.decoded.description,
                )
            elif s.override is not None:
                yield overrides.evidence(s.override, self.path)
            elif s.candidate.built:
                context = f"{s.candidate.built}: {s.context}"
                yield Evidence(kind="pattern", value=s.candidate.value, location=where, context=context)
            else:
                yield Evidence(kind="string", value=s.candidate.value, location=where, context=s.context)
        if len(seen) > MAX_EVIDENCE:
            yield Evidence(
                kind="more",
                value=f"{len(seen) - MAX_EVIDENCE} more occurrences",
                location=Location(path=self.path, offset=seen[MAX_EVIDENCE].offset),
            )
        first = Location(path=self.path, offset=seen[0].offset)
        shown: set[str] = set()
        for offset, names in functions.items():
            if names[0] in shown:
                continue
            shown.add(names[0])
            calls = f"; it calls {', '.join(names[1:9])}" if len(names) > 1 else ""
            yield Evidence(
                kind="code-reference",
                value=names[0],
                location=Location(path=self.path, offset=offset),
                context=f"the string is used by {names[0]}{calls}",
            )
        if vendor is not None:
            yield _vendor_evidence(vendor, first)
        geo = place.evidence(self.path, seen[0].offset)
        if geo is not None:
            yield geo
        yield Evidence(kind="role", value=f"{chosen.role.value}: {chosen.basis}", location=first)

    def _device_id(self, text: str, places: list[tuple[p2p.DeviceId, int, str]]) -> Finding:
        device = places[0][0]
        prefix = self.data.uid_prefixes.get(device.prefix)
        if prefix is not None:
            detail = (
                f"P2P device ID {text}: prefix {device.prefix} is {prefix.vendor} on {prefix.network} "
                f"(apps: {prefix.apps})"
            )
        else:
            detail = f"P2P device ID {text}: prefix {device.prefix} is not in the prefix table"
        evidence = [
            Evidence(
                kind="string", value=text, location=Location(path=self.path, offset=offset), context=line
            )
            for _, offset, line in places[:MAX_EVIDENCE]
        ]
        if prefix is not None:
            evidence.append(
                Evidence(
                    kind="signature",
                    value=f"uid prefix {prefix.prefix}",
                    location=Location(path=self.path, offset=places[0][1]),
                    context=prefix.source,
                )
            )
        rule = RULE_DEVICE_ID
        return Finding(
            id=Finding.fingerprint(rule, Location(path=self.path), text),
            category=Category.REBRANDING,
            rule=rule,
            title=f"P2P device ID {text}" + (f" ({prefix.vendor})" if prefix else ""),
            severity=Severity.LOW if prefix else Severity.INFO,
            confidence=0.9 if prefix else 0.5,
            location=Location(path=self.path, offset=places[0][1]),
            evidence=tuple(evidence),
            trace=TracePayload(
                kind="uid-prefix",
                vendor=prefix.vendor if prefix else None,
                vendor_country=prefix.country if prefix else None,
                detail=detail,
            ),
        )


def _vendor_evidence(vendor: VendorEndpoint, where: Location) -> Evidence:
    """What the vendor data says about the host, its source, and whether the row is low-confidence."""
    what = f"{vendor.vendor} ({vendor.country or 'no one country'}), {vendor.role.value}"
    if vendor.note:
        what += f": {vendor.note}"
    if vendor.low_confidence:
        what += f"; low confidence: {vendor.low_confidence}"
    origin = f"{vendor.source}" + (f" [{vendor.ref}]" if vendor.ref else "")
    scope = "" if vendor.exact else " (row for the domain)"
    return Evidence(kind="vendor-data", value=what + scope, location=where, context=origin)


def _lowered(c: Candidate) -> Candidate:
    return Candidate(c.kind, c.value, c.host.lower(), c.port, c.start, c.end, c.scheme, c.path, c.built)


def _snippet(before: str, value: str, after: str) -> str:
    return (before[-_CONTEXT:] + value + after[:_CONTEXT]).strip()


def _with_function(clues: role.Clues, names: tuple[str, ...] | None) -> role.Clues:
    if not names:
        return clues
    return role.Clues(clues.before, clues.window, clues.file_name, names, clues.decoded)


def _users(code: CodeView, string_offset: int) -> tuple[str, ...]:
    """The function that uses the string at a file offset, then the functions it calls."""
    address = code.address_of(string_offset)
    if address is None:
        return ()
    users = code.referrers(address)
    if not users:
        return ()
    return (users[0].label, *code.calls_in(users[0]))


_UPSTREAM = re.compile(r"^[ \t]*server=(?P<address>[0-9A-Fa-f.:]+)(?=[#@ \t\r\n]|$)", re.MULTILINE)
"""A dnsmasq upstream resolver for every name: `server=` then an address (a port or interface may follow)."""
_KIND_ORDER = {EndpointKind.URL: 0, EndpointKind.EMAIL: 1, EndpointKind.HOSTNAME: 2, EndpointKind.IP: 3}


def _best(seen: list[_Seen]) -> _Seen:
    """The occurrence that says most: a URL before a bare host, the first of equals."""
    return min(seen, key=lambda s: (_KIND_ORDER[s.candidate.kind], s.offset))


def _priority(seen: list[_Seen]) -> tuple[int, int]:
    first = seen[0]
    rank = 2 if first.reference else 1 if first.reserved else 0
    return rank, min(s.offset for s in seen)


def _rule(seen: list[_Seen], *, is_reference: bool, reserved: str | None) -> str:
    if is_reference:
        return RULE_REFERENCE
    if reserved:
        return RULE_RESERVED
    if any(s.decoded for s in seen):
        return RULE_DECODED
    if all(s.override for s in seen):
        return RULE_OVERRIDE
    return RULE_SERVER


def _confidence(chosen: role.Role, *, is_reference: bool) -> float:
    if is_reference:
        return 0.9
    return {
        role.Strength.VENDOR_HOST: 0.95,
        role.Strength.DECODED: 0.95,
        role.Strength.CONTEXT: 0.8,
        role.Strength.CODE: 0.75,
    }.get(chosen.strength, 0.6)


def _title(payload: EndpointPayload, first: _Seen) -> str:
    if payload.role is EndpointRole.REFERENCE:
        return f"reference {payload.value} ({first.reference})"
    if payload.reserved:
        return f"{payload.reserved} address {payload.value} ({payload.role.value}); never judged foreign"
    who = ", ".join(x for x in (payload.vendor, payload.country) if x)
    title = f"{payload.role.value} endpoint {payload.host}" + (f" ({who})" if who else "")
    if payload.operator and payload.kind is EndpointKind.IP:
        title += f", operated by {payload.operator}"
        if payload.operator_country:
            title += f" ({payload.operator_country})"
    return title


def _is_source(path: str) -> bool:
    return path.rsplit(".", 1)[-1].lower() in _SOURCE_SUFFIXES


def _spans(ctx: FileContext, size: int) -> list[tuple[int, int]]:
    """The byte ranges of this file to scan: all of it, or a container's unexplained regions.

    The image itself, when nothing in it was recognised, is read by its unexplained regions too, so
    that encrypted or compressed bytes are not scanned for chance text; an image recognised as a
    whole with nothing inside (a boot loader, a kernel) is read whole, as such a file inside an image is.
    """
    unknown_image = ctx.node is ctx.tree.root and ctx.node.format is None
    whole = ctx.node.format is None or ctx.tree.is_code_image(ctx.node) or not ctx.tree.has_members(ctx.node)
    if whole and not unknown_image:
        return [(0, size)]
    return [
        (region.location.offset or 0, min(size, (region.location.offset or 0) + region.length))
        for region in ctx.tree.unexplained_in(ctx.node)
        if region.entropy < MAX_GAP_ENTROPY
    ]


def _utf16_runs(data: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Stretches of UTF-16LE text that can hold an endpoint or a device ID, as (start, end) offsets.

    Each is the text around a dot, `@`, `:` or `-` before a character, up to `_UTF16_REACH`
    characters either side. A stretch never leaves the UTF-16LE string it is in, and the stretches
    of one string do not depend on the bytes around it, so the analyzer asks only for those of the
    strings the matching engine names (`gate.Gate.wide`).
    """
    at = start
    while (gate := _UTF16_GATE.search(data, at, end)) is not None:
        lo = gate.start()
        floor = max(start, lo - _UTF16_REACH)
        while lo - 2 >= floor and data[lo - 1] == 0 and 0x20 <= data[lo - 2] <= 0x7E:
            lo -= 2
        after = _UTF16_AFTER.match(data, gate.start(), end)
        hi = after.end() if after else gate.end()
        at = max(hi, gate.end())
        if hi - lo >= 2 * MIN_STRING:
            yield lo, hi


class EndpointAnalyzer:
    """Hardcoded servers (URLs, host names, addresses, e-mail, P2P init strings) in every file."""

    name: ClassVar[str] = "endpoints"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (gate.DECLARED,)

    def applies_to(self, node: Node) -> bool:
        """Every non-empty file."""
        return node.size > 0

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        """The endpoint and P2P device-ID findings of one file."""
        data = ctx.data()
        is_text = not ctx.is_elf and b"\0" not in data[:_TEXT_PROBE]
        collected = _File(
            ctx, endpoint_data(), is_text=is_text, is_code=is_text and _is_source(ctx.node.path)
        )
        kind = overrides.kind_of(ctx.node.path)
        if kind is not None:
            for item in overrides.parse(data, kind):
                collected.override(item)
            if kind == overrides.DNSMASQ:
                _upstream_resolvers(collected, data)
            return list(collected.findings())
        spans = _spans(ctx, len(data))
        if not spans:
            return []
        text = data.decode("latin-1")
        named = gate.Gate(ctx)
        for start, end in spans:
            for _, _, ranges in named.stretches(data, text, start, end):
                collected.scan(text, ranges, printable=named.printable(data))
            for first, last in named.wide(start, end):
                for lo, hi in _utf16_runs(data, first, last):
                    if wanted := named.utf16(lo, hi):
                        wide = data[lo:hi].decode("utf-16-le")
                        # A UTF-16LE run holds printable ASCII characters only (`_utf16_runs`).
                        collected.scan(
                            wide,
                            dict.fromkeys(wanted, ((0, len(wide)),)),
                            printable=gate.printable(wide.encode("ascii")),
                            base=lo,
                            width=2,
                        )
        return list(collected.findings())


def _upstream_resolvers(collected: _File, data: bytes) -> None:
    """The resolvers dnsmasq asks for every name (`server=8.8.8.8`, no domain): servers it reaches.

    The lines that send one domain elsewhere (`server=/lan/10.0.0.1`) are overrides, read apart.
    """
    text = data.decode("latin-1")
    printable = gate.printable(data)
    for line in _UPSTREAM.finditer(text):
        span = [line.span("address")]
        collected.scan(text, {extract.IPV4: span, extract.IPV6: span}, printable=printable)


ANALYZER = EndpointAnalyzer()
