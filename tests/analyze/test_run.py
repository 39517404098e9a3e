"""Each distinct content is analysed once; its findings and issues are moved to every copy."""

import dataclasses
import hashlib
import io
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.run import _content_key, analyze_tree
from firmware_audit.analyze.traces import BuildEnvironmentAnalyzer
from firmware_audit.audit import audit
from firmware_audit.extract import FileTree, Node, unpack
from firmware_audit.extract.ahead import ReadAhead
from firmware_audit.extract.formats.base import Lazy
from firmware_audit.model import Category, Finding, IssueKind, Location, Severity, TracePayload


class _Counting:
    """Finds 'sofia' and counts the files it reads; says so in an issue for every file it reads."""

    name: ClassVar[str] = "counting"
    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.read: list[str] = []

    def applies_to(self, node: Node) -> bool:
        return node.size > 0

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        self.read.append(ctx.node.path)
        ctx.issue(IssueKind.MALFORMED, "looked at")
        at = ctx.data().find(b"sofia")
        if at < 0:
            return
        loc = Location(path=ctx.node.path, offset=at)
        yield Finding(
            id=Finding.fingerprint("counting", loc, "sofia"),
            category=Category.REBRANDING,
            rule="counting",
            title="sofia",
            severity=Severity.LOW,
            confidence=1.0,
            location=loc,
            trace=TracePayload(kind="string", detail="sofia"),
        )


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def test_a_content_seen_again_under_the_same_name_is_not_analysed_again() -> None:
    app = b"\x00" * 10 + b"sofia" + bytes(range(256))
    image = _zip({"a/bin/app": app, "b/bin/app": app, "c/bin/other": app}, zipfile.ZIP_STORED)
    counting = _Counting()
    report = audit(image, analyzers=(counting,))
    # `other` has another name, which analyzers may read: it is analysed on its own.
    assert sorted(counting.read) == ["/a/bin/app", "/c/bin/other"]
    (finding,) = report.findings
    assert [(loc.path, loc.offset) for loc in finding.locations] == [
        ("/a/bin/app", 10),
        ("/b/bin/app", 10),
        ("/c/bin/other", 10),
    ]
    assert finding.location == finding.locations[0]
    # The copy's issues are its own, at its own path: nothing is silent.
    looked = sorted(i.location.path for i in report.issues if i.message == "looked at")
    assert looked == ["/a/bin/app", "/b/bin/app", "/c/bin/other"]


def test_equal_compressed_members_are_analysed_once_without_decoding_each() -> None:
    leaf = b"sofia" + b"\x01\x02" * 5000
    counting = _Counting()
    tree = unpack(_zip({f"{d}/leaf.bin": leaf for d in "abcde"}))
    report = audit(tree, analyzers=(counting,))
    assert counting.read == ["/a/leaf.bin"]
    (finding,) = report.findings
    assert finding.count == 5


def test_a_run_of_one_byte_value_is_analysed_once_per_name() -> None:
    counting = _Counting()
    image = _zip({f"{d}/zeros.bin": bytes(4096) for d in "abc"} | {"ff.bin": b"\xff" * 4096})
    audit(image, analyzers=(counting,))
    assert counting.read == ["/a/zeros.bin", "/ff.bin"]


def test_different_contents_are_each_analysed() -> None:
    counting = _Counting()
    audit(_zip({"a/app": b"sofia 1", "b/app": b"sofia 2"}), analyzers=(counting,))
    assert counting.read == ["/a/app", "/b/app"]


def test_a_folder_an_analyzer_reads_keeps_copies_apart() -> None:
    # The build-environment analyzer reads the kernel release from a module's folder: the same module
    # under another folder is analysed again, and only the copy in the release folder names it.
    module = b"\x7fELF" + bytes(60) + b"vermagic=\x00license=GPL\x00"
    image = _zip({"lib/modules/4.9.37/xm.ko": module, "opt/xm.ko": module}, zipfile.ZIP_STORED)
    analyzer = BuildEnvironmentAnalyzer()
    releases = [f for f in audit(image, analyzers=(analyzer,)).findings if f.trace.kind == "kernel-release"]
    assert [[loc.path for loc in f.locations] for f in releases] == [["/lib/modules/4.9.37/xm.ko"]]


def _counting_reads(tree: FileTree, reads: list[str]) -> FileTree:
    """The tree with every lazy content's reads written down in `reads`."""

    def counted(node: Node) -> Node:
        content = node.content
        if not isinstance(content, Lazy):
            return node

        def read(n: int | None) -> bytes:
            reads.append(node.path)
            return content.read(n)

        return dataclasses.replace(node, content=dataclasses.replace(content, read=read))

    nodes = {path: counted(node) for path, node in tree.nodes.items()}
    return FileTree(tree.image, tree.root, nodes, tree.issues, tree.coverage)


def test_contents_decoded_ahead_are_analysed_without_decoding_them_again() -> None:
    image = Path(__file__).parent.parent / "data" / "fs" / "squashfs-xz.sqfs"
    plain = _Counting()
    expected = analyze_tree(unpack(image), (plain,), deadline=time.monotonic() + 600)
    reads: list[str] = []
    tree = _counting_reads(unpack(image), reads)
    ahead = ReadAhead(tree, least=0)
    while ahead.running:  # a tree of seven small files: decoded in a moment
        time.sleep(0.01)
    counting = _Counting()
    assert analyze_tree(tree, (counting,), deadline=time.monotonic() + 600, ahead=ahead) == expected
    assert counting.read == plain.read
    assert reads == []  # every content came from the child that read ahead: none was decoded here


def test_a_content_is_keyed_by_its_one_byte_value_or_its_digest() -> None:
    assert _content_key(b"\x00" * 10) == ("run", 0, 10)
    assert _content_key(b"x") == ("run", ord("x"), 1)
    for data in (b"", b"axa", b"ab", b"\x00\x01\x00"):  # equal ends or not, not one value throughout
        assert _content_key(data) == hashlib.sha256(data).digest()
