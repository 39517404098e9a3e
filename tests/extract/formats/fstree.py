"""The source tree that tests/data/fs/make.sh packs into every filesystem image, and checks on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.extract.formats.base import Lazy, NodeKind, Output
from firmware_audit.extract.limits import Budget, Limits

if TYPE_CHECKING:
    from firmware_audit.extract import FileTree
    from firmware_audit.extract.formats.base import Handler

NUMBERS = b"".join(b"%d\n" % i for i in range(1, 3001))

FILES = {
    "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n",
    "/etc/hosts": b"127.0.0.1 localhost\n",
    "/etc/init.d/rcS": b"#!/bin/sh\necho starting\n",
    "/bin/busybox": b"not really busybox\n",
    "/lib/numbers.txt": NUMBERS,
    "/empty": b"",
    "/caf%E9.txt": b"caf\xe9\n",
}
DIRECTORIES = {"/etc", "/etc/init.d", "/bin", "/lib", "/dev", "/var", "/var/empty"}
SPECIAL = {"/dev/console": NodeKind.CHAR_DEVICE, "/dev/initctl": NodeKind.FIFO}


def check_tree(tree: FileTree, *, hard_links: bool = True) -> None:
    """Assert that `tree` (an unpacked image of the source tree) holds exactly what make.sh packed."""
    nodes = {path: node for path, node in tree.nodes.items() if path != "/lost+found"}
    expected = set(FILES) | DIRECTORIES | set(SPECIAL) | {"/bin/sh", "/etc/hosts.hardlink"}
    assert set(nodes) == expected
    for path, content in FILES.items():
        assert tree.read(path) == content
        if nodes[path].kind is NodeKind.HARDLINK:
            assert path == "/etc/hosts"  # checked with its pair below
            continue
        assert nodes[path].kind is NodeKind.FILE
        assert nodes[path].size == len(content)
    for path in DIRECTORIES:
        assert nodes[path].kind is NodeKind.DIRECTORY
    for path, kind in SPECIAL.items():
        assert nodes[path].kind is kind
    assert nodes["/bin/sh"].kind is NodeKind.SYMLINK
    assert nodes["/bin/sh"].link == b"busybox"
    assert tree.resolve("/bin/sh") is nodes["/bin/busybox"]
    assert nodes["/caf%E9.txt"].name == b"caf\xe9.txt"
    assert nodes["/etc/init.d/rcS"].mode is not None
    assert nodes["/etc/init.d/rcS"].mode & 0o777 == 0o755
    link = nodes["/etc/hosts.hardlink"]
    if hard_links:
        # Whichever name comes first in the directory holds the content; the other links to it.
        pair = {link.kind, nodes["/etc/hosts"].kind}
        assert pair == {NodeKind.FILE, NodeKind.HARDLINK}
    else:
        assert link.kind is NodeKind.FILE
    assert tree.read("/etc/hosts.hardlink") == FILES["/etc/hosts"]
    # The only issue is the device node, which the engine reports as recorded, never created.
    assert [(i.kind.value, i.location.path) for i in tree.issues] == [("unsafe-path", "/dev/console")]


FACT_TREE = {"/generic folder", "/generic folder/test file 3_.txt", "/testfile1", "/testfile2"}
"""The tree FACT's filesystem samples (`../shared/samples/formats/fact`) each hold."""


def check_fact_tree(tree: FileTree) -> None:
    """Assert that `tree` is FACT's sample tree, read whole and without a problem."""
    assert {n.path for n in tree} == FACT_TREE
    assert tree.read("/generic folder/test file 3_.txt").startswith(b"The third test file!")
    assert tree.read("/testfile2").startswith(b"This is the second")
    assert tree.issues == ()
    assert tree.coverage.explained_ratio == 1.0


def check_binwalk_tree(tree: FileTree) -> None:
    """Assert that `tree` is binwalk's one-file sample tree (`lsb-release`), read whole."""
    assert [n.path for n in tree] == ["/lsb-release"]
    assert tree.read("/lsb-release").startswith(b"DISTRIB_ID=Ubuntu")
    assert tree.coverage.explained_ratio == 1.0


def lazy_files(handler: Handler, data: bytes) -> tuple[Output, dict[bytes, Lazy]]:
    """Run a handler directly over an image; return its output and its lazy files by name."""
    view = memoryview(data)
    detection = handler.probe(view)
    assert detection is not None
    out = Output(Budget(Limits()))
    handler.unpack(view if detection.length is None else view[: detection.length], out)
    files = {e.name: e.content for e in out.entries if isinstance(e.content, Lazy)}
    return out, files


def check_partial_reads(handler: Handler, data: bytes) -> None:
    """Every prefix length of the multi-block file reads exactly that many first bytes."""
    _, files = lazy_files(handler, data)
    numbers = files[b"lib/numbers.txt"]
    assert numbers.size == len(NUMBERS)
    for n in (0, 1, 100, 4095, 4096, 4097, 8192, 12288, 13000, len(NUMBERS), len(NUMBERS) + 1, 1 << 30):
        assert numbers.read(n) == NUMBERS[:n], n
    assert numbers.read(None) == NUMBERS
