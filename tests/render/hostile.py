"""A report full of markup from the firmware: file names, container labels, strings, evidence, reasons.

The image is a tar (made here with Python's tarfile, fixed times) whose member names, a uImage name
inside it and a config file carry script, img/onerror and svg/onload payloads; the audit's own
findings are joined by one finding whose every text field is a payload, as a hostile analyzer input
could make them, and a decision whose reasons quote them.
"""

from __future__ import annotations

import io
import tarfile

from builders import uimage

from firmware_audit.audit import audit
from firmware_audit.model import (
    Category,
    Decision,
    Declared,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Evidence,
    Finding,
    Location,
    Outcome,
    Severity,
)

PWN = "document.body.setAttribute('data-pwned','{}')"
SCRIPT = f"<script>{PWN.format('script')}</script>"
IMG = f'"><img src=x onerror="{PWN.format("img")}">'
SVG = "<svg onload=alert(1)>"  # fits a uImage name (32 bytes)
PAYLOADS = (SCRIPT, IMG, SVG)


def hostile_image() -> bytes:
    """The tar image with the payloads in names, a label and strings."""
    members = {
        f"{SCRIPT}.bin": b"firmware part\n" * 10,
        f"{IMG}.cfg": b"x" * 64,
        "etc/cloud.conf": f"server=cloud.example.cn\nname={SCRIPT}\nlink={IMG}\n".encode(),
        "boot.img": uimage(b"\0" * 512, name=SVG.encode()),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def hostile_report(tmp_path):
    """The audit of the hostile image, with a finding and a decision made of payloads."""
    path = tmp_path / f"{SVG}.bin"
    path.write_bytes(hostile_image())
    report = audit(path, declared=Declared(vendor=IMG, model=SCRIPT, country="DE"))
    location = Location(path=f"/{SCRIPT}.bin", offset=3)
    finding = Finding(
        id=Finding.fingerprint("endpoint/hardcoded", location, SCRIPT),
        category=Category.ENDPOINT,
        rule="endpoint/hardcoded",
        title=f"cloud endpoint {SCRIPT}",
        severity=Severity.HIGH,
        confidence=0.9,
        location=location,
        evidence=(Evidence(kind="string", value=IMG, location=location, context=f"{SCRIPT}{IMG}{SVG}"),),
        endpoint=EndpointPayload(
            value=f"http://{SVG}/",
            kind=EndpointKind.URL,
            host=SCRIPT,
            role=EndpointRole.CLOUD,
            country="CN",
            operator=IMG,
            vendor=SVG,
        ),
    )
    decision = Decision(
        outcome=Outcome.REJECT, reasons=(f"endpoints in CN: {SCRIPT} [findings {finding.id}]", IMG)
    )
    return report.model_copy(update={"findings": (*report.findings, finding), "decision": decision})
