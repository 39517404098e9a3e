"""What the firmware uses an endpoint for, and whether it is only a reference.

Evidence, strongest first:

1. the vendor data names the host or its service domain (its source documents the role);
2. the host came out of a P2P init string (role p2p);
3. the words just before it: its configuration key (`"MqttHost": "..."`, `nameserver ...`,
   `ntpd -p ...`) and, in a text file, the section it is in (`"NetWork.NetDNS": { "Address": ...`);
4. the name of the function that uses it (`IOTC_Initialize2`, `tuya_ipc_start_sdk`);
5. the file's name (`ntp.conf`, `resolv.conf`, `p2p.conf`);
6. the host name's own labels (`ntp1.`, `p2p3.`, `push.`, `upgrade.`);
7. the specific APIs the using function calls (`XQP2P_Initialize`, `tuya_mqtt_init`), which say
   less: in a stripped file that function is often `main`;
8. the vendor data for the host's registered domain.

References (XML namespaces, schemas, licences, documentation, library home pages) are recognised
by scheme, by the reference table of hosts and URL paths, and by the words around them (`xmlns=`,
`licence`, `copyright`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from firmware_audit.analyze.namespaces import in_namespace
from firmware_audit.model import EndpointKind, EndpointRole

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from firmware_audit.analyze.endpoints.extract import Candidate
    from firmware_audit.signatures.endpoints import EndpointData, VendorEndpoint


class Strength(IntEnum):
    """How much a role decision is worth, to merge the occurrences of one endpoint."""

    NONE = 0
    VENDOR_DOMAIN = 1
    CALLS = 2
    HOST_LABEL = 3
    FILE_NAME = 4
    CODE = 5
    CONTEXT = 6
    DECODED = 7
    VENDOR_HOST = 8


@dataclass(frozen=True, slots=True)
class Role:
    """A role and why it was given."""

    role: EndpointRole
    strength: Strength
    basis: str


UNKNOWN = Role(EndpointRole.UNKNOWN, Strength.NONE, "no hint")

_WORDS = {
    EndpointRole.NTP: "ntp ntpd ntpdate ntpc ntpclient sntp timeserver ntpserver chrony timesync",
    EndpointRole.DDNS: "ddns dyndns noip oray",
    EndpointRole.DNS: "dns nameserver nameservers resolver resolv",
    EndpointRole.MQTT: "mqtt mqtts broker",
    EndpointRole.PUSH: "push apns fcm gcm notify notification smtp mail",
    EndpointRole.UPDATE: "upgrade update ota firmware fwupdate upgrader tftp serverip",
    EndpointRole.P2P: "p2p pppp ppcs iotc tutk kalay relay stun turn rendezvous ilnk xqp2p nat p2psrv "
    "p2pserver",
    EndpointRole.CLOUD: "cloud api auth register registration platform cfg dss agent iot linkkit tuya ezviz",
}
"""Words that name a role, in a configuration key, a section, a file or a function name."""
_ROLE_OF_WORD = {word: role for role, words in _WORDS.items() for word in words.split()}
_LABEL_ROLES: tuple[tuple[re.Pattern[str], EndpointRole], ...] = (
    (re.compile(r"^(?:s?ntp|time|clock)\d*$"), EndpointRole.NTP),
    (re.compile(r"ddns|dyndns"), EndpointRole.DDNS),
    (re.compile(r"^(?:p2p|relay|stun|turn|nat)"), EndpointRole.P2P),
    (re.compile(r"^push"), EndpointRole.PUSH),
    (re.compile(r"mqtt"), EndpointRole.MQTT),
    (re.compile(r"^(?:upgrade|update|ota|fw|firmware|download)"), EndpointRole.UPDATE),
    (re.compile(r"^(?:api|cloud|auth|iot|cfg|config|register|reg|access|dss|platform)"), EndpointRole.CLOUD),
)
_TOKEN = re.compile(r"[A-Z][A-Z0-9]*(?![a-z])|[A-Z]?[a-z][a-z0-9]*")
_KEY_REACH = 80
_REFERENCE_SCHEMES = frozenset({"onvif", "urn", "xmlns", "dav", "tag"})
_REFERENCE_WORDS = re.compile(
    r"(?i)licen[cs]e|copyright|\(c\)|\bGPL|\bLGPL|\bBSD\b|\bMIT\b|see\s+(?:also\s+)?$|documentation|homepage|"
    r"home page|written by|maintainer|report bugs"
)
_MAIL_WORDS = re.compile(r"(?i)smtp|mail\s*(?:server|to|from)|sendmail|alarm|recipient|receiver|sender")
_ASKED_TO_WRITE = re.compile(r"(?i)\b(?:please|contact|questions?|report\w*)\b[^.;:=\n]{0,60}$")
"""A sentence asking its reader to write (`please send an email to`, `report problems to`): the address
after it is a contact, whatever mail words the sentence holds."""


def words(text: str) -> list[str]:
    """Lower-case words of an identifier or a line, split at camelCase and punctuation.

    Digits stay inside a word and are dropped at its end, so `P2PServer` gives `p2p`, `server` and
    `ntp1` gives `ntp`.
    """
    return [t.lower().rstrip("0123456789") for t in _TOKEN.findall(text)]


def from_words(tokens: Sequence[str]) -> tuple[EndpointRole, str] | None:
    """The role of the last role word in `tokens` (the one nearest the endpoint), if any."""
    for token in reversed(tokens):
        role = _ROLE_OF_WORD.get(token)
        if role is not None:
            return role, token
    return None


def from_labels(host: str, registered: str | None) -> Role | None:
    """A role from the host name's own labels left of its registered domain (`ntp1.`, `p2p3.`)."""
    if registered is None or host == registered:
        return None
    for label in host[: -len(registered) - 1].split("."):
        for pattern, role in _LABEL_ROLES:
            if pattern.search(label):
                return Role(role, Strength.HOST_LABEL, f"host name label '{label}'")
    return None


@dataclass(frozen=True, slots=True)
class Clues:
    """What is known around one occurrence of an endpoint.

    Attributes:
        before: Text of its line or string before it.
        window: Text of the preceding lines (text files only; empty in binaries).
        file_name: Name of the file it is in.
        function: The function that uses it and the functions that one calls (ELF files).
        decoded: True when it was decoded from a P2P init string.
    """

    before: str = ""
    window: str = ""
    file_name: str = ""
    function: tuple[str, ...] = ()
    decoded: bool = False


@dataclass(frozen=True, slots=True)
class _Facts:
    candidate: Candidate
    clues: Clues
    vendor: VendorEndpoint | None
    registered: str | None


def _by_vendor_host(f: _Facts) -> Role | None:
    if f.vendor is not None and f.vendor.service:
        return Role(f.vendor.role, Strength.VENDOR_HOST, f"vendor data ({f.vendor.file})")
    return None


def _by_decoding(f: _Facts) -> Role | None:
    return (
        Role(EndpointRole.P2P, Strength.DECODED, "decoded from a P2P init string")
        if f.clues.decoded
        else None
    )


def _by_mail(f: _Facts) -> Role | None:
    if f.candidate.kind is EndpointKind.EMAIL:
        return Role(EndpointRole.PUSH, Strength.CONTEXT, "e-mail address alarms are sent to or from")
    return None


def _by_context(f: _Facts) -> Role | None:
    for text, label in ((f.clues.before[-_KEY_REACH:], "configuration key"), (f.clues.window, "section")):
        found = from_words(words(text))
        if found is not None:
            return Role(found[0], Strength.CONTEXT, f"{label} word '{found[1]}'")
    return None


def _by_function(f: _Facts) -> Role | None:
    found = from_words(words(f.clues.function[0])) if f.clues.function else None
    if found is None:
        return None
    return Role(found[0], Strength.CODE, f"used by {f.clues.function[0]} ('{found[1]}')")


def _by_file_name(f: _Facts) -> Role | None:
    found = from_words(words(f.clues.file_name))
    return Role(found[0], Strength.FILE_NAME, f"file name '{f.clues.file_name}'") if found else None


def _by_label(f: _Facts) -> Role | None:
    return from_labels(f.candidate.host, f.registered)


def _by_calls(f: _Facts) -> Role | None:
    for callee in f.clues.function[1:]:
        # what the using function calls says less (it may be `main`): only the specific APIs count
        found = from_words(words(callee))
        if found is not None and found[0] is not EndpointRole.CLOUD:
            return Role(found[0], Strength.CALLS, f"used by {f.clues.function[0]}, which calls {callee}")
    return None


def _by_vendor_domain(f: _Facts) -> Role | None:
    if f.vendor is None:
        return None
    return Role(f.vendor.role, Strength.VENDOR_DOMAIN, f"vendor data for the domain ({f.vendor.file})")


_RULES: tuple[Callable[[_Facts], Role | None], ...] = (
    _by_vendor_host,
    _by_decoding,
    _by_mail,
    _by_context,
    _by_function,
    _by_file_name,
    _by_label,
    _by_calls,
    _by_vendor_domain,
)


def classify(
    candidate: Candidate,
    clues: Clues,
    vendor: VendorEndpoint | None,
    registered: str | None,
) -> Role:
    """The role of one occurrence of an endpoint (references are decided by `reference` first)."""
    facts = _Facts(candidate, clues, vendor, registered)
    return next((role for rule in _RULES if (role := rule(facts)) is not None), UNKNOWN)


def reference(candidate: Candidate, clues: Clues, data: EndpointData) -> str | None:
    """Why an occurrence is a reference and not a server, or None when it may be a server."""
    row = data.reference(candidate.host)
    path = data.reference_path(candidate.path) if candidate.kind is EndpointKind.URL else None
    mail = candidate.kind is EndpointKind.EMAIL
    reasons = (
        (candidate.scheme in _REFERENCE_SCHEMES, f"{candidate.scheme}: URI, an identifier"),
        (row is not None, row.what if row else ""),
        (path is not None, path.what if path else ""),
        (in_namespace(clues.before), "an XML namespace or schema location"),
        (
            mail
            and (
                _ASKED_TO_WRITE.search(clues.before[-100:])
                or not _MAIL_WORDS.search(clues.before + clues.window)
            ),
            "a contact address",
        ),
        (bool(_REFERENCE_WORDS.search(clues.before[-120:])), "named in a licence or documentation text"),
    )
    return next((why for applies, why in reasons if applies), None)


def merge(roles: Iterable[Role]) -> Role:
    """The strongest role of all occurrences (the first of equals)."""
    best = UNKNOWN
    for role in roles:
        if role.strength > best.strength:
            best = role
    return best
