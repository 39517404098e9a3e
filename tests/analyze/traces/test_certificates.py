import datetime as dt
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from traces_data import clean_tree, corpus_tree, run, run_all, tar

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.traces import CertificateAnalyzer, finalize
from firmware_audit.extract import unpack
from firmware_audit.model import Category, IssueKind, Severity

ANALYZER = CertificateAnalyzer()
KEY = ec.derive_private_key(0x1234567890ABCDEF, ec.SECP256R1())


def _certificate(org: str, country: str, *, ca: bool = False, issuer: str | None = None) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{org.lower().replace(' ', '-')}.example"),
        ]
    )
    issued_by = (
        subject if issuer is None else x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer)])
    )
    start = dt.datetime(2019, 12, 17, tzinfo=dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issued_by)
        .public_key(KEY.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=6589))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(KEY, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_pem_certificate_with_organisation_country_and_maker() -> None:
    (finding,) = run(ANALYZER, {"ssl/cert.pem": _pem(_certificate("HIKVISION", "CN"))})
    assert finding.category is Category.CERTIFICATE
    assert (finding.trace.kind, finding.trace.vendor, finding.trace.vendor_country) == (
        "certificate",
        "Hikvision",
        "CN",
    )
    assert finding.trace.detail.startswith("self-signed certificate CN=hikvision.example,O=HIKVISION,C=CN")
    assert "valid 2019-12-17 to 2037-12-31; EC secp256r1 key; PEM" in finding.trace.detail
    kinds = {e.kind for e in finding.evidence}
    assert {"subject", "issuer", "certificate-sha256", "public-key-sha256"} <= kinds


def test_der_certificate_inside_a_binary() -> None:
    blob = (
        b"\x7fELF" + b"\x00" * 100 + _der(_certificate("Acme Widgets", "DE", issuer="Acme CA")) + b"\x00" * 8
    )
    (finding,) = run(ANALYZER, {"bin/app": blob})
    assert finding.trace.vendor is None  # no camera maker
    assert finding.trace.vendor_country == "DE"
    assert finding.location.offset == 104
    assert "issued by O=Acme CA" in finding.trace.detail
    assert finding.trace.detail.endswith("; DER")


def test_trust_store_anchors_are_left_out() -> None:
    store = b"".join(_pem(_certificate(f"Root CA {i}", "US", ca=True)) for i in range(4))
    assert run(ANALYZER, {"etc/ssl/certs/ca-certificates.crt": store}) == []
    # one vendor CA alone is no trust store
    assert len(run(ANALYZER, {"etc/vendor-ca.pem": _pem(_certificate("Dahua CA", "CN", ca=True))})) == 1


def test_private_key_is_high_and_linked_to_its_certificate() -> None:
    key = KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    files = {"ssl/key.pem": key, "ssl/cert.pem": _pem(_certificate("HIKVISION", "CN"))}
    tree = unpack(tar(files))
    findings = [f for node in tree.files() for f in ANALYZER.analyze(FileContext(tree, node))]
    (raw_key,) = [f for f in findings if f.trace.kind == "private-key"]
    assert raw_key.severity is Severity.HIGH
    assert raw_key.trace.detail.startswith("unencrypted EC secp256r1 private key (PEM)")
    (linked,) = [f for f in finalize(findings) if f.trace.kind == "private-key"]
    assert linked.id == raw_key.id
    assert linked.trace.vendor == "Hikvision"
    assert "it is the key of the certificate CN=hikvision.example,O=HIKVISION,C=CN at /ssl/cert.pem" in (
        linked.trace.detail
    )


def test_encrypted_key_is_reported_as_unreadable() -> None:
    key = KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    (finding,) = run(ANALYZER, {"key.pem": key})
    assert finding.severity is Severity.MEDIUM
    assert "encrypted private key" in finding.title


@pytest.mark.parametrize(
    "content",
    [
        b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
        b"\x30\x82\x01\x00\x30\x82\x00\xf0\xa0\x03\x02\x01\x02" + b"\x00" * 300,  # looks like DER, is not
        b"-----BEGIN CERTIFICATE-----\nno end marker\n",
    ],
)
def test_benign_look_alikes(content) -> None:
    assert run(ANALYZER, {"blob": content}) == []


def test_a_broken_pem_certificate_is_an_issue() -> None:
    tree = unpack(tar({"c.pem": b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}))
    ctx = FileContext(tree, tree["/c.pem"])
    assert list(ANALYZER.analyze(ctx)) == []
    assert [i.kind for i in ctx.issues] == [IssueKind.MALFORMED]


def test_the_hikvision_image() -> None:
    findings = finalize(run_all(ANALYZER, corpus_tree("02-hik-digicap.dav")))
    kinds = {f.trace.kind: f for f in findings}
    assert kinds["certificate"].trace.vendor == "Hikvision"
    assert "O=HIKVISION" in kinds["private-key"].trace.detail


def test_nothing_in_the_clean_image() -> None:
    assert run_all(ANALYZER, clean_tree()) == []


def test_cryptography_is_imported_with_the_first_certificate_or_key_only() -> None:
    # Most images hold no certificate: their audit does not import cryptography's X.509 modules.
    pem = _certificate("Acme Security", "US").public_bytes(serialization.Encoding.PEM)
    code = (
        "import gzip, sys\n"
        "from firmware_audit import audit\n"
        "audit(gzip.compress(b'-----BEGIN NOTHING-----\\n' + b'\\x30\\x82\\x01' * 40), jobs=1)\n"
        "print('cryptography.x509' in sys.modules)\n"
        "audit(gzip.compress(bytes.fromhex(sys.argv[1])), jobs=1)\n"
        "print('cryptography.x509' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, pem.hex()], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"], done.stderr
