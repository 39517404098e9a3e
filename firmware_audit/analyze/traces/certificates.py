"""X.509 certificates and private keys anywhere in the image, PEM or DER.

Every certificate is read with `cryptography` and reported with its subject and issuer (organisation
and country), validity, key and fingerprints; a maker named in the subject or issuer (`O=HIKVISION`)
is the finding's vendor. Unencrypted private keys are reported as a risk of their own: the same key
ships on every unit. `link_keys`, run over the whole image's findings, names the certificate a key
belongs to. A file of many self-signed CA certificates is a trust store, and its anchors are not
traces of anyone; they are left out.

This module finds the PEM blocks and DER candidates; `x509_reader` reads them, and is imported with
the first one found: `cryptography`'s X.509 modules take 60-100 ms to import, and most images hold
no certificate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.traces._common import ContentTrace, clip, has_members
from firmware_audit.model import Evidence

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from cryptography import x509

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding

RULE_CERTIFICATE = "certificate/x509"
RULE_KEY = "certificate/private-key"
PUBLIC_KEY_EVIDENCE = "public-key-sha256"
"""The evidence kind of a public key's digest, on a certificate's finding and a private key's."""
MAX_BLOCK = 64 * 1024
"""Largest PEM block or DER certificate read; real ones are a few KiB."""
MAX_BLOCKS = 64
"""PEM blocks and DER candidates read per file."""
TRUST_STORE = 4
"""A file with at least this many certificates is a trust store: its self-signed CAs are not traces."""
_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n(.{0,%d}?)-----END \1-----" % MAX_BLOCK, re.DOTALL)
# An X.509 v3 certificate: SEQUENCE (long length), its TBSCertificate SEQUENCE, explicit version tag.
_DER = re.compile(rb"\x30\x82(..)\x30(?:\x82..|\x81.)\xa0\x03\x02\x01[\x00-\x02]", re.DOTALL)
_CERTIFICATE_LABELS = frozenset({b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"})
_KEY_LABELS = frozenset({b"PRIVATE KEY", b"RSA PRIVATE KEY", b"EC PRIVATE KEY", b"DSA PRIVATE KEY"})
_ENCRYPTED_KEY = b"ENCRYPTED PRIVATE KEY"


@dataclass(frozen=True, slots=True)
class Found:
    """A certificate read from a file: where it starts and how it was stored (`PEM`, `DER`)."""

    certificate: x509.Certificate
    offset: int
    encoding: str


class CertificateAnalyzer(ContentTrace):
    """Certificates and private keys, PEM or DER, in every file."""

    name: ClassVar[str] = "certificates"
    version: ClassVar[str] = "1.0"

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per certificate and per private key of this file."""
        if has_members(ctx):
            return
        data = ctx.data()
        keys: list[Finding] = []
        certificates = _pem_blocks(ctx, data, keys) + _der_certificates(data)
        yield from keys
        if not certificates:
            return
        from firmware_audit.analyze.traces import x509_reader as reader  # noqa: PLC0415  (see the module)

        store = len(certificates) >= TRUST_STORE
        for found in certificates:
            if not (store and reader.is_anchor(found.certificate)):
                yield reader.certificate_finding(ctx, found)


def _pem_blocks(ctx: FileContext, data: bytes, keys: list[Finding]) -> list[Found]:
    """The PEM certificates of a file; its PEM private keys are appended to `keys` as findings."""
    if b"-----BEGIN " not in data:
        return []
    blocks = [
        m
        for m in islice(_PEM.finditer(data), MAX_BLOCKS)
        if m.group(1) in _CERTIFICATE_LABELS or m.group(1) in _KEY_LABELS or m.group(1) == _ENCRYPTED_KEY
    ]
    if not blocks:
        return []
    from firmware_audit.analyze.traces import x509_reader as reader  # noqa: PLC0415  (as above)

    found: list[Found] = []
    for match in blocks:
        label, block = match.group(1), match.group()
        if label in _CERTIFICATE_LABELS:
            certificate = reader.load_pem(ctx, block, match.start())
            if certificate is not None:
                found.append(Found(certificate, match.start(), "PEM"))
        else:
            keys.append(reader.key_finding(ctx, block, label, match.start()))
    return found


def _der_certificates(data: bytes) -> list[Found]:
    """The DER certificates of a file, wherever they start."""
    spans = []
    for match in islice(_DER.finditer(data), MAX_BLOCKS):
        size = 4 + int.from_bytes(match.group(1), "big")
        if size <= MAX_BLOCK and match.start() + size <= len(data):
            spans.append((match.start(), match.start() + size))
    if not spans:
        return []
    from firmware_audit.analyze.traces import x509_reader as reader  # noqa: PLC0415  (as above)

    found: list[Found] = []
    for start, end in spans:
        certificate = reader.load_der(data[start:end])
        if certificate is not None:
            found.append(Found(certificate, start, "DER"))
    return found


def link_keys(findings: Sequence[Finding]) -> list[Finding]:
    """Name, on each private-key finding, the certificate of the image whose public key it holds."""
    certificates: dict[str, Finding] = {}
    for finding in findings:
        if finding.rule == RULE_CERTIFICATE:
            for item in finding.evidence:
                if item.kind == PUBLIC_KEY_EVIDENCE:
                    certificates.setdefault(item.value, finding)
    linked = []
    for finding in findings:
        public = next((e.value for e in finding.evidence if e.kind == PUBLIC_KEY_EVIDENCE), None)
        owner = certificates.get(public) if finding.rule == RULE_KEY and public else None
        if owner is None or finding.trace is None or owner.trace is None:
            linked.append(finding)
            continue
        subject = next((e.value for e in owner.evidence if e.kind == "subject"), "")
        payload = finding.trace.model_copy(
            update={
                "vendor": owner.trace.vendor,
                "vendor_country": owner.trace.vendor_country,
                "detail": f"{finding.trace.detail}; it is the key of the certificate {subject} "
                f"at {owner.location.path}",
            }
        )
        evidence = (
            *finding.evidence,
            Evidence(kind="certificate", value=subject, location=owner.location),
        )
        title = clip(f"{finding.title}, of the certificate {subject}", 120)
        linked.append(finding.model_copy(update={"trace": payload, "evidence": evidence, "title": title}))
    return linked
