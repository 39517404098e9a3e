import lzma
import struct

import pytest
from builders import uimage

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import lzma as lzma_format


def _with_header(stream: bytes, *, props: int = 0x5D, dictionary: int = 1 << 23, size: int = -1) -> bytes:
    return struct.pack("<BIq", props, dictionary, size) + stream[13:]


def test_label_gives_dictionary_and_size(data_dir) -> None:
    tree = unpack(data_dir / "compress" / "a.txt.lzma")
    assert tree.root.label == "LZMA compressed data (legacy .lzma), dictionary 8192 KiB, unknown size"


@pytest.mark.parametrize(
    ("change", "recognised"),
    [
        ({}, True),
        ({"dictionary": 3 << 22}, True),  # 2^n + 2^(n-1) is a size encoders write
        ({"props": 225}, False),  # lc/lp/pb out of range
        ({"dictionary": 0x12340000}, False),  # no encoder writes such a size
        ({"dictionary": 0}, False),
        ({"size": 0}, False),
        ({"size": 1 << 40}, False),
        ({"size": -2}, False),
    ],
)
def test_probe_checks_the_header_for_sanity(data_dir, change, recognised) -> None:
    stream = (data_dir / "compress" / "a.txt.lzma").read_bytes()
    candidate = memoryview(_with_header(stream, **change))
    assert (lzma_format.HANDLER.probe(candidate) is not None) is recognised


def test_probe_wants_the_range_coder_to_start_with_zero(data_dir) -> None:
    stream = bytearray((data_dir / "compress" / "a.txt.lzma").read_bytes())
    stream[13] = 1
    assert lzma_format.HANDLER.probe(memoryview(bytes(stream))) is None


def test_openwrt_properties_are_carved_too(data_dir) -> None:
    # lc=1 lp=2 pb=2, as OpenWrt compresses its kernels: found inside other bytes, not only at a head.
    stream = (data_dir / "compress" / "a.txt.lc1lp2pb2.lzma").read_bytes()
    tree = unpack(b"\x01" * 1000 + stream)
    label = "LZMA compressed data (legacy .lzma), dictionary 8192 KiB, unknown size"
    assert tree["/0x000003e8.lzma"].label == label
    assert tree.read("/0x000003e8.lzma!/payload") == (data_dir / "compress" / "a.txt").read_bytes()


def test_zeros_and_text_after_the_magic_are_not_lzma() -> None:
    assert lzma_format.HANDLER.probe(memoryview(b"\x5d\x00\x00" + b"\x00" * 64)) is None
    assert (
        unpack(b"\x5d\x00\x00\x80\x00" + b"\xff" * 8 + b"\x00" + b"plain text, not lzma " * 20).issues == ()
    )


def test_uimage_lzma_kernel_matches_its_header(data_dir) -> None:
    text = (data_dir / "compress" / "a.txt").read_bytes()
    tree = unpack(uimage((data_dir / "compress" / "a.txt.lzma").read_bytes(), comp=3))
    assert tree["/payload"].format == "lzma"
    assert tree.read("/payload!/payload") == text
    assert tree.issues == ()


def test_header_with_a_known_size_is_decoded_to_that_size() -> None:
    # xz --format=lzma always writes size -1; U-Boot's and the LZMA SDK's tools write the real size.
    text = b"known size, no end marker\n" * 400
    raw = lzma.compress(
        text, format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16}]
    )
    header = struct.pack("<BIq", 0x5D, 1 << 16, len(text))
    tree = unpack(header + raw + b"\xff" * 32)
    assert tree.root.label.endswith(f"{len(text)} bytes uncompressed")
    assert tree.read("/payload") == text
    assert tree.issues == ()


def test_uboot_sample_with_lzma_payload(shared_samples) -> None:
    tree = unpack(shared_samples / "fact" / "uboot.image_with_header")
    payload = tree["/0x00000000.uimage!/payload"]
    assert payload.format == "lzma"
    assert (
        payload.label == "LZMA compressed data (legacy .lzma), dictionary 32768 KiB, 93576 bytes uncompressed"
    )
    assert tree["/0x00000000.uimage!/payload!/payload"].size == 93576
