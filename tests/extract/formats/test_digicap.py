import random
import struct

import pytest

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import HANDLERS
from firmware_audit.extract.formats.digicap import HANDLER, byte_sum, xor16
from firmware_audit.extract.tree import ContentUnavailableError
from firmware_audit.model import IssueKind
from firmware_audit.writers.digicap import build_digicap

MEMBERS = [("hroot.img", b"initrd " * 40), ("uImage", b"kernel " * 90), ("_cfgUpgSecPls", b"\x5a" * 33)]
REGISTERED = {h.name for h in HANDLERS}
needs_squashfs = pytest.mark.skipif("squashfs" not in REGISTERED, reason="no squashfs handler registered")
needs_cramfs = pytest.mark.skipif("cramfs" not in REGISTERED, reason="no cramfs handler registered")


def _kinds(tree) -> list[IssueKind]:
    return [i.kind for i in tree.issues]


def _edit_header(image: bytes, edit, *, obfuscated: bool = True) -> bytes:
    """Change the clear header with `edit(bytearray)`, fix its checksum, and obfuscate it again."""
    (length,) = struct.unpack_from("<I", xor16(image[:16]) if obfuscated else image, 8)
    header = bytearray(xor16(image[:length]) if obfuscated else image[:length])
    edit(header)
    header[4:8] = byte_sum(header[12:]).to_bytes(4, "little")
    return (xor16(header) if obfuscated else bytes(header)) + image[length:]


@pytest.mark.parametrize("magic", [b"SWKH", b"02KH"])
@pytest.mark.parametrize("obfuscate", [True, False])
@pytest.mark.parametrize("order", ["offset-size", "size-offset"])
def test_round_trip(magic, obfuscate, order) -> None:
    image = build_digicap(MEMBERS, magic=magic, obfuscate=obfuscate, order=order)
    tree = unpack(image, name="digicap.dav")
    assert tree.issues == ()
    assert [n.path for n in tree] == ["/hroot.img", "/uImage", "/_cfgUpgSecPls"]
    for name, data in MEMBERS:
        assert tree.read(f"/{name}") == data
        assert tree[f"/{name}"].payload
    label = tree.root.label
    assert tree.root.format == "digicap"
    assert label.startswith(f"Hikvision digicap {magic.decode()}, ")
    assert ("obfuscated header" if obfuscate else "header in clear") in label
    assert f"table ({order.replace('-', ', ')})" in label
    assert "either order" not in label


def test_header_is_really_obfuscated() -> None:
    image = build_digicap(MEMBERS)
    assert image[:4] != b"SWKH"
    assert b"hroot.img" not in image[: 0x40 + 44 * 3]
    # The files themselves follow in clear.
    assert image[0x40 + 44 * 3 :].startswith(MEMBERS[0][1])


def test_committed_obfuscated_image(data_dir) -> None:
    vendor = data_dir / "vendor"
    tree = unpack(vendor / "digicap.dav")
    assert tree.issues == ()
    assert tree.root.label == (
        "Hikvision digicap SWKH, obfuscated header, 2 files, table (offset, size), language 1, "
        "device class 0x30, OEM code 0x1, version 0x5050000, 'IPC_G1'"
    )
    assert tree.read("/hroot.img") == (vendor / "romfs.img").read_bytes()
    assert tree.read("/user.img") == (vendor / "user.img").read_bytes()
    assert tree["/hroot.img"].format == "uimage"
    assert tree.read("/hroot.img!/payload") == (vendor / "romfs.squashfs").read_bytes()
    assert tree.describe("/hroot.img!/payload") == "digicap.dav » digicap » /hroot.img » uimage » /payload"


def test_committed_clear_image_reads_like_the_obfuscated_one(data_dir) -> None:
    vendor = data_dir / "vendor"
    clear = unpack(vendor / "digicap-clear.dav")
    obfuscated = unpack(vendor / "digicap.dav")
    assert "digicap 02KH, header in clear" in clear.root.label
    assert "table (size, offset)" in clear.root.label
    assert [n.path for n in clear] == [n.path for n in obfuscated]
    for node in clear.files():
        assert clear.read(node) == obfuscated.read(node.path)


@needs_squashfs
def test_committed_image_nests_down_to_squashfs(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / "digicap.dav")
    assert tree["/hroot.img!/payload"].format == "squashfs"
    assert tree.read("/hroot.img!/payload!/etc/passwd").startswith(b"root:$1$")
    assert tree["/hroot.img!/payload!/bin/sh"].link == b"busybox"


@needs_cramfs
def test_committed_image_nests_down_to_cramfs(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / "digicap.dav")
    assert tree["/user.img!/payload"].format == "cramfs"
    assert tree.read("/user.img!/payload!/app/Sofia").startswith(b"Sofia stand-in")


def test_image_cut_short_of_its_header_size(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / "digicap-cut.dav")
    assert tree.root.format == "digicap"
    assert _kinds(tree) == [IssueKind.TRUNCATED]
    assert "header says it is 152 bytes; the image ends after 100" in tree.issues[0].message
    assert len(tree) == 0


def test_image_cut_inside_a_file_keeps_what_is_there() -> None:
    image = build_digicap(MEMBERS)
    cut = image[: -33 - 100]  # the last file and 100 bytes of the one before are missing
    tree = unpack(cut)
    messages = [i.message for i in tree.issues if i.kind is IssueKind.TRUNCATED]
    assert any("'uImage' says 630 bytes; only 530 are there" in m for m in messages)
    assert any("'_cfgUpgSecPls' starts at" in m and "past the end" in m for m in messages)
    assert tree.read("/hroot.img") == MEMBERS[0][1]
    assert tree.read("/uImage") == MEMBERS[1][1][:530]
    assert "/_cfgUpgSecPls" not in tree
    # The order is still recognised from the files that chain from the header.
    assert "table (offset, size)" in tree.root.label


def test_table_pointing_past_the_end_is_truncated_and_cut() -> None:
    image = build_digicap(MEMBERS, obfuscate=False)

    def grow_last(header: bytearray) -> None:
        at = 0x40 + 2 * 44 + 36
        struct.pack_into("<I", header, at, 1_000_000)

    tree = unpack(_edit_header(image, grow_last, obfuscated=False))
    assert _kinds(tree) == [IssueKind.TRUNCATED]
    assert "'_cfgUpgSecPls' says 1000000 bytes; only 33 are there" in tree.issues[0].message
    assert tree.read("/_cfgUpgSecPls") == MEMBERS[2][1]


def test_bad_header_checksum() -> None:
    image = bytearray(build_digicap(MEMBERS, text=b"IPC_G1"))
    image[0x2A] ^= 0x01  # one byte of the obfuscated model string
    tree = unpack(bytes(image))
    assert _kinds(tree) == [IssueKind.CHECKSUM]
    assert "header checksum" in tree.issues[0].message
    assert [n.path for n in tree] == ["/hroot.img", "/uImage", "/_cfgUpgSecPls"]


def test_bad_file_checksum_names_the_file() -> None:
    image = bytearray(build_digicap(MEMBERS))
    image[-40] ^= 0xFF  # inside uImage
    tree = unpack(bytes(image))
    assert _kinds(tree) == [IssueKind.CHECKSUM]
    assert "file 'uImage' checksum" in tree.issues[0].message
    assert tree["/uImage"].size == len(MEMBERS[1][1])


def test_file_inside_the_header_is_malformed() -> None:
    def point_into_header(header: bytearray) -> None:
        struct.pack_into("<I", header, 0x40 + 32, 8)

    tree = unpack(_edit_header(build_digicap(MEMBERS), point_into_header))
    assert IssueKind.MALFORMED in _kinds(tree)
    assert "/hroot.img" not in tree
    assert tree.read("/uImage") == MEMBERS[1][1]


def test_found_after_other_bytes() -> None:
    image = b"\xff" * 512 + build_digicap(MEMBERS) + b"\0" * 64
    tree = unpack(image)
    assert tree.root.format == "carved"
    assert tree.read("/0x00000200.digicap!/uImage") == MEMBERS[1][1]


@pytest.mark.parametrize(
    "head",
    [
        b"SWKH" + b"\0" * 60,  # no files
        b"SWKH" + struct.pack("<III", 0, 0x40, 2) + b"\0" * 48,  # header shorter than its table
        b"SWKH" + struct.pack("<III", 0, 0x7FFFFFFF, 1) + b"\0" * 48,  # absurd header length
    ],
)
def test_magic_alone_is_not_enough(head) -> None:
    assert HANDLER.probe(memoryview(head)) is None


def test_mutated_headers_never_break_the_reader() -> None:
    image = build_digicap(MEMBERS)
    rng = random.Random(5)
    for _ in range(300):
        mutated = bytearray(image)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(0x40 + 44 * 3)] = rng.randrange(256)
        tree = unpack(bytes(mutated))
        assert IssueKind.PARSER_ERROR not in _kinds(tree)


def test_files_sharing_bytes_are_listed_once_with_content() -> None:
    def same_bytes(header: bytearray) -> None:
        struct.pack_into("<II", header, 0x40 + 44 + 32, 0x40 + 3 * 44, 280)  # uImage over hroot.img

    tree = unpack(_edit_header(build_digicap(MEMBERS), same_bytes))
    malformed = [i.message for i in tree.issues if i.kind is IssueKind.MALFORMED]
    assert malformed == ["digicap: file 'uImage' shares bytes with another file; recorded without content"]
    assert tree.read("/hroot.img") == MEMBERS[0][1]
    assert "/uImage" in tree
    with pytest.raises(ContentUnavailableError):
        tree.read("/uImage")
