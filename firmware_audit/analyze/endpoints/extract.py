"""Find endpoint candidates in text: URLs, e-mail addresses, host names, IPv4 and IPv6 addresses.

One pass of each precompiled expression over the text (a whole file decoded as Latin-1, so that
positions are byte offsets, or one UTF-16 string): no per-string loop. URLs are found first, then
e-mail addresses; a host or address inside either is not reported again on its own. Host names are
matched in any case; `validate` rejects mixed-case names whose registered domain is not in one case
(`NetWork.Nat` is an identifier, `a1x9K2mZ3qP.iot-as-mqtt.cn-shanghai.aliyuncs.com` a server).
Whether a candidate is a real endpoint is decided by `validate`; this module only finds and parses,
but a plain host name or a suffix whose last label ends no public suffix (`event.protocol`,
`config.bin`, `'.cfg.bin'`: most dotted words in firmware) is no candidate at all: it could never
have a registrable domain.

Names built at run time are found too, with the pattern they are built from (`Candidate.built`): a
suffix in quotes or a C string of its own (`'.cpplusddns.com'`, joined to a user's name in script), a
name after a format placeholder (`%s.p2p.example.com`, `http://%s.api.example.com/`,
`${region}.api.example.com`), a scheme-relative URL joined to the page's scheme
(`location.protocol + "//103.224.212.249"`), and two names of a table of fixed-width slots that run
into each other (`p2p1.vendor.comp2p2.vendor.com`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from firmware_audit.model import EndpointKind
from firmware_audit.refdata import domains

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

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
_ANY_CASE_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST = re.compile(
    # `_HOSTNAME` in any case, its first character before the look-behind on the one before it:
    # `re` then skips to where a name can start (a letter or digit) rather than trying it everywhere.
    rf"(?P<host>[A-Za-z0-9](?<![\w.@/\\-].)(?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.(?:{_ANY_CASE_LABEL}\.)*"
    rf"[A-Za-z][A-Za-z0-9-]{{0,61}}[A-Za-z0-9])(?::(?P<port>\d{{1,5}}))?(?![\w(\[-]|\.[\w-]|:\d)",
    re.ASCII,
)
IPV4 = re.compile(rf"(?<![\w.:/-])(?P<host>{_IPV4})(?::(?P<port>\d{{1,5}}))?(?![\w-]|\.\w|:\d)", re.ASCII)
IPV6 = re.compile(r"(?<![\w:.])(?P<host>[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w:]|\.\d)", re.ASCII)
_GATE = re.compile(rb"[.@:][A-Za-z0-9/:]")
"""What every URL, e-mail address, host name and address contains: a cheap first pass over the bytes."""
_CANDIDATE_GATE = re.compile(rb"[A-Za-z0-9][.@:][A-Za-z0-9/:]")
"""The same, with a letter or digit before: slower, so it only confirms a stretch the first pass found."""
_MIN_REGION = 4
_PLACEHOLDER = r"%[-+ #0]*\d*(?:\.\d+)?[sdiuxX]|\$\{[^}\s]{1,40}\}|\{\w{0,40}\}|\$[A-Za-z_]\w{0,40}"
"""A format conversion or template variable a name is built on: `%s`, `%d`, `${region}`, `{}`, `$HOST`."""
SUFFIX = re.compile(
    rf"(?:(?<=[\"'`])|(?<=\x00)|^)\.(?P<host>{_HOSTNAME})(?=[\"'`]|\x00|$)", re.IGNORECASE | re.ASCII
)
"""A string that is a name's suffix and nothing else: quoted or a C string of its own."""
_SUFFIX_START = re.compile(r"[\"'`\x00]\.")
"""What is before a `SUFFIX` match (its look-behind) and its first character, but at the text's start."""
TEMPLATE = re.compile(
    rf"(?P<placeholder>{_PLACEHOLDER})\.(?P<host>{_HOSTNAME})(?::(?P<port>\d{{1,5}}))?(?![\w(\[-]|\.[\w-]|:\d)",
    re.IGNORECASE | re.ASCII,
)
SCHEME_RELATIVE = re.compile(
    rf"(?<=[\"'])//(?P<authority>[^\s/?#\"'<>\\^`{{|}}\x00-\x1f\x7f-\xff]+)(?P<path>[/?#]{_URL_CHARS}*)?",
    re.ASCII,
)
"""`"//103.224.212.249"`: a URL whose scheme is the page's, joined at run time (`location.protocol + ...`)."""
_TEMPLATE_AUTHORITY = re.compile(
    rf"^(?:[^@]*@)?(?P<placeholder>{_PLACEHOLDER})\.(?P<host>{_HOSTNAME})(?::(?P<port>\d{{1,5}}))?$",
    re.IGNORECASE,
)
_RUN_IN_TLDS = (
    "com",
    "net",
    "org",
    "cn",
    "info",
    "biz",
    "cc",
    "tv",
    "io",
    "de",
    "jp",
    "kr",
    "tw",
    "hk",
    "ru",
)
"""TLDs a name in a fixed-width slot ends with when the next slot's name follows without a NUL."""
_RUN_IN_LABELS = 2
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
        built: How the name is built at run time, with its pattern ('' when it is written whole).
    """

    kind: EndpointKind
    value: str
    host: str
    port: int | None
    start: int
    end: int
    scheme: str = ""
    path: str = ""
    built: str = ""

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
    built = f"a name built at run time from the format %{label}.{rest}"
    return Candidate(c.kind, c.value[cut:], rest, c.port, c.start + cut, c.end, built=built)


def _templated_url(m: re.Match[str]) -> Candidate | None:
    """`http://%s.api.example.com/x`: the URL of a name built on a placeholder, if the authority is one."""
    parsed = _TEMPLATE_AUTHORITY.fullmatch(m.group("authority"))
    if parsed is None:
        return None
    template = f"{parsed.group('placeholder')}.{parsed.group('host')}"
    return Candidate(
        kind=EndpointKind.URL,
        value=m.group(),
        host=parsed.group("host").lower(),
        port=_port(parsed.group("port")),
        start=m.start(),
        end=m.end(),
        scheme=m.group("scheme").lower(),
        path=m.group("path") or "",
        built=f"a name built at run time from the template {template}",
    )


def _run_in(c: Candidate) -> list[Candidate]:
    """Two names of fixed-width slots that run into each other, apart; else the candidate itself."""
    labels = c.host.split(".")
    for i in range(_RUN_IN_LABELS - 1, len(labels) - _RUN_IN_LABELS + 1):
        label = labels[i]
        tld = next(
            (t for t in _RUN_IN_TLDS if label.startswith(t) and label[len(t) : len(t) + 1].isalpha()), None
        )
        if tld is None:
            continue
        left = ".".join([*labels[:i], tld])
        right = ".".join([label[len(tld) :], *labels[i + 1 :]])
        first, second = domains.split(left.lower()), domains.split(right.lower())
        if first is None or second is None or first.registered != second.registered:
            continue  # a table of one service's servers: both names under one domain
        built = f"names in fixed-width slots that run into each other: {left} | {right}"
        cut = c.start + len(left)
        return [
            Candidate(c.kind, left, left.lower(), None, c.start, cut, built=built),
            Candidate(c.kind, c.value[len(left) :], right.lower(), c.port, cut, c.end, built=built),
        ]
    return [c]


class _Spans:
    """Character ranges already claimed by a URL or an e-mail address."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)

    def __bool__(self) -> bool:
        return bool(self._starts)

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


Ranges: TypeAlias = "Mapping[re.Pattern[str], Sequence[tuple[int, int]]]"
"""Where to run each expression: (pos, endpos) ranges of the text, in order (see `scan`)."""


def scan(text: str, pos: int = 0, endpos: int | None = None, ranges: Ranges | None = None) -> list[Candidate]:
    """Every endpoint candidate in `text[pos:endpos]`, in order of position.

    Names built on a template variable come first (a URL around `${REGION}.api.example.com` is cut
    at the `{`), then URLs, scheme-relative URLs, e-mail addresses and suffixes, each claiming its
    span, then the plain host names and addresses outside the claimed spans.

    `ranges` runs each expression only where it names (an expression it leaves out, nowhere): the
    parts of `text[pos:endpos]` the others cannot match in left out, the candidates are the same
    when each range starts where a line starts (or at `pos`) and ends where a line ends (or at
    `endpos`): no expression matches across a line break, and only `SUFFIX` (its `$`) reads a
    line's end differently from the end of the text.
    """
    endpos = len(text) if endpos is None else endpos
    where: Ranges = ranges if ranges is not None else dict.fromkeys(_ORDER, ((pos, endpos),))
    claimed = _Spans()
    found: list[Candidate] = []
    for pattern, search in _SEARCHES:
        if pattern in where:
            found += search(text, where[pattern], claimed)
    found += _plain(text, where, claimed)
    found.sort(key=lambda c: c.start)
    return found


def _matches(
    pattern: re.Pattern[str], text: str, ranges: Iterable[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    for pos, endpos in ranges:
        yield from pattern.finditer(text, pos, endpos)


def _templates(text: str, ranges: Sequence[tuple[int, int]], claimed: _Spans) -> Iterator[Candidate]:
    """`${REGION}.api.example.com`, `{}.p2p.example.com`: the name after a template variable."""
    for m in _matches(TEMPLATE, text, ranges):
        if m.group("placeholder").startswith("%"):
            continue  # `%s.` is read with the URL or host around it
        claimed.add(m.start(), m.end())
        start = m.start("host")
        built = f"a name built at run time from the template {m.group()}"
        host = m.group("host").lower()
        port = _port(m.group("port"))
        yield Candidate(EndpointKind.HOSTNAME, text[start : m.end()], host, port, start, m.end(), built=built)


def _urls(text: str, ranges: Sequence[tuple[int, int]], claimed: _Spans) -> Iterator[Candidate]:
    for m in _matches(URL, text, ranges):
        if claimed.covers(m.start()):
            continue
        parsed = _AUTHORITY.fullmatch(m.group("authority"))
        claimed.add(m.start(), m.end())
        scheme = m.group("scheme")
        if not (scheme.islower() or scheme.isupper()):
            continue  # `bQ://bK.bM.bN` in packed script
        if parsed is None:
            built = _templated_url(m)
            if built is not None:
                yield built
            continue  # a format string (`http://%s/`) or a broken authority
        yield Candidate(
            kind=EndpointKind.URL,
            value=m.group(),
            host=(parsed.group("v6") or parsed.group("host")).lower(),
            port=_port(parsed.group("port")),
            start=m.start(),
            end=m.end(),
            scheme=scheme.lower(),
            path=m.group("path") or "",
        )


def _scheme_relative(text: str, ranges: Sequence[tuple[int, int]], claimed: _Spans) -> Iterator[Candidate]:
    for m in _matches(SCHEME_RELATIVE, text, ranges):
        parsed = _AUTHORITY.fullmatch(m.group("authority"))
        if claimed.covers(m.start()) or parsed is None or "@" in m.group("authority"):
            continue
        claimed.add(m.start(), m.end())
        yield Candidate(
            kind=EndpointKind.URL,
            value=m.group(),
            host=(parsed.group("v6") or parsed.group("host")).lower(),
            port=_port(parsed.group("port")),
            start=m.start(),
            end=m.end(),
            path=m.group("path") or "",
            built=f"a URL joined at run time to the page's scheme (//{m.group('authority')})",
        )


def _emails(text: str, ranges: Sequence[tuple[int, int]], claimed: _Spans) -> Iterator[Candidate]:
    for m in _matches(EMAIL, text, ranges):
        if claimed.covers(m.start()):
            continue
        claimed.add(m.start(), m.end())
        yield Candidate(EndpointKind.EMAIL, m.group(), m.group("domain").lower(), None, m.start(), m.end())


def _suffix_matches(text: str, ranges: Iterable[tuple[int, int]]) -> Iterator[re.Match[str]]:
    """The matches of `SUFFIX` in each range of `text` that `finditer` finds, tried where one can start.

    `SUFFIX` starts with its look-behind, which `re` cannot skip to: it would try the whole
    expression at every character of a stretch. A match starts at a dot after a quote or NUL (the
    look-behind sees a character before the range too) or at the text's start (`^`); tried there
    alone, left to right from the end of the last match, it gives the same matches.
    """
    for pos, endpos in ranges:
        starts = [m.start() + 1 for m in _SUFFIX_START.finditer(text, max(pos - 1, 0), endpos)]
        at = pos
        for start in [0, *starts] if pos == 0 else starts:
            if start >= at and (m := SUFFIX.match(text, start, endpos)) is not None:
                yield m
                at = m.end()


def _suffixes(text: str, ranges: Sequence[tuple[int, int]], claimed: _Spans) -> Iterator[Candidate]:
    for m in _suffix_matches(text, ranges):
        if claimed.covers(m.start()):
            continue
        claimed.add(m.start(), m.end())
        host = m.group("host").lower()
        if not domains.may_end_a_name(host.rpartition(".")[2]):
            continue  # `'.cfg.bin'`: never a name with a registrable domain (its span is still claimed)
        built = f"a suffix joined to a name at run time (*{m.group()})"
        yield Candidate(EndpointKind.HOSTNAME, m.group(), host, None, m.start(), m.end(), built=built)


def _plain(text: str, where: Ranges, claimed: _Spans) -> Iterator[Candidate]:
    for pattern, kind in ((HOST, EndpointKind.HOSTNAME), (IPV4, EndpointKind.IP), (IPV6, EndpointKind.IP)):
        ranges = where.get(pattern)
        if not ranges:
            continue
        ported = "port" in pattern.groupindex
        for m in _matches(pattern, text, ranges):
            start = m.start()
            if claimed and claimed.covers(start):
                continue
            host = m.group("host")
            if kind is EndpointKind.HOSTNAME and not domains.may_end_a_name(host.rpartition(".")[2]):
                continue  # `event.protocol`, `config.bin`: never a name with a registrable domain
            port = _port(m.group("port")) if ported else None
            candidate = Candidate(kind, m.group(), host, port, start, m.end())
            if kind is not EndpointKind.HOSTNAME:
                yield candidate
                continue
            shifted = _after_conversion(candidate) if start and text[start - 1] == "%" else candidate
            if shifted is not None:
                yield from _run_in(shifted)


_Search: TypeAlias = "Callable[[str, Sequence[tuple[int, int]], _Spans], Iterator[Candidate]]"
_SEARCHES: tuple[tuple[re.Pattern[str], _Search], ...] = (
    (TEMPLATE, _templates),
    (URL, _urls),
    (SCHEME_RELATIVE, _scheme_relative),
    (EMAIL, _emails),
    (SUFFIX, _suffixes),
)
"""The searches that claim their spans, in order, each with the expression it runs."""
_ORDER = (TEMPLATE, URL, SCHEME_RELATIVE, EMAIL, SUFFIX, HOST, IPV4, IPV6)
"""Every expression `scan` runs."""
