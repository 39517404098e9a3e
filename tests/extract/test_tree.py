import hashlib

import pytest
from builders import gz, noise, tree_node, tree_of

from firmware_audit.extract import ContentUnavailableError, FileTree, Hop, Node, unpack
from firmware_audit.extract.formats.base import Lazy, NodeKind

_HOP = (Hop("", "squashfs"),)


def _node(path: str, kind: NodeKind = NodeKind.FILE, content=None, link: bytes | None = None, **kw) -> Node:
    return tree_node(path, kind, content, link, provenance=_HOP, **kw)


@pytest.fixture
def tree() -> FileTree:
    return tree_of(
        _node("/bin", NodeKind.DIRECTORY),
        _node("/bin/busybox", content=b"\x7fELF busybox"),
        _node("/bin/sh", NodeKind.SYMLINK, link=b"busybox"),
        _node("/sbin", NodeKind.DIRECTORY),
        _node("/sbin/init", NodeKind.SYMLINK, link=b"/bin/sh"),
        _node("/etc", NodeKind.DIRECTORY),
        _node("/etc/passwd", NodeKind.SYMLINK, link=b"../../../../etc/passwd"),
        _node("/loop", NodeKind.SYMLINK, link=b"loop"),
        _node("/a", NodeKind.SYMLINK, link=b"b"),
        _node("/b", NodeKind.SYMLINK, link=b"a"),
        _node("/hard", NodeKind.HARDLINK, link=b"bin/busybox"),
        _node("/big", content=Lazy(size=5, read=lambda n: b"hello"[:n])),
        _node("/cut", withheld="withheld by the ratio limit"),
        _node("/img.bin", content=b"outer"),
        _node("/img.bin!/etc", NodeKind.DIRECTORY),
        _node("/img.bin!/etc/shadow", content=b"root:$1$x"),
        _node("/img.bin!/etc/link", NodeKind.SYMLINK, link=b"/etc/shadow"),
    )


def test_resolve_follows_links_within_their_container(tree) -> None:
    assert tree.resolve("/bin/sh") is tree["/bin/busybox"]
    assert tree.resolve("/sbin/init") is tree["/bin/busybox"]
    assert tree.resolve("/img.bin!/etc/link") is tree["/img.bin!/etc/shadow"]
    assert tree.resolve("/hard") is tree["/bin/busybox"]


def test_resolve_never_leaves_the_container_nor_loops(tree) -> None:
    assert tree.resolve("/etc/passwd") is None
    assert tree.resolve("/loop") is None
    assert tree.resolve("/a") is None
    assert tree.resolve("/missing") is None


def test_read_view_and_limits(tree) -> None:
    assert tree.read("/bin/busybox") == b"\x7fELF busybox"
    assert tree.read("/bin/busybox", 4) == b"\x7fELF"
    assert tree.read("/big") == b"hello"
    assert tree.read("/big", 2) == b"he"
    assert tree.read("/hard") == b"\x7fELF busybox"


def test_read_refuses_what_has_no_content(tree) -> None:
    with pytest.raises(ContentUnavailableError, match="ratio limit"):
        tree.read("/cut")
    with pytest.raises(ContentUnavailableError, match="has no content"):
        tree.read("/bin")
    with pytest.raises(ContentUnavailableError, match="has no content"):
        tree.read("/bin/sh")


def test_failing_lazy_read_becomes_content_unavailable() -> None:
    def broken(_: int | None) -> bytes:
        raise ValueError("bad block")

    tree = tree_of(_node("/x", content=Lazy(size=3, read=broken)))
    with pytest.raises(ContentUnavailableError, match="ValueError: bad block"):
        tree.read("/x")


def test_find_files_and_layers(tree) -> None:
    assert [n.path for n in tree.find("*/shadow")] == ["/img.bin!/etc/shadow"]
    assert "/bin/busybox" in [n.path for n in tree.files()]
    assert "/bin/sh" not in [n.path for n in tree.files()]
    assert tree["/img.bin!/etc/shadow"].layer == "/img.bin!/"
    assert tree["/bin/busybox"].layer == "/"
    assert tree[""] is tree.root
    assert len(tree) == 17


def test_ls_lists_a_directory_a_container_or_the_image(tree) -> None:
    assert [n.path for n in tree.ls("/")] == [
        "/a",
        "/b",
        "/big",
        "/bin",
        "/cut",
        "/etc",
        "/hard",
        "/img.bin",
        "/loop",
        "/sbin",
    ]
    assert tree.ls("") == tree.ls("/")
    assert [n.path for n in tree.ls("/bin")] == ["/bin/busybox", "/bin/sh"]
    assert [n.path for n in tree.ls("/bin/")] == ["/bin/busybox", "/bin/sh"]
    # A container file lists its members, however its root is written.
    assert [n.path for n in tree.ls("/img.bin")] == ["/img.bin!/etc"]
    assert tree.ls("/img.bin!/") == tree.ls("/img.bin!") == tree.ls("/img.bin")
    assert [n.path for n in tree.ls("/img.bin!/etc")] == ["/img.bin!/etc/link", "/img.bin!/etc/shadow"]
    assert tree.ls("/bin/busybox") == [tree["/bin/busybox"]]  # a plain file lists itself
    assert [n.path for n in tree.ls("/etc")] == ["/etc/passwd"]
    assert tree_of(_node("/empty", NodeKind.DIRECTORY)).ls("/empty") == []
    with pytest.raises(KeyError):
        tree.ls("/missing")


def test_info_gives_facts_provenance_and_hash(tree) -> None:
    info = tree.info("/img.bin!/etc/shadow")
    assert info.path == "/img.bin!/etc/shadow"
    assert info.kind is NodeKind.FILE
    assert info.size == 9
    assert info.sha256 == hashlib.sha256(b"root:$1$x").hexdigest()
    assert info.provenance == tree.describe("/img.bin!/etc/shadow")
    assert info.hops == _HOP
    assert tree.info("/img.bin").members == 1
    assert tree.info("/img.bin!/etc").members == 2
    assert tree.info("/img.bin!/etc").sha256 is None  # a directory has no content
    cut = tree.info("/cut")
    assert cut.sha256 is None
    assert cut.withheld == "withheld by the ratio limit"
    text = str(tree.info("/bin/sh"))
    assert "      link: busybox" in text
    assert "provenance: fw.bin » squashfs » /bin/sh" in text
    assert "sha256" not in text  # facts that are not there are not shown


def test_info_shows_itself_in_ipython(tree) -> None:
    pretty = pytest.importorskip("IPython.lib.pretty")
    info = tree.info("/bin/busybox")
    shown = pretty.pretty(info)
    assert shown == str(info)
    assert "sha256: " + hashlib.sha256(b"\x7fELF busybox").hexdigest() in shown


def test_sha256_is_computed_on_demand_once() -> None:
    reads = []

    def read(n: int | None) -> bytes:
        reads.append(n)
        return b"hello"[:n]

    tree = tree_of(
        _node("/lazy", content=Lazy(size=5, read=read)), _node("/hard", NodeKind.HARDLINK, link=b"lazy")
    )
    assert reads == []  # building the tree hashes nothing
    digest = hashlib.sha256(b"hello").hexdigest()
    assert tree.sha256("/lazy") == digest
    assert tree.sha256(tree["/lazy"]) == digest
    assert reads == [None]  # read once, then remembered
    assert tree.sha256("/hard") == digest  # a hard link has its target's content


def test_has_members_knows_opened_containers(tree) -> None:
    assert tree.has_members("/img.bin")
    assert tree.has_members("")
    assert not tree.has_members("/bin/busybox")
    assert not tree.has_members("/missing")


def test_unexplained_regions_are_found_by_the_entry_they_lie_in() -> None:
    # A byte between the members, so each is carved on its own (members that follow one another
    # directly are one stream).
    members = b"".join(gz(noise(300, seed=i)) + b"A" for i in range(3))
    tree = unpack(noise(500, seed=9) + members, name="fw.bin")
    by_path = {}
    for region in tree.coverage.unexplained:
        by_path.setdefault(region.location.path, []).append(region)
    assert len(by_path) == 4
    for path, regions in by_path.items():
        assert tree.unexplained_in(path) == tuple(regions)
        assert tree.unexplained_in(tree[path]) == tuple(regions)
    assert tree.unexplained_in("/no/such/entry") == ()
