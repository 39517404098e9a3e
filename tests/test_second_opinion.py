"""binwalk as a second opinion: its signatures inside bytes the audit left unexplained become Issues."""

import json
import random
import struct
import zlib

import pytest
from builders import gz

from firmware_audit import second_opinion
from firmware_audit.cli import main
from firmware_audit.exitcodes import ExitCode
from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind
from firmware_audit.second_opinion import Signature, parse, unexplained_signatures

# What `binwalk --signature` prints (binwalk 2.3), with a row whose description holds a path.
OUTPUT = """
DECIMAL       HEXADECIMAL     DESCRIPTION
--------------------------------------------------------------------------------
0             0x0             uImage header, header size: 64 bytes, image name: "test"
4096          0x1000          PNG image, 64 x 64, 8-bit/color RGBA, non-interlaced
70000         0x11170         Unix path: /etc/init.d/rcS

"""


def _png_header() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 64, 64, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


def _noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def test_rows_are_parsed_and_the_rest_ignored() -> None:
    assert parse(OUTPUT) == [
        Signature(0, 'uImage header, header size: 64 bytes, image name: "test"'),
        Signature(4096, "PNG image, 64 x 64, 8-bit/color RGBA, non-interlaced"),
        Signature(70000, "Unix path: /etc/init.d/rcS"),
    ]


def test_only_signatures_in_unexplained_bytes_count_with_offsets_in_their_region() -> None:
    packed = gz(b"config " * 500)
    image = _noise(4096, 1) + packed + _noise(4096, 2)
    tree = unpack(image)
    after = 4096 + len(packed)
    issues = unexplained_signatures(
        tree,
        [
            Signature(100, "before the gzip"),
            Signature(4096 + 10, "inside the gzip, which the audit explained"),
            Signature(after + 7, "after the gzip"),
        ],
    )
    assert [(i.kind, i.location.path, i.location.offset) for i in issues] == [
        (IssueKind.UNSUPPORTED, "", 100),
        (IssueKind.UNSUPPORTED, "", after + 7),
    ]
    assert "'before the gzip' at image offset 0x64" in issues[0].message


def test_carved_regions_map_back_to_image_offsets() -> None:
    inner = _noise(2048, 3)
    flash = b"mtdparts=sfc:64k(boot),-(rest)\0".ljust(64 * 1024, b"\xff") + inner
    tree = unpack(flash.ljust(512 * 1024, b"\xff"))
    (issue,) = unexplained_signatures(tree, [Signature(64 * 1024 + 100, "something")])
    assert (issue.location.path, issue.location.offset) == ("/mtd1-rest", 100)


def test_many_signatures_are_counted_past_the_cap() -> None:
    tree = unpack(_noise(8192, 4))
    issues = unexplained_signatures(tree, [Signature(i, "x") for i in range(second_opinion.MAX_ISSUES + 5)])
    assert len(issues) == second_opinion.MAX_ISSUES + 1
    assert issues[-1].message == "binwalk recognises 5 more signatures in unexplained bytes"


def test_without_binwalk_the_flag_says_how_to_install_it(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(second_opinion, "binwalk_command", lambda: None)
    image = tmp_path / "fw.bin"
    image.write_bytes(_noise(1024, 5))
    assert main(["audit", str(image), "--second-opinion", "binwalk"]) == ExitCode.USAGE
    assert "apt-get install binwalk" in capsys.readouterr().err


def test_binwalk_finds_what_the_audit_did_not_open(tmp_path, capsys) -> None:
    if second_opinion.binwalk_command() is None:
        pytest.skip("binwalk is not installed (Debian: apt-get install binwalk); .ci/run installs it")
    image = tmp_path / "fw.bin"
    image.write_bytes(_noise(4096, 6) + _png_header() + _noise(4096, 7))
    args = ["audit", str(image), "--second-opinion", "binwalk", "--format", "json"]
    assert main(args) == ExitCode.AUDITED
    issues = json.loads(capsys.readouterr().out)["issues"]
    found = [i for i in issues if i["message"].startswith("binwalk recognises 'PNG image, 64 x 64")]
    assert [(i["kind"], i["location"]["path"], i["location"]["offset"]) for i in found] == [
        ("unsupported", "", 4096)
    ]
