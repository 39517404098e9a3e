"""Is a candidate a real endpoint? Public-suffix check, reserved addresses, and noise rejection.

Strings that look like endpoints but are not: file names whose extension is also a TLD (`libc.so`,
`demo.sh`, `setup.py`), version banners in dotted-quad form (`IOTCAPIs 3.1.10.7`, `firmware
2.4.1.0`), netmasks (`255.255.255.0`), and names without a registrable domain under the public
suffix list (`config.bin`, `NetWork.Nat`). Hosts the vendor data names are never noise.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from firmware_audit.refdata import addresses, domains

FILE_EXTENSION_TLDS = frozenset(
    {"so", "sh", "py", "pl", "pm", "md", "mo", "ml", "mk", "cc", "rs", "ps", "ai", "la", "ar", "bz", "cf",
     "do", "in", "am", "ac", "tk", "ly", "gd", "pt", "zip", "mov", "app", "cab", "inc", "run", "map",
     "new", "data", "info"}
)  # fmt: skip
"""TLDs that are also common file extensions: `name.<tld>` alone is more likely a file than a host."""

LEGACY_TLDS = frozenset({"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz"})
"""Generic TLDs older than the 2012 round; names under the newer ones (`.top`, `.open`, `.data`) are
often dotted words in code and help texts, so bare ones must be quoted or alone to count."""
_QUOTES = frozenset({'"', "'", "`"})
_NAME_LIKE = re.compile(r"[\d-]")
"""A digit or hyphen: `cloud365.top` looks like a registered name, `people.box` like a dotted word."""
_AFTER_VALUE = frozenset({'"', "'", "<", ",", ";", "/", ":"})

_VERSION_BEFORE = re.compile(
    r"(?i)(?:\bv|(?:\b|_|app|sw|fw|hw|sys|soft|lib|sdk|api)ver(?:sion)?|version|firmware|\bfw|\brev|revision|"
    r"release|build|\bsdk|\bapi|\biotc\w*)[\s\"'_-]*[:=]?[\s\"']*$"
)
"""A version key or banner word just before: `ver 1.2.3.4`, `appver=4.36.8.32`, `IOTC 3.1.10.7`."""
_OID_FIRST_ARCS = frozenset({1, 2})
"""OIDs (`2.5.4.3`, `1.3.6.1`) and versions (`2.4.1.0`) are dotted quads starting with 1 or 2; real
servers there (1.1.1.1) come from the vendor data or stand after a key (`nameserver 1.1.1.1`)."""
_SMALL_OCTET = 10
_BANNER = re.compile(r"^\s*[A-Za-z][\w+.-]*[ _/]$")
"""A single word then the address, and nothing after it: `IOTCAPIs 3.1.10.7`, `iLnkP2P 4.2.3.5`."""
_HEADING_BEFORE = re.compile(r"^\s*(?:/\*+|//+|#+|\*|;+|--)?\s*$")
_HEADING_AFTER = re.compile(r"^\s+[A-Z][a-z]+(?:-[A-Za-z]+)*(?: [A-Za-z][A-Za-z-]*)+")
"""A numbered heading: nothing but a comment's opening before the number, a title of two words or
more after it, as a standard's section is cited in C headers (`/* 7.18.1.1  Exact-width integer
types */`) that libraries carry into their binaries."""
_RCS_BEFORE = re.compile(r"\$(?:(?:Id|Header|Source):[^$]*,v\s+|Revision:\s*)$")
"""A CVS or RCS keyword up to its revision: `$Id: cmds.c,v `, `$Revision: `."""
_SECTION_OCTETS = 100
"""Section numbers are small: a heading's every number is below this."""
_ADDRESS_KEYS = re.compile(
    r"(?i)server|host|addr|\bip\b|dns|ntp|gateway|\bgw\b|proxy|relay|master|url|srv|svr|peer|remote|domain|broker"
)
"""Words that make the single word before an address its key (`nameserver 8.8.8.8`), not a product name."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a candidate is an endpoint, and if it is a reserved one, why."""

    endpoint: bool
    reserved: str | None = None
    reason: str | None = None


NOISE = Verdict(endpoint=False)
_UNREGISTRABLE = Verdict(endpoint=False, reason="no registrable domain under the public suffix list")
"""The verdict on most dotted words (`event.target`): made once."""


def check_host(written: str, *, bare: bool, before: str = "", after: str = "", code: bool = False) -> Verdict:
    """A host name: registrable under the public suffix list, and not a file name or identifier.

    A bare name (one that stood alone in the text, not in a URL, e-mail address or decoded list) is
    held to more: it is not a file name (`libc.so`), a dotted identifier in mixed case
    (`NetWork.Nat`), a short dotted word (`u.id`, `hh.mm.ss`), or, with no subdomain, a word in
    running text rather than in quotes or alone (`value.cr`); under a newer generic TLD a two-label
    name needs a digit or hyphen (`cloud365.top`, not `people.box`); in source code (`code`), only
    quoted names count.

    Args:
        written: The host name as written.
        bare: True when it stood alone in the text.
        before: Text of its line or string before it.
        after: Text of its line or string after it.
        code: True in a source-code file (JavaScript, Lua, Python ...).
    """
    host = written.lower()
    split = domains.split(host)
    if split is None:
        return _UNREGISTRABLE
    problem = "a reverse-DNS zone name, not a server" if split.tld == "arpa" else None
    if bare and problem is None:
        problem = _bare_problem(written, split, before=before, after=after, code=code)
    if problem is not None:
        return Verdict(endpoint=False, reason=problem)
    return Verdict(endpoint=True, reserved=addresses.reserved_name(host))


_ELF_SECTIONS = frozenset(
    {"data", "rel", "rela", "rodata", "text", "bss", "init", "fini", "got", "plt", "debug", "note", "gnu",
     "dynamic", "dynsym", "dynstr", "comment", "symtab", "strtab", "shstrtab", "tbss", "tdata", "ctors",
     "dtors", "jcr", "interp", "hash", "arm", "mips", "sdata", "sbss", "reginfo", "pdr"}
)  # fmt: skip
"""First labels of ELF section names (`.data.rel.ro`, `.rel.text`): strings in every binary, not suffixes."""


def check_built(written: str) -> Verdict:
    """A name built at run time (a suffix, or what follows a placeholder): held to its own rules.

    It needs a registrable domain under a legacy generic TLD or a country code that is not also a
    common file extension, one letter case in its registered part, and it is not an ELF section
    name (`.data.rel.ro`) — CSS classes (`.u-tab.menu`), template paths (`{i}.Hosts.Host`) and file
    extensions (`.qt.mov`) are what else looks like one.
    """
    host = written.lower()
    split = domains.split(host)
    if split is None:
        return _UNREGISTRABLE
    registered = written[len(written) - len(split.registered) :]
    checks = (
        (host.split(".", 1)[0] in _ELF_SECTIONS, "an ELF section name"),
        (not (registered.islower() or registered.isupper()), "an identifier: its domain is in mixed case"),
        (
            split.tld not in LEGACY_TLDS and (len(split.tld) != 2 or split.tld in FILE_EXTENSION_TLDS),
            f"a class, path or file name (.{split.tld}), not a built host name",
        ),
    )
    problem = next((why for applies, why in checks if applies), None)
    if problem is not None:
        return Verdict(endpoint=False, reason=problem)
    return Verdict(endpoint=True, reserved=addresses.reserved_name(host))


def _bare_problem(written: str, split: domains.Split, *, before: str, after: str, code: bool) -> str | None:
    """Why a name standing alone in text is not a host, or None when it may be one."""
    host = written.lower()
    registered = written[len(written) - len(split.registered) :]
    legacy = split.tld in LEGACY_TLDS
    quoted = before[-1:] in _QUOTES
    checks = (
        (split.suffix in FILE_EXTENSION_TLDS and _file_like(host, split), f"a file name (.{split.suffix})"),
        (not (registered.islower() or written.isupper()), "an identifier: its domain is in mixed case"),
        (len(split.domain) < (2 if legacy else 3), "a short dotted word (`u.id`, `mm.ss`), not a domain"),
        (code and not quoted, "an identifier in source code (not in quotes)"),
        (
            not split.subdomain and not (quoted or _alone(before, after)),
            "a dotted word in running text, neither quoted nor alone",
        ),
        (
            not (legacy or len(split.tld) == 2 or _NAME_LIKE.search(host)),
            f"a dotted word (.{split.tld} is a newer generic TLD)",
        ),
    )
    return next((why for applies, why in checks if applies), None)


def _file_like(host: str, split: domains.Split) -> bool:
    """`libc.so`, `demo.sh`, `libbfd-2.40-arm64.so`: a file name, not a host under that ccTLD."""
    labels = host.split(".")
    return not split.subdomain or host.startswith("lib") or any(label[:1].isdigit() for label in labels)


def _alone(before: str, after: str) -> bool:
    """The name is the whole string, or a configuration value (`key=name`, `key: name`)."""
    head = before.rstrip()
    tail = after.strip()
    return (not head or head[-1] in "=:>") and (not tail or tail[0] in _AFTER_VALUE)


def check_address(
    address: str,
    *,
    line_before: str = "",
    line_after: str = "",
    known: bool = False,
    version_file: bool = False,
) -> Verdict:
    """An IPv4 or IPv6 address: valid, not a netmask, not a version number written like an address.

    Args:
        address: The address as written.
        line_before: Text of the same line (or string) before it.
        line_after: Text of the same line after it (a banner ends with the version).
        known: True when it is surely an address (in a URL, decoded, or named by the vendor data):
            only validity and reserved ranges are checked then.
        version_file: True in a text file whose name says it holds a version (`sysversion.txt`).

    Four single digits (`3.0.0.2`, `9.7.3.8`) and a last number 0 (`6.0.0.0`) are versions or
    networks, not hosts, unless the vendor data names the address (`8.8.8.8`, `1.1.1.1`). A CVS or
    RCS revision (`$Id: cmds.c,v 1.1.1.1 2005/09/15 ...`) is none, whatever names it.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return Verdict(endpoint=False, reason="not a valid address")
    if _RCS_BEFORE.search(line_before):
        return Verdict(endpoint=False, reason="a CVS or RCS revision number ($Id: file,v ...)")
    reserved = addresses.reserved_address(address)
    if isinstance(ip, ipaddress.IPv4Address) and not known:
        problem = _not_an_address(
            ip.packed, line_before, line_after, version_file=version_file, public=reserved is None
        )
        if problem is not None:
            return Verdict(endpoint=False, reason=problem)
    return Verdict(endpoint=True, reserved=reserved)


def _not_an_address(
    octets: bytes, before: str, after: str, *, version_file: bool, public: bool
) -> str | None:
    """Why a dotted quad is a mask, an OID or a version rather than an address, if it is.

    The shapes of versions (single digits, a last 0) are only held against public addresses:
    `0.0.0.0` and `10.0.0.0` are reserved addresses, reported as such.
    """
    keyed = _ADDRESS_KEYS.search(before) is not None
    checks = (
        (octets[0] == 255, "a netmask or broadcast mask"),
        (
            octets[0] in _OID_FIRST_ARCS and not keyed,
            "an object identifier or version (1.x.x.x / 2.x.x.x without a key)",
        ),
        (_VERSION_BEFORE.search(before) is not None, "a version number"),
        (version_file, "a version number (the file holds a version)"),
        (
            public and not keyed and all(octet < _SMALL_OCTET for octet in octets),
            "a version number (four single digits)",
        ),
        (public and octets[3] == 0, "a network address or version (last number 0)"),
        (
            not after.strip(" \t\"'") and _BANNER.fullmatch(before) is not None and not keyed,
            "a version number in a banner",
        ),
        (
            all(octet < _SECTION_OCTETS for octet in octets)
            and _HEADING_BEFORE.match(before) is not None
            and _HEADING_AFTER.match(after) is not None,
            "a section number (a numbered heading)",
        ),
    )
    return next((why for applies, why in checks if applies), None)


def plausible_ipv6(text: str) -> bool:
    """An IPv6 candidate that is an address, not a C++ scope, a time or a hex dump.

    It must parse, use one letter case, and either be written in full (8 groups) or compress zeros
    with `::` after a first group of three or four digits (`2001:db8::10`, `fe80::1`, `ff02::1`).
    """
    if text.lower() != text and text.upper() != text:
        return False
    try:
        ip = ipaddress.IPv6Address(text)
    except ValueError:
        return False
    if ip == ipaddress.IPv6Address("::"):
        return False
    groups = text.split(":")
    if "::" in text:
        return len(groups[0]) >= 3 and sum(1 for g in groups if g) >= 2
    return len(groups) == 8
