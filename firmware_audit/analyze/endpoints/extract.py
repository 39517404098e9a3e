"""Find endpoint candidates in text: URLs, e-mail addresses, host names, IPv4 and IPv6 addresses.

One pass of each precompiled expression over the text (a whole file decoded as Latin-1, so that
positions are byte offsets, or one UTF-16 string): no per-string loop. URLs are found first, then
e-mail addresses; a host or address inside either is not reported again on its own. Host names are
matched in any case; `validate` rejects mixed-case names whose registered domain is not in one case
(`NetWork.Nat` is an identifier, `a1x9K2mZ3qP.iot-as-mqtt.cn-shanghai.aliyuncs.com` a server).
Whether a candidate is a real endpoint is decided by `validate`; this module only finds and parses.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from firmware_audit.model import EndpointKind

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TLD = r"[a-z][a-z0-9-]{0,61}[a-z0-9]"
_HOSTNAME = rf"(?:{_LABEL}\.)+{_TLD}"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_URL_CHARS = r"[^\s\"'<>\\^`{|}\x00-\x1f\x7f-\xff]"

URL = re.compile(
    rf"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{{1,15}})://"
    rf"(?P<authority>[^\s/?#\"'<>\\^`{{|}}\x00-\x1f\x7f-\xff]+)(?P<path>[/?#]{_URL_CHARS}*)?",
    re.ASCII,
)
EMAIL = re.compile(
    r"(?<![\w.+%-])(?P<local>[A-Za-z0-9._%+-]{1,64})@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9])(?![\w-]|\.[A-Za-z0-9])",
    re.ASCII,
)
HOST = re.compile(
    rf"(?<![\w.@/\\-])(?P<host>{_HOSTNAME})(?::(?P<port>\d{{1,5}}))?(?![\w(\[-]|\.[\w-]|:\d)",
    re.IGNORECASE | re.ASCII,
)
IPV4 = re.compile(rf"(?<![\w.:/-])(?P<host>{_IPV4})(?::(?P<port>\d{{1,5}}))?(?![\w-]|\.\w|:\d)", re.ASCII)
IPV6 = re.compile(r"(?<![\w:.])(?P<host>[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w:]|\.\d)", re.ASCII)
_GATE = re.compile(rb"[.@:][A-Za-z0-9/:]")
"""What every URL, e-mail address, host name and address contains: a cheap first pass over the bytes."""
_CANDIDATE_GATE = re.compile(rb"[A-Za-z0-9][.@:][A-Za-z0-9/:]")
"""The same, with a letter or digit before: slower, so it only confirms a stretch the first pass found."""
_MIN_REGION = 4
_DEVICE_ID_GATE = re.compile(rb"-\d{6}-")
_CAPITALS = bytes(0x41 if 0x41 <= i <= 0x5A else 0 for i in range(256))
_INIT_STRING_GATE = b"A" * 16
"""Sixteen capitals in a row, after mapping every capital to `A` and everything else to NUL."""
_PRINTABLE = b"\t\n\r" + bytes(range(0x20, 0x7F))
_REACH = 4096
_TEXT_AFTER = re.compile(rb"[\t\n\r\x20-\x7e]{0,%d}" % _REACH)
_AUTHORITY = re.compile(
    rf"^(?:[^@]*@)?(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>{_IPV4}|{_HOSTNAME}))(?::(?P<port>\d{{1,5}}))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something that looks like an endpoint, found in a text.

    Attributes:
        kind: url, email, hostname or ip.
        value: The text as written (the whole URL or address, a host with its port).
        host: The host name (lower case) or address it names.
        port: The port written with it, if any.
        start: Index of its first character in the scanned text.
        end: Index just past its last character.
        scheme: The URL scheme (`http`), for URLs.
        path: The URL path, query and fragment, for URLs.
    """

    kind: EndpointKind
    value: str
    host: str
    port: int | None
    start: int
    end: int
    scheme: str = ""
    path: str = ""

    @property
    def is_ip(self) -> bool:
        """True when the host is an IP address."""
        return ":" in self.host or IPV4.fullmatch(self.host) is not None


def _port(text: str | None) -> int | None:
    if text is None:
        return None
    value = int(text)
    return value if 0 < value < 65536 else None


def _after_conversion(c: Candidate) -> Candidate | None:
    """`%s.iot-as-mqtt.example.cn` is a format: the host is what follows the conversion letter."""
    label, _, rest = c.host.partition(".")
    if len(label) != 1 or "." not in rest:
        return None
    cut = len(label) + 1
    return Candidate(c.kind, c.value[cut:], rest, c.port, c.start + cut, c.end)


class _Spans:
    """Character ranges already claimed by a URL or an e-mail address."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)

    def covers(self, position: int) -> bool:
        i = bisect.bisect_right(self._starts, position) - 1
        return i >= 0 and position < self._ends[i]


def regions(data: bytes, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    """The printable stretches of `data[pos:endpos]` that can hold a candidate, as (start, end).

    Binary files are mostly not text: cheap passes find the places where something could be (a dot,
    `@` or `:` before a letter, digit or slash; sixteen capitals; `-123456-`) and each grows to the
    printable text around it, so the full expressions run over a small part of the file. Candidates
    never contain a non-printable byte, so none is cut.
    """
    endpos = len(data) if endpos is None else endpos
    others = sorted(
        [m.start() for m in _DEVICE_ID_GATE.finditer(data, pos, endpos)] + _capital_runs(data, pos, endpos)
    )
    found: list[tuple[int, int]] = []
    at, k = pos, 0
    while True:
        gate = _GATE.search(data, at, endpos)
        while k < len(others) and others[k] < at:
            k += 1
        where = min(gate.start() if gate else endpos, others[k] if k < len(others) else endpos)
        if where >= endpos:
            return found
        reach = max(pos, where - _REACH)
        start = reach + len(data[reach:where].rstrip(_PRINTABLE))
        after = _TEXT_AFTER.match(data, where, endpos)
        end = max(after.end() if after else where, where + 1)
        at = end
        is_other = k < len(others) and others[k] == where
        if end - start < _MIN_REGION or not (is_other or _CANDIDATE_GATE.search(data, start, end)):
            continue
        if found and start <= found[-1][1]:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))


def _capital_runs(data: bytes, pos: int, endpos: int) -> list[int]:
    """Where runs of sixteen or more capitals (a P2P init string, maybe) start."""
    mapped = data[pos:endpos].translate(_CAPITALS)
    found, at = [], 0
    while (i := mapped.find(_INIT_STRING_GATE, at)) >= 0:
        found.append(pos + i)
        at = i + len(_INIT_STRING_GATE)
        while at < len(mapped) and mapped[at]:
            at += 1
    return found


def scan(text: str, pos: int = 0, endpos: int | None = None) -> list[Candidate]:
    """Every endpoint candidate in `text[pos:endpos]`, in order of position."""
    endpos = len(text) if endpos is None else endpos
    found: list[Candidate] = []
    claimed = _Spans()
    for m in URL.finditer(text, pos, endpos):
        parsed = _AUTHORITY.fullmatch(m.group("authority"))
        claimed.add(m.start(), m.end())
        scheme = m.group("scheme")
        if parsed is None or not (scheme.islower() or scheme.isupper()):
            continue  # a format string (`http://%s/`), a broken authority, or `bQ://` in packed script
        host = (parsed.group("v6") or parsed.group("host")).lower()
        found.append(
            Candidate(
                kind=EndpointKind.URL,
                value=m.group(),
                host=host,
                port=_port(parsed.group("port")),
                start=m.start(),
                end=m.end(),
                scheme=m.group("scheme").lower(),
                path=m.group("path") or "",
            )
        )
    for m in EMAIL.finditer(text, pos, endpos):
        if claimed.covers(m.start()):
            continue
        claimed.add(m.start(), m.end())
        found.append(
            Candidate(EndpointKind.EMAIL, m.group(), m.group("domain").lower(), None, m.start(), m.end())
        )
    for pattern, kind in ((HOST, EndpointKind.HOSTNAME), (IPV4, EndpointKind.IP), (IPV6, EndpointKind.IP)):
        for m in pattern.finditer(text, pos, endpos):
            if claimed.covers(m.start()):
                continue
            port = _port(m.groupdict().get("port"))
            candidate = Candidate(kind, m.group(), m.group("host"), port, m.start(), m.end())
            if kind is EndpointKind.HOSTNAME and m.start() and text[m.start() - 1] == "%":
                shifted = _after_conversion(candidate)
                if shifted is None:
                    continue
                candidate = shifted
            found.append(candidate)
    found.sort(key=lambda c: c.start)
    return found
