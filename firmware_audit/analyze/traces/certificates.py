"""X.509 certificates and private keys anywhere in the image, PEM or DER.

Every certificate is read with `cryptography` and reported with its subject and issuer (organisation
and country), validity, key and fingerprints; a maker named in the subject or issuer (`O=HIKVISION`)
is the finding's vendor. Unencrypted private keys are reported as a risk of their own: the same key
ships on every unit. `link_keys`, run over the whole image's findings, names the certificate a key
belongs to. A file of many self-signed CA certificates is a trust store, and its anchors are not
traces of anyone; they are left out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from firmware_audit.analyze.traces._common import ContentTrace, clip, has_members, trace_finding
from firmware_audit.model import Category, Evidence, IssueKind, Location, Severity
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding

RULE_CERTIFICATE = "certificate/x509"
RULE_KEY = "certificate/private-key"
PUBLIC_KEY_EVIDENCE = "public-key-sha256"
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
class _Certificate:
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
        store = len(certificates) >= TRUST_STORE
        for found in certificates:
            if not (store and _is_anchor(found.certificate)):
                yield _certificate_finding(ctx, found)


def _pem_blocks(ctx: FileContext, data: bytes, keys: list[Finding]) -> list[_Certificate]:
    """The PEM certificates of a file; its PEM private keys are appended to `keys` as findings."""
    found: list[_Certificate] = []
    if b"-----BEGIN " not in data:
        return found
    for _, match in zip(range(MAX_BLOCKS), _PEM.finditer(data), strict=False):
        label, block = match.group(1), match.group()
        if label in _CERTIFICATE_LABELS:
            certificate = _load_pem(ctx, block, match.start())
            if certificate is not None:
                found.append(_Certificate(certificate, match.start(), "PEM"))
        elif label in _KEY_LABELS or label == _ENCRYPTED_KEY:
            keys.append(_key_finding(ctx, block, label, match.start()))
    return found


def _der_certificates(data: bytes) -> list[_Certificate]:
    """The DER certificates of a file, wherever they start."""
    found: list[_Certificate] = []
    for _, match in zip(range(MAX_BLOCKS), _DER.finditer(data), strict=False):
        size = 4 + int.from_bytes(match.group(1), "big")
        if size <= MAX_BLOCK and match.start() + size <= len(data):
            certificate = _load_der(data[match.start() : match.start() + size])
            if certificate is not None:
                found.append(_Certificate(certificate, match.start(), "DER"))
    return found


def _load_pem(ctx: FileContext, block: bytes, offset: int) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(block)
    except ValueError as exc:
        ctx.issue(IssueKind.MALFORMED, f"a PEM certificate that cannot be read: {exc}", offset)
        return None


def _load_der(block: bytes) -> x509.Certificate | None:
    # A DER candidate is a guess from a few bytes: one that does not parse is not a certificate.
    try:
        return x509.load_der_x509_certificate(block)
    except ValueError:
        return None


def _is_anchor(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return constraints.ca and certificate.subject == certificate.issuer


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = [a.value for a in name.get_attributes_for_oid(oid)]
    return str(values[0]) if values else None


def _name(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:
        return repr(name)


def _public_key_hash(key: object) -> str | None:
    if not hasattr(key, "public_bytes"):
        return None
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def _describe_key(key: object) -> str:
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return f"RSA {key.key_size}"
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        return f"EC {key.curve.name}"
    if isinstance(key, (dsa.DSAPublicKey, dsa.DSAPrivateKey)):
        return f"DSA {key.key_size}"
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return "Ed25519"
    if isinstance(key, (ed448.Ed448PublicKey, ed448.Ed448PrivateKey)):
        return "Ed448"
    return type(key).__name__


def _certificate_finding(ctx: FileContext, found: _Certificate) -> Finding:
    cert = found.certificate
    subject, issuer = _name(cert.subject), _name(cert.issuer)
    named = [
        _attribute(n, oid)
        for n in (cert.subject, cert.issuer)
        for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME)
    ]
    makers = [m for text in named for m in signatures().makers_named_in(text)]
    vendor = makers[0].name if makers else None
    try:
        key = cert.public_key()
        key_text, key_hash = _describe_key(key), _public_key_hash(key)
    except (ValueError, UnsupportedAlgorithm):
        key_text, key_hash = "unreadable key", None
    self_signed = cert.subject == cert.issuer
    validity = f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}"
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    where = Location(path=ctx.node.path, offset=found.offset)
    evidence = [
        Evidence(kind="subject", value=subject, location=where),
        Evidence(kind="issuer", value=issuer, location=where),
        Evidence(kind="certificate-sha256", value=fingerprint, location=where, context=found.encoding),
    ]
    if key_hash is not None:
        evidence.append(Evidence(kind=PUBLIC_KEY_EVIDENCE, value=key_hash, location=where, context=key_text))
    what = "self-signed certificate" if self_signed else "certificate"
    detail = f"{what} {subject}" + ("" if self_signed else f", issued by {issuer}")
    return trace_finding(
        ctx,
        rule=RULE_CERTIFICATE,
        key=fingerprint,
        kind="certificate",
        category=Category.CERTIFICATE,
        title=clip(f"{what} {subject}", 120),
        detail=f"{detail}; valid {validity}; {key_text} key; {found.encoding}",
        evidence=evidence,
        vendor=vendor,
        vendor_country=_attribute(cert.subject, NameOID.COUNTRY_NAME),
        confidence=1.0,
        offset=found.offset,
    )


def _key_finding(ctx: FileContext, block: bytes, label: bytes, offset: int) -> Finding:
    where = Location(path=ctx.node.path, offset=offset)
    evidence = [Evidence(kind="pem", value=f"-----BEGIN {label.decode()}-----", location=where)]
    readable = False
    try:
        key = serialization.load_pem_private_key(block, password=None)
    except TypeError:  # cryptography's way of saying the key needs a password
        text = "encrypted private key (PEM); it cannot be read without its password"
        severity = Severity.MEDIUM
    except (ValueError, UnsupportedAlgorithm) as exc:
        text = f"private key (PEM) that cannot be read: {exc}"
        severity = Severity.MEDIUM
    else:
        readable = True
        text = f"unencrypted {_describe_key(key)} private key (PEM)"
        severity = Severity.HIGH
        key_hash = _public_key_hash(key.public_key())
        if key_hash is not None:
            evidence.append(Evidence(kind=PUBLIC_KEY_EVIDENCE, value=key_hash, location=where))
    return trace_finding(
        ctx,
        rule=RULE_KEY,
        key=hashlib.sha256(block).hexdigest(),
        kind="private-key",
        category=Category.CERTIFICATE,
        title=text,
        detail=text + ("; every unit of the product ships the same key" if readable else ""),
        evidence=evidence,
        severity=severity,
        confidence=1.0,
        offset=offset,
    )


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
