"""Context decides what is a server: the key, line, file and bytes around an endpoint candidate.

A string shaped like a host or an address is only a server when the firmware uses it as one. The
rules here read what surrounds it and say, with a reason, when it is not:

* `reference` — a real name or address the firmware only mentions: on a commented-out line, in an
  example or a form's placeholder or default value, in a refuse list (`bogus-nxdomain`), in a
  standard table (`/etc/protocols`, `/etc/services`), as a contact in a credit list
  (`<name&host>`), as a link the web interface opens in the user's browser, or as a boot loader's
  network default (U-Boot's `ipaddr`, `serverip`), used only to boot the device from the network. These become
  `reference` findings (severity info), so a reader still sees them.
* `noise` — not a name at all: a script expression (`objId=val.id;`), a file name whose labels are
  file extensions (`modules.dep.bb`), or a short printable run in binary data that is not a C string
  (random bytes that happen to end in `.bn`). These are dropped, and counted by reason.

Version numbers shaped like addresses are `validate`'s (it sees the address); the file facts it
needs come from `FileFacts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from firmware_audit.analyze.endpoints.validate import LEGACY_TLDS
from firmware_audit.model import EndpointKind

_WEB_SUFFIXES = frozenset({"htm", "html", "shtml", "xhtml", "asp", "jsp", "php", "js", "mjs", "lua", "cgi"})
"""Files of a web interface: the browser runs them, or they build pages for it."""
_STANDARD_TABLES = frozenset({"protocols", "services", "rpc", "ethertypes", "networks", "mime.types"})
"""Files in /etc that are standard tables (IANA names, RFC credits), never server lists."""
_COMMENT = re.compile(r"^\s*(?:#|;|//|<!--|\*|/\*)")
"""A commented-out line in a configuration file or script (what follows is not in effect)."""
_TRAILING_COMMENT = re.compile(r"(?:^|[ \t])#")
"""A comment after a setting (`option 0x08 01020304 # cookie server 1.2.3.4`), in a config file or script."""
_EXAMPLE = re.compile(
    r"(?i)(?:\bfor\s+(?:example|instance)|\be\.g\.|\bexamples?\b(?!\.)|\bsuch\s+as\b|\bsample\b(?!\.)|"
    r"\bi\.e\.|\blines?\s+like\b)"
)
_EXAMPLE_REACH = 240
_SENTENCE_END = re.compile(r".*(?:[.!?]\s|\u3002|<p>|<br\s*/?>)", re.IGNORECASE | re.DOTALL)
_HELP_TEXT = re.compile(
    r"(?i)\bv(?:ersion)?\s*%[sd]|\busage:|--help|\bhome\s?page\b|\bweb\s?site\b|\bproject\s+page\b|"
    r"\bwritten\s+by\b|\bdownload(?:ed)?\s+(?:it\s+)?(?:from|at)\b"
)
"""A program's banner, usage or help text: `Dropbear SSH client v%s https://...`, `Usage: ...`."""
_PLACEHOLDER = re.compile(r"(?i)placeholder[\"']?\s*[:=,(]\s*[\"']?$")
_FORM_VALUE = re.compile(r"(?i)\b(?:value|defaultValue|default)[\"']?\s*[:=,(]\s*[\"']?$")
_REFUSE = re.compile(r"(?i)bogus[-_ ]?nx[-_ ]?domain|ignore[-_]address|\bbogus\b")
_REFUSE_REACH = 200
_OBFUSCATED_MAIL = re.compile(r"[\w.+-]&$")
"""`<Howard&NMFECC.LLNL.GOV>`: the IANA tables write e-mail addresses with `&` for `@`."""
_LINK = re.compile(
    r"(?i)(?:\bhref\s*=\s*[\"']?|window\.open\s*\(\s*[\"']|\b(?:goUrl|openWindow\w*|open)\s*\(\s*[\"'])"
    r"(?:[a-z][a-z0-9+.-]*:)?(?://)?$"
)
"""`<a href="http://...">`, `window.open("http://...")`: the user's browser opens it, not the device."""
_LINK_TEXT = re.compile(r"(?i)<a\b[^<>]*>\s*(?:https?://)?$")
"""`<a href="#" onClick="openWindow1();">dyn.com</a>`: the text of a link a person clicks, in a page."""
_SEE = re.compile(r"(?i)(?:@|\b)see(?:\s+also)?\s*:?\s*$")
_BOOT_NETWORK = re.compile(
    r"^\s*(?:(?:fw_)?setenv\s+)?(?:ipaddr|serverip|gatewayip|netmask|dnsip2?)(?:\s*=|\s+)\s*$"
)
"""A U-Boot network variable (`ipaddr=`, `serverip=`, `gatewayip=`; U-Boot's documentation of its
environment): the device's own address and the TFTP server of a boot from the network, which the
boot loader uses only when someone boots the device that way (`tftp`)."""
_OWN_ADDRESS = re.compile(
    r"(?:\bifconfig\s+[\w.:-]+\s+(?:inet\s+)?|\bip\s+(?:-4\s+)?addr(?:ess)?\s+(?:add|replace)\s+)$"
)
"""`ifconfig wlan0 192.168.8.1`, `ip addr add 10.0.0.2/24 dev eth0`: the device's own address."""
_DHCP_POOL = re.compile(r"(?:^\s*(?:start|end)\s+|\bdhcp-range\s*=\s*(?:[\w.:,-]*,)?)$")
"""The addresses a DHCP server leases to its clients: busybox udhcpd's `start` and `end` lines, dnsmasq's
`dhcp-range=` (a tag and set before it, the range's first or second address)."""
_EXPRESSION_BEFORE = frozenset("=(!+[{,?&|")
_EXPRESSION_AFTER = frozenset(";)+]}")
_FILE_WORDS = frozenset(
    {"dep", "conf", "cfg", "bak", "tmp", "old", "orig", "txt", "log", "bin", "img", "tar", "gz", "ko",
     "htm", "html", "js", "css", "xml", "json", "ini", "pem", "crt", "sh", "py", "dat"}
)  # fmt: skip
"""Words that are file extensions: a name whose registered label is one is a file (`modules.dep.bb`)."""
_RUN_MAX = 32
"""In binary data a printable run this short is a name only when it is a C string (ends in NUL)."""
_TERMINATORS = frozenset({"", "\x00", "\n", "\r", "\t", " "})
"""What ends a C string, a line or the data (a UTF-16 string is scanned as its own text)."""


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What the file says about the strings in it.

    Attributes:
        path: Its virtual path.
        is_text: True for a text file (no NUL in its first bytes, not ELF).
        is_kernel: True for a Linux kernel or a kernel module, which resolve no host names: the
            kernel has no resolver of its own, so a name in it is a driver's or a maintainer's text.
    """

    path: str
    is_text: bool
    is_kernel: bool = False

    @property
    def name(self) -> str:
        """The file's name."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        """The file's extension, lower case ('' when none)."""
        name = self.name
        return name.rsplit(".", 1)[-1].lower() if "." in name else ""

    @property
    def is_web(self) -> bool:
        """A file of a web interface (HTML, JavaScript, server pages)."""
        return self.is_text and self.suffix in _WEB_SUFFIXES

    @property
    def is_standard_table(self) -> bool:
        """`/etc/protocols`, `/etc/services` and the like."""
        return "/etc/" in self.path and self.name in _STANDARD_TABLES

    @property
    def holds_version(self) -> bool:
        """A text file whose name says it holds a version (`sysversion.txt`, `app.ver`, `VERSION`)."""
        name = self.name.lower()
        return self.is_text and ("version" in name or name.endswith(".ver") or name == "ver")


@dataclass(frozen=True, slots=True)
class Around:
    """The text around one candidate.

    Attributes:
        before: Its line (or string) before it.
        after: Its line (or string) after it.
        end: The character that ends its printable run ('' at the end of the data).
        run: Length of its printable run.
        lines: The lines before its line (text files only): a sentence of help text may start there.
    """

    before: str = ""
    after: str = ""
    end: str = ""
    run: int = 0
    lines: str = ""


def reference(kind: EndpointKind, around: Around, facts: FileFacts, *, reserved: bool = False) -> str | None:
    """Why a name or address is only mentioned, not used as a server; None when it may be one.

    A reserved address (private, link-local ...) is reported as one already, never judged foreign:
    a boot loader's default of that kind stays so.
    """
    before = around.before
    checks = (
        (lambda: facts.is_standard_table, f"a name in the standard table {facts.name}, not a server"),
        (lambda: _OBFUSCATED_MAIL.search(before), "a contact in a credit list (written with & for @)"),
        (
            lambda: _REFUSE.search(before[-_REFUSE_REACH:]),
            "an address the device refuses (bogus-nxdomain list), not one it calls",
        ),
        (
            lambda: _COMMENT.match(before) and (facts.is_text or before.lstrip().startswith("#")),
            "on a commented-out line: not in effect",
        ),
        (
            lambda: facts.is_text and not facts.is_web and _TRAILING_COMMENT.search(before),
            "in a comment: not in effect",
        ),
        (lambda: _PLACEHOLDER.search(before), "a form field's placeholder"),
        (
            lambda: _EXAMPLE.search(_sentence(f"{around.lines} {before}")),
            "an example in help or documentation text",
        ),
        (lambda: _HELP_TEXT.search(before), "in a program's banner, usage or help text"),
        (
            lambda: facts.is_web and _FORM_VALUE.search(before),
            "a form field's default value in the web interface",
        ),
        (
            lambda: facts.is_web and kind is EndpointKind.URL and _LINK.search(before),
            "a link the web interface opens in the user's browser",
        ),
        (lambda: facts.is_web and _LINK_TEXT.search(before), "the text of a link in the web interface"),
        (lambda: _SEE.search(before), "named in documentation (see ...)"),
        (
            lambda: kind is EndpointKind.IP and not reserved and _OWN_ADDRESS.search(before),
            "the device's own address (ifconfig, ip addr), not a server it reaches",
        ),
        (
            lambda: kind is EndpointKind.IP and not reserved and facts.is_text and _DHCP_POOL.search(before),
            "an address the device's DHCP server leases to its clients, not a server it reaches",
        ),
        (
            lambda: facts.is_kernel and kind is not EndpointKind.IP,
            "in a Linux kernel or kernel module, which resolves no host names (a driver's text)",
        ),
        (
            lambda: kind is EndpointKind.IP and not reserved and _BOOT_NETWORK.match(before),
            "a boot loader's network default (U-Boot ipaddr, serverip): used only to boot from the network",
        ),
    )
    return next((why for applies, why in checks if applies()), None)


def _sentence(before: str) -> str:
    """The sentence the candidate is in, up to it (help texts run many sentences on one line)."""
    tail = before[-_EXAMPLE_REACH:]
    ended = _SENTENCE_END.match(tail)
    return tail[ended.end() :] if ended else tail


def noise(kind: EndpointKind, host: str, around: Around, facts: FileFacts) -> str | None:
    """Why a bare host name candidate is not a name at all; None when it may be one."""
    if kind is not EndpointKind.HOSTNAME:
        return None
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _FILE_WORDS and labels[-1] not in LEGACY_TLDS:
        return "a file name (its labels are file extensions)"
    before, after = around.before, around.after
    if facts.is_text and before[-1:] in _EXPRESSION_BEFORE and (not after or after[0] in _EXPRESSION_AFTER):
        return "an expression in a script (unquoted, between operators)"
    if not facts.is_text and around.run <= _RUN_MAX and around.end not in _TERMINATORS:
        return "not a C string in binary data (random bytes)"
    return None
