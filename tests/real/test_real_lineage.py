"""Lineage on real firmware (`../shared/real-firmware`, read in place; skipped, saying why, where absent).

A real vendor binary, its symbols stripped and its vendor names overwritten with noise of the same
length, is still named as its maker's build through lineage, against the shipped index less every
reference of the firmware under test (so only other products of the maker can match); a clean
open-source build (OpenWrt) matches no maker.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
from pathlib import Path

import lief
import pytest

import firmware_audit
from firmware_audit.analyze import ANALYZERS
from firmware_audit.analyze.lineage import LineageAnalyzer
from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.model import LineageKind, LineageStrength

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT.parent / "shared" / "real-firmware"
WYZE_APP = SET / "camera" / "wyze_cam_v3_4.36.8.32" / "filesys2"
OPENWRT = (
    SET / "router" / "openwrt_tl-wr841-v11" / "openwrt-ath79-tiny-tplink_tl-wr841-v11-squashfs-factory.bin"
)
# The names a rebrander would scrub from a Hualai-built Wyze application.
VENDOR_NAMES = rb"(?i)hualai|wyze|xiaomi|dafang"


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"the real-firmware piece is not present at {path}")
    return path


def _strip(data: bytes) -> bytes:
    """Zero the static symbol table, its strings and debug sections (what `strip` removes)."""
    binary = lief.ELF.parse(io.BytesIO(data))
    assert binary is not None
    out = bytearray(data)
    for section in binary.sections:
        if section.name in {".symtab", ".strtab"} or section.name.startswith(".debug"):
            out[section.offset : section.offset + section.size] = bytes(section.size)
    return bytes(out)


def _scrub(data: bytes) -> bytes:
    rng = random.Random(14)
    return re.sub(VENDOR_NAMES, lambda m: bytes(rng.choice(b"qwxzjk") for _ in m.group()), data)


def _member(image: Path, path: str) -> bytes:
    tree = firmware_audit.unpack(image)
    (node,) = [n for n in tree.files() if n.path.endswith(path)]
    return tree.read(node)


def test_scrubbed_hualai_application_is_named_through_other_firmware_of_its_maker() -> None:
    piece = _need(WYZE_APP)
    original = _member(piece, "/bin/iCamera")
    piece_sha = hashlib.sha256(piece.read_bytes()).hexdigest()
    binary_sha = hashlib.sha256(original).hexdigest()
    shipped = lineage_index.load(lineage_index.SHIPPED, "shipped")
    others = [
        b for b in shipped.binaries if b.reference.source.sha256 != piece_sha and b.sha256 != binary_sha
    ]
    held_out = lineage_index.Index(name="shipped-without-piece", binaries=others, common=shipped.common)
    assert any(b.reference.maker == "Hualai" for b in others), "another Hualai firmware must be indexed"

    image = _scrub(_strip(original))
    assert re.search(VENDOR_NAMES, image) is None
    analyzers = [*(a for a in ANALYZERS if a.name != "lineage"), LineageAnalyzer([held_out])]
    report = firmware_audit.audit(image, analyzers=analyzers)

    builds = [f for f in report.findings if f.lineage and f.lineage.kind is LineageKind.MAKER_BUILD]
    assert len(builds) == 1
    lineage = builds[0].lineage
    assert lineage is not None
    assert lineage.maker == "Hualai"
    assert lineage.strength is LineageStrength.STRONG
    assert lineage.reference is not None
    assert "wyze" not in lineage.reference
    assert report.verdict.oem
    assert report.verdict.oem[0].vendor == "Hualai"
    assert builds[0].id in report.verdict.oem[0].basis


def test_openwrt_matches_no_maker() -> None:
    report = firmware_audit.audit(_need(OPENWRT))
    builds = [f for f in report.findings if f.lineage and f.lineage.kind is LineageKind.MAKER_BUILD]
    assert [f.title for f in builds if f.lineage and f.lineage.strength is LineageStrength.STRONG] == []
    # OpenWrt is named as the distribution it is (its release file and banner say so), never a maker.
    assert [(c.vendor, c.role) for c in report.verdict.oem] == [("OpenWrt", "distribution")]
    components = {f.lineage.component for f in report.findings if f.lineage and f.lineage.component}
    assert {"busybox", "musl"} <= components
