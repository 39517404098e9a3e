"""Ambarella ROMFS partitions, built to the documented layout, and FACT's sample of one.

No standard tool writes them (Ambarella's SDK does); the partitions here are built field by field
from the layout the module docstring gives, which FACT's sample (a GoPro's calibration tables)
follows too.
"""

from __future__ import annotations

import struct

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import ambarella
from firmware_audit.model import IssueKind


def _romfs(files: list[tuple[bytes, bytes]], *, bad_magic: int | None = None, outside: bool = False) -> bytes:
    head = struct.pack("<II", len(files), 0x66FC328A).ljust(2048, b"\xff")
    table = bytearray()
    data = bytearray()
    at = (2048 + 128 * len(files) + 2047) // 2048 * 2048
    for index, (name, content) in enumerate(files):
        offset = at + len(data) + (1 << 24 if outside and index == 1 else 0)
        magic = 0x2387AB76 if index != bad_magic else 0
        table += struct.pack("<116sIII", name, offset, len(content), magic)
        data += content + b"\xff" * (2048 - len(content) % 2048)
    return head + bytes(table).ljust(at - 2048, b"\xff") + bytes(data)


FILES = [
    (b"logo.bmp", b"BM" + bytes(1000)),
    (b"calib_h.bin", b"\x01\x02" * 1500),
    (b"dsp.bin", b"ucode" * 10),
]


def test_the_files_are_its_members() -> None:
    tree = unpack(_romfs(FILES))
    assert tree.root.format == "ambarella-romfs"
    assert tree.root.label == "Ambarella ROMFS, 3 files"
    assert {n.path: tree.read(n.path) for n in tree} == {f"/{name.decode()}": data for name, data in FILES}
    assert tree.issues == ()
    assert tree.coverage.explained_ratio == 1.0


def test_a_file_outside_the_partition_is_an_issue() -> None:
    tree = unpack(_romfs(FILES, outside=True))
    assert [n.path for n in tree] == ["/logo.bmp", "/dsp.bin"]
    assert [i.kind for i in tree.issues] == [IssueKind.TRUNCATED]


def test_an_entry_without_its_magic_is_no_romfs() -> None:
    assert ambarella.HANDLER.probe(memoryview(_romfs(FILES, bad_magic=2))) is None
    assert ambarella.HANDLER.probe(memoryview(_romfs(FILES)[:2100])) is None  # the table is cut


def test_fact_sample(shared_samples) -> None:
    tree = unpack(shared_samples / "fact" / "ambarella_rom.fs")
    assert tree.root.format == "ambarella-romfs"
    assert sorted(n.path for n in tree) == [
        "/SuperViewWarpTable_1440p3024_h.bin",
        "/SuperViewWarpTable_1440p3024_v.bin",
        "/SuperViewWarpTable_4kp30_h.bin",
        "/SuperViewWarpTable_4kp30_v.bin",
    ]
    assert all(n.size == 3072 for n in tree)
    assert tree.coverage.explained_ratio == 1.0
