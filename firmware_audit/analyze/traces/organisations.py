"""Organisations a firmware names, and where: who it says made it, in its own words.

Every file's printable strings are searched for the names of the maker base (`signatures/makers/`: makers,
brands, ODMs, distributions, and the chip, cloud and P2P organisations that never make firmware) and for
the domains of its makers. What the place says decides the kind of the trace:

* `copyright` — in a copyright, trademark or licence line (`Copyright (c) 2016 TP-LINK Technologies`,
  `Amboot(R) Ambarella(R) Foscam(R)`);
* `banner` — in a login banner, MOTD or profile (`/etc/issue`, `/etc/motd`, `/etc/profile`, telnet
  banners), a "Welcome to" line anywhere, or a line a script prints or draws at boot
  (`echo ...`, `|_____2020_WYZE_CAM_V3_@HUALAI_____|`; not a line it writes to a file or a pipe:
  `echo "ssid=TP-LINK_gzy" > /tmp/wpa.conf` writes a configuration);
* `web-title` — in a web page's `<title>`;
* `module-author` — in a kernel module's `author=` or `description=`;
* `maker-domain` — a maker's domain as a host name or e-mail domain (`zhaoqiting@XiongMaitech.com`);
* `namespace` — a name or domain inside an XML namespace or schema URL
  (`xmlns:tnshik="http://www.hikvision.com/2011/event/topics"`): the firmware speaks that maker's
  vocabulary (other makers' ONVIF servers declare it for its recorders), which never names a maker;
* `mention-text` — anywhere else in the firmware's own text files (scripts, configuration, web pages,
  UI string tables);
* `mention` — anywhere else in a program or library (a name in a list of supported protocols says
  little about who built the program).

A copyright line in a file that is no shared library naming an organisation with a corporate suffix
that the base does not know is reported too, as an `organisation` trace: "unrecognised organisation
Acme Vision Co., Ltd.". Software projects and standards bodies (the FSF, OpenSSL, ONVIF) are known and
never reported. One finding per file, kind and organisation, each place as evidence; a login
banner's own text is a `login-banner` trace of its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.namespaces import REACH, in_namespace
from firmware_audit.analyze.traces._common import ContentTrace, clip, file_name, has_members, trace_finding
from firmware_audit.model import Evidence, Location, Severity
from firmware_audit.signatures.makers import MAX_NAME, Maker, Organisation, name_words
from firmware_audit.signatures.makers import base as maker_base

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding
    from firmware_audit.signatures.makers import NameMatch

RULE = "trace/organisation"
KIND_PHRASES = {
    "copyright": "a copyright line",
    "banner": "a login banner",
    "web-title": "a web page title",
    "module-author": "a kernel module's author",
    "maker-domain": "a host name or e-mail address",
    "namespace": "an XML namespace",
    "mention-text": "the firmware's own text",
    "mention": "a program's strings",
    "organisation": "a copyright line",
}
"""How each kind of place is named in titles."""
REPORTED_ORGANISATIONS = frozenset({"chip", "cloud", "p2p"})
"""Organisation kinds reported (never as a maker): chip makers wherever they are named, clouds and P2P
platforms in the places that say who made something."""
_STRONG_PLACES = frozenset({"copyright", "banner", "web-title", "module-author"})
_PASSING = frozenset({"mention", "namespace"})
"""Places that say nothing of who built the firmware: a maker's name there is shown as information."""
_COPYRIGHT = re.compile(r"(?i)copyright|\(c\)|©|\(r\)|®|all rights reserved|trademark")
_WELCOME = re.compile(r"(?i)\bwelcome to\b")
_PRINTED = re.compile(r"^\s*(?:echo|printf|puts)\s")
"""A script line that prints to the console: what it prints at boot is a banner."""
_QUOTED = re.compile(r"\"(?:\\.|[^\"\\])*\"|'[^']*'")
_ELSEWHERE = re.compile(
    r"(?:^|[^0-9&>])>>?\s*(?!&|/dev/(?:console|tty\w*|stdout|stderr)\b)\S"  # `> file`, `>> file`
    r"|(?<!\|)\|(?!\|)"  # a pipe (not `||`)
)
"""Outside quotes, a redirection to a file or a pipe: what the line prints goes there, not to the console
(`echo "ssid=\"TP-LINK_gzy\"" > /tmp/wpa.conf` writes a configuration)."""
_DECORATION = re.compile(r"[_=*#|~-]")
_WORD = re.compile(r"[\w.@-]+")
_TITLE = re.compile(r"(?i)<title>([^<]{1,200})</title>")
_MODINFO = re.compile(r"^(?:author|description|vendor)=")
_ORGANISATION = re.compile(
    r"\b((?:[A-Z][\w&'.-]*\s+){0,5}[A-Z][\w&'.-]*),?\s+"
    r"(?:Co\.?,?\s*Ltd|Inc|Corp(?:oration)?|GmbH|LLC|Limited|Ltd|AG|S\.?A|B\.?V|Pty|Technology|Technologies)\b\.?"
)
"""A capitalised name before a corporate suffix: how organisations are named in copyright lines."""
_BANNER_FILES = frozenset({"issue", "issue.net", "motd", "banner", "profile", "welcome"})
_TEXT_SUFFIXES = frozenset(
    {".htm", ".html", ".asp", ".js", ".json", ".xml", ".txt", ".lang", ".ini", ".conf", ".cfg", ".sh", ".css"}
)
MAX_CONTEXT = 300
"""Characters of a long string kept around a name."""
MAX_STRINGS = 200_000
"""Strings of one file searched (a bigger file is searched in its first ones)."""


@cache
def _names() -> re.Pattern[str]:
    """Any name of the maker base, its letters as one word (searched in the squeezed strings).

    A name stands in a text as its letters with at most two separators between two of them, so
    with the separators taken out it stands as one word: where it does not, no name ends.
    """
    base = maker_base()
    rows: tuple[Maker | Organisation, ...] = (*base.makers, *base.organisations)
    letters = {"".join(name_words(n)) for row in rows for n in row.names}
    return re.compile("|".join(re.escape(word) for word in sorted(letters) if word), re.IGNORECASE)


@cache
def _domains() -> re.Pattern[str]:
    """Any domain of a maker."""
    domains = {domain for maker in maker_base().makers for domain in maker.domains}
    return re.compile("|".join(re.escape(domain) for domain in sorted(domains)), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Hit:
    kind: str
    name: str
    who: Maker | Organisation | None
    value: str
    context: str
    offset: int


class OrganisationAnalyzer(ContentTrace):
    """Makers, brands, distributions and chip organisations named in a file, by the place they stand."""

    name: ClassVar[str] = "trace-organisations"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (
        matching.Patterns("trace-organisations", lambda: (_COPYRIGHT, _domains())),
        matching.Patterns("trace-organisations-names", lambda: (_names(),), squeezed=True),
    )

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per kind of place and organisation named in this file."""
        if has_members(ctx):
            return
        strings = _Strings(ctx)
        if not strings.count:
            return
        place = _place(ctx)
        hits: dict[tuple[str, str], list[_Hit]] = defaultdict(list)
        for match, at in _named(strings):
            line, offset = strings.where(at)
            kind = "namespace" if in_namespace(strings.before(at)) else _kind(place, line, match.text)
            who = match.who
            if isinstance(who, Organisation) and (
                who.kind not in REPORTED_ORGANISATIONS or (kind not in _STRONG_PLACES and who.kind != "chip")
            ):
                continue
            hits[kind, who.name].append(_Hit(kind, who.name, who, match.text, line, offset))
        _domain_hits(strings, hits)
        if place not in {"library", "binary"}:
            for index in strings.candidates(_COPYRIGHT):
                for line_match in _COPYRIGHT.finditer(strings.value(index)):
                    _unrecognised(*strings.where(strings.starts[index] + line_match.start()), hits)
        for (kind, _), found in sorted(hits.items()):
            yield _finding(ctx, kind, found)
        if place == "banner":
            yield _banner(ctx)


class _Strings:
    """A file's strings joined into one text (`FileContext.lines`), and the way back to each string."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.texts = ctx.strings()
        self.count = min(len(self.texts), MAX_STRINGS)
        lines = ctx.lines()
        self.starts = lines.starts
        whole = self.count == len(self.texts)
        self.joined = lines.text if whole else lines.text[: self.starts[self.count] - 1]

    def value(self, index: int) -> str:
        """The string of an index."""
        return self.texts[index].value

    def candidates(self, pattern: re.Pattern[str], *, squeezed: bool = False) -> list[int]:
        """Indices of the searched strings a pattern may match in (ends in, squeezed)."""
        return [i for i in self.ctx.candidate_indices(pattern, squeezed=squeezed) if i < self.count]

    def before(self, at: int) -> str:
        """The text of the string holding a position of the joined text, up to it (`REACH` at most)."""
        index = bisect_right(self.starts, at) - 1
        inside = at - self.starts[index]
        return self.texts[index].value[max(0, inside - REACH) : inside]

    def where(self, at: int) -> tuple[str, int]:
        """The text around a position of the joined text, and the file offset of that position.

        The text is the string holding it, or a window of a long one.
        """
        index = bisect_right(self.starts, at) - 1
        text = self.texts[index]
        value, inside = text.value, at - self.starts[index]
        if len(value) > MAX_CONTEXT:  # a minified script is one long line: keep what is around
            value = value[max(0, inside - MAX_CONTEXT // 2) : inside + MAX_CONTEXT // 2]
        return value, text.offset + inside * (2 if text.wide else 1)


def _named(strings: _Strings) -> Iterator[tuple[NameMatch, int]]:
    """Every name of the maker base in the joined strings, with its position there, in order.

    The maker base searches only the stretches where the engine found a name may end: from the string
    `MAX_NAME` characters before that string to it, overlapping stretches joined. A name found in the
    whole text ends in such a string and starts in its stretch, and so does every name that overlaps it,
    so each stretch gives what the whole text gives there.
    """
    base = maker_base()
    stretches: list[list[int]] = []
    for last in strings.candidates(_names(), squeezed=True):
        first = bisect_right(strings.starts, max(0, strings.starts[last] - MAX_NAME)) - 1
        if stretches and first <= stretches[-1][1]:
            stretches[-1][1] = last
        else:
            stretches.append([first, last])
    for first, last in stretches:
        start, end = strings.starts[first], strings.starts[last] + len(strings.value(last))
        for match in base.find(strings.joined[start:end]):
            yield match, start + match.start


def _domain_hits(strings: _Strings, hits: dict[tuple[str, str], list[_Hit]]) -> None:
    """The makers' domains standing in the strings as host names or under one."""
    for index in strings.candidates(_domains()):
        value = strings.value(index)
        for maker, domain, at in maker_base().find_domains(value):
            line, offset = strings.where(strings.starts[index] + at)
            kind = "namespace" if in_namespace(value[max(0, at - REACH) : at]) else "maker-domain"
            hits[kind, domain if kind == "maker-domain" else maker.name].append(
                _Hit(kind, maker.name, maker, domain, line, offset)
            )


def _banner(ctx: FileContext) -> Finding:
    """A login banner's own text: what every login shows, whoever it names."""
    lines = [line.strip() for line in ctx.data()[:4096].decode("utf-8", "replace").splitlines()]
    shown = " / ".join(line for line in lines if line and not line.startswith("#"))
    title = f"login banner {file_name(ctx)}"
    return trace_finding(
        ctx,
        rule=RULE,
        key="login-banner",
        kind="login-banner",
        title=title,
        detail=f"{title}: {clip(shown, 400)}",
        evidence=(
            Evidence(kind="text", value=clip(shown, 400), location=Location(path=ctx.node.path, offset=0)),
        ),
        severity=Severity.INFO,
        confidence=0.9,
        offset=0,
    )


def _place(ctx: FileContext) -> str:
    """What kind of file this is, for the weight of a name in it."""
    name = file_name(ctx).casefold()
    if name in _BANNER_FILES or "motd" in name or "banner" in name:
        return "banner"
    if name.endswith(".ko"):
        return "module"
    head = ctx.data()[:4]
    if head == b"\x7fELF":
        return "library" if ".so" in name else "binary"
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix in _TEXT_SUFFIXES or b"\x00" not in ctx.data()[:4096]:
        return "text"
    return "binary"


def _kind(place: str, line: str, name: str) -> str:
    """The kind of trace a name is, from the file it is in and the line around it.

    A banner a script prints writes names as names: in lower case ("canon" in `printf ... ${canon}`)
    the word is a variable, not a banner.
    """
    if _COPYRIGHT.search(line):
        return "copyright"
    printed = place == "text" and not name.islower() and _printed(line)
    if place == "banner" or _WELCOME.search(line) or printed:
        return "banner"
    if _TITLE.search(line):
        return "web-title"
    if place == "module" and _MODINFO.match(line):
        return "module-author"
    return "mention-text" if place == "text" else "mention"


def _printed(line: str) -> bool:
    """A line a script prints to the console, or a line of ASCII art (a third or more of it decoration)."""
    if _PRINTED.match(line):
        return _ELSEWHERE.search(_QUOTED.sub("", line)) is None
    return len(_DECORATION.findall(line)) * 3 >= len(line.strip()) > 0


def _unrecognised(line: str, offset: int, hits: dict[tuple[str, str], list[_Hit]]) -> None:
    """Organisations with a corporate suffix in a copyright line that the maker base does not know."""
    for match in _ORGANISATION.finditer(line):
        name = match.group().strip(" ,.")
        if maker_base().find(name) or len(name) > 80:  # a name, not a sentence
            continue
        hits["organisation", name].append(_Hit("organisation", name, None, name, line, offset))


def _distinct(hits: list[_Hit]) -> list[_Hit]:
    """Each line once, the first line of every word the name is written in first.

    "login-logo-dahua", "Dahua" and "DAHUA" each show before any of them repeats: the evidence kept
    (16 items) shows every way the file writes the name.
    """
    lines = list({h.context: h for h in reversed(hits)}.values())[::-1]
    firsts: dict[str, _Hit] = {}
    for hit in lines:
        at = hit.context.find(hit.value)
        word = next((w for w in _WORD.finditer(hit.context) if w.start() <= at < w.end()), None)
        firsts.setdefault(word.group() if word is not None else hit.value, hit)
    return list(dict.fromkeys([*firsts.values(), *lines]))


def _finding(ctx: FileContext, kind: str, hits: list[_Hit]) -> Finding:
    first = hits[0]
    who = first.who
    values = list(dict.fromkeys(h.value for h in hits))
    evidence = [
        Evidence(
            kind="string", value=clip(h.context, 400), location=Location(path=ctx.node.path, offset=h.offset)
        )
        for h in _distinct(hits)
    ]
    if who is None:
        what = f"unrecognised organisation {first.name}"
        return trace_finding(
            ctx,
            rule=RULE,
            key=f"{kind}\x00{first.name}",
            kind=kind,
            title=clip(f"{what} in {KIND_PHRASES[kind]}", 120),
            detail=f"{what}, named in {KIND_PHRASES[kind]}: {clip(first.context, 300)}",
            evidence=evidence,
            vendor=first.name,
            severity=Severity.INFO,
            confidence=0.6,
            offset=first.offset,
        )
    role = _role(who)
    named = f"{who.name} ({role})" if role else who.name
    shown = ", ".join(values)
    title = f"{named} named in {KIND_PHRASES[kind]}" if kind != "maker-domain" else f"{named} domain {shown}"
    key = f"{kind}\x00{who.name}\x00{shown if kind == 'maker-domain' else ''}"
    return trace_finding(
        ctx,
        rule=RULE,
        key=key,
        kind=kind,
        title=clip(title, 120),
        detail=title,
        evidence=evidence,
        vendor=who.name,
        vendor_country=who.country or None,
        severity=Severity.LOW if isinstance(who, Maker) and kind not in _PASSING else Severity.INFO,
        confidence=0.8,
        offset=first.offset,
    )


def _role(who: Maker | Organisation) -> str:
    """How a named organisation relates to the making of firmware, for titles."""
    if isinstance(who, Organisation):
        return f"{who.kind} organisation, no maker"
    if who.kind == "brand" and who.parent:
        maker = maker_base().maker_of(who)
        return f"brand of {maker.name}" if who.relation != "odm" else f"brand, made by {maker.name}"
    return "" if who.kind in {"maker", "odm"} else who.kind
