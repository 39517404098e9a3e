"""What `cryptography` reads of a certificate or a private key, and the findings made of it.

`certificates` finds the PEM blocks and DER candidates of a file and imports this module with the
first one: `cryptography`'s X.509 modules take 60-100 ms to import, and most images hold no
certificate.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from firmware_audit.analyze.traces._common import clip, trace_finding
from firmware_audit.analyze.traces.certificates import PUBLIC_KEY_EVIDENCE, RULE_CERTIFICATE, RULE_KEY
from firmware_audit.model import Category, Evidence, IssueKind, Location, Severity
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from firmware_audit.analyze.context import FileContext
    from firmware_audit.analyze.traces.certificates import Found
    from firmware_audit.model import Finding


def load_pem(ctx: FileContext, block: bytes, offset: int) -> x509.Certificate | None:
    """A PEM certificate block read; None, and an Issue of the file, when it cannot be."""
    try:
        return x509.load_pem_x509_certificate(block)
    except ValueError as exc:
        ctx.issue(IssueKind.MALFORMED, f"a PEM certificate that cannot be read: {exc}", offset)
        return None


def load_der(block: bytes) -> x509.Certificate | None:
    """A DER certificate candidate read; None when it is none."""
    # A DER candidate is a guess from a few bytes: one that does not parse is not a certificate.
    try:
        return x509.load_der_x509_certificate(block)
    except ValueError:
        return None


def is_anchor(certificate: x509.Certificate) -> bool:
    """Whether a certificate is a self-signed CA: a trust anchor."""
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


def certificate_finding(ctx: FileContext, found: Found) -> Finding:
    """The finding of a certificate: subject, issuer, validity, key, fingerprints, the maker named."""
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


def key_finding(ctx: FileContext, block: bytes, label: bytes, offset: int) -> Finding:
    """The finding of a PEM private key: high when it is unencrypted, with its public key's digest."""
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
