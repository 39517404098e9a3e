import struct
import zlib

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import ubi
from firmware_audit.model import IssueKind

_PEB = 16 * 1024
_VID = 64  # ubinize -m 1: the volume-id header follows the erase-counter header
_DATA = 128
_ENV = b"mtdparts=hi_sfc:256k(boot),3m(kernel),-(rootfs)\n"


def _busybox() -> bytes:
    return b"".join(b"BusyBox v1.31.1 applet %d: built-in shell (ash)\n" % i for i in range(400))


def _crc(data: bytes) -> int:
    return ~zlib.crc32(data) & 0xFFFFFFFF


def _image(data_dir) -> bytearray:
    return bytearray((data_dir / "archive" / "tree.ubi").read_bytes())


def _block_of_volume(image: bytearray, vol_id: int) -> int:
    for start in range(0, len(image), _PEB):
        if struct.unpack_from(">I", image, start + _VID + 8)[0] == vol_id:
            return start
    raise AssertionError(f"no block of volume {vol_id}")


def _patch_vid(image: bytearray, start: int, offset: int, fmt: str, value: int) -> None:
    """Change one field of a volume-id header and make its CRC right again."""
    struct.pack_into(fmt, image, start + _VID + offset, value)
    struct.pack_into(">I", image, start + _VID + 60, _crc(bytes(image[start + _VID : start + _VID + 60])))


def test_volumes_are_payloads_and_the_ubifs_inside_is_listed(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "tree.ubi")
    assert tree.root.format == "ubi"
    assert tree.root.label == "UBI image, 16 KiB erase blocks"
    rootfs = tree["/rootfs"]
    assert rootfs.payload
    assert rootfs.format == "ubifs"
    assert rootfs.label == "UBIFS filesystem, zlib, 16256 byte LEBs"
    assert tree.read("/rootfs!/bin/busybox") == _busybox()
    assert tree["/rootfs!/bin/sh"].link == b"busybox"
    assert tree.read("/env") == _ENV
    assert [(i.kind, i.location.path) for i in tree.issues] == [
        (IssueKind.UNSAFE_PATH, "/rootfs!/dev/console")
    ]


def test_extent_is_the_run_of_ubi_blocks(data_dir) -> None:
    image = bytes(_image(data_dir))
    tree = unpack(bytes(range(256)) * 64 + image + bytes(range(256)) * 4)
    carved = tree[f"/{16384:#010x}.ubi"]
    assert carved.size == len(image) == 16 * _PEB
    assert tree.read(f"/{16384:#010x}.ubi!/env") == _ENV


def test_broken_header_is_skipped_with_a_checksum_issue(data_dir) -> None:
    image = _image(data_dir)
    env = _block_of_volume(image, 1)
    image[env + _VID + 20] ^= 0xFF  # data_size, without fixing the CRC
    tree = unpack(bytes(image))
    assert tree["/env"].size == 0
    assert (IssueKind.CHECKSUM, "ubi: 1 erase blocks have a broken UBI header; they were skipped") in [
        (i.kind, i.message) for i in tree.issues
    ]


def test_block_numbers_past_the_reserved_blocks_are_ignored(data_dir) -> None:
    image = _image(data_dir)
    _patch_vid(image, _block_of_volume(image, 1), 12, ">I", 5000)
    tree = unpack(bytes(image))
    assert tree["/env"].size == 0
    assert (
        "ubi: volume 'env': 1 blocks are numbered past the 1 blocks it can have"
        " (1 reserved, 16 in the image); ignored"
    ) in [i.message for i in tree.issues]


def _patch_record(image: bytearray, record: int, offset: int, fmt: str, value: int) -> None:
    """Change a field of a volume's record in both copies of the volume table, with its CRC fixed."""
    for start in range(0, len(image), _PEB):
        if struct.unpack_from(">I", image, start + _VID + 8)[0] != 0x7FFFEFFF:
            continue
        at = start + _DATA + record * 172
        struct.pack_into(fmt, image, at + offset, value)
        struct.pack_into(">I", image, at + 168, _crc(bytes(image[at : at + 168])))


def test_a_huge_block_number_under_a_huge_reservation_costs_nothing(data_dir) -> None:
    image = _image(data_dir)
    _patch_record(image, 1, 0, ">I", 0x7FFFFFFF)  # reserved_pebs
    _patch_record(image, 1, 12, ">B", 1)  # vol_type: dynamic
    _patch_vid(image, _block_of_volume(image, 1), 12, ">I", 0x7FFFFFF0)
    tree = unpack(bytes(image))
    assert tree["/env"].size == 0
    assert (
        "ubi: volume 'env': 1 blocks are numbered past the 16 blocks it can have "
        "(2147483647 reserved, 16 in the image); ignored"
    ) in [i.message for i in tree.issues]


def test_a_static_volume_claiming_huge_used_blocks_is_bounded_by_the_image(data_dir) -> None:
    image = _image(data_dir)
    env = _block_of_volume(image, 1)
    _patch_record(image, 1, 12, ">B", 2)  # vol_type: static
    _patch_record(image, 1, 0, ">I", 0x7FFFFFFF)
    _patch_vid(image, env, 24, ">I", 0x7FFFFFFF)  # used_ebs
    tree = unpack(bytes(image))
    messages = [i.message for i in tree.issues]
    assert "ubi: static volume 'env' claims 2147483647 blocks; it can have at most 16" in messages
    assert tree["/env"].size < 16 * _PEB


def test_unmapped_runs_read_as_erased_flash(data_dir) -> None:
    image = _image(data_dir)
    _patch_record(image, 1, 0, ">I", 8)
    _patch_record(image, 1, 12, ">B", 1)  # vol_type: dynamic
    _patch_vid(image, _block_of_volume(image, 1), 12, ">I", 3)
    tree = unpack(bytes(image))
    data = tree.read("/env")
    usable = _PEB - _DATA
    assert len(data) == 4 * usable
    assert data[: 3 * usable] == b"\xff" * (3 * usable)
    assert data[3 * usable :].startswith(_ENV)


def _second_copy(image: bytearray, data: bytes, *, copy_flag: int, data_crc: int) -> bytes:
    """The image with a newer copy of the env block appended as a 17th erase block."""
    start = _block_of_volume(image, 1)
    block = bytearray(image[start : start + _PEB])
    block[_DATA : _DATA + len(data)] = data
    copy = bytearray(image) + block
    at = len(image)
    _patch_vid(copy, at, 6, ">B", copy_flag)
    _patch_vid(copy, at, 32, ">I", data_crc)
    _patch_vid(copy, at, 40, ">Q", struct.unpack_from(">Q", image, start + _VID + 40)[0] + 100)
    return bytes(copy)


def test_the_newest_copy_of_a_block_wins_unless_it_is_a_broken_copy(data_dir) -> None:
    image = _image(data_dir)
    newer = _ENV.replace(b"hi_sfc", b"xm_sfc")
    tree = unpack(_second_copy(image, newer, copy_flag=0, data_crc=_crc(newer)))
    assert tree.read("/env") == newer
    tree = unpack(_second_copy(image, newer, copy_flag=1, data_crc=_crc(b"something else")))
    assert tree.read("/env") == _ENV


def test_an_erased_block_does_not_change_the_erase_block_size(data_dir) -> None:
    image = _image(data_dir)
    image[_PEB : 2 * _PEB] = b"\xff" * _PEB  # the second copy of the volume table, erased
    tree = unpack(bytes(image))
    assert tree.root.label == "UBI image, 16 KiB erase blocks"
    assert tree.read("/env") == _ENV
    assert tree.read("/rootfs!/etc/passwd").startswith(b"root:x:0:0:")


def test_probe_needs_a_second_erase_block(data_dir) -> None:
    image = bytes(_image(data_dir))
    assert ubi.HANDLER.probe(memoryview(image)) is not None
    assert ubi.HANDLER.probe(memoryview(image[:_PEB])) is None
    broken = bytearray(image)
    broken[10] ^= 1
    assert ubi.HANDLER.probe(memoryview(bytes(broken))) is None


def test_fact_ubi_sample_holds_a_ubifs_volume(shared_samples) -> None:
    tree = unpack(shared_samples / "fact" / "ubi.img")
    assert tree.root.label == "UBI image, 1 KiB erase blocks"
    assert tree["/rootfs"].format == "ubifs"
    assert tree.read("/rootfs!/testfile2") == b"This is the second test file"
    assert tree.read("/rootfs!/generic folder/test file 3_.txt") == b"The third test file!"
    assert tree.issues == ()
