"""The guarded walk shared by the filesystem handlers, over small virtual filesystems."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from firmware_audit.extract.formats._fswalk import (
    MAX_DEPTH,
    MAX_DIRECTORY_ENTRIES,
    FsError,
    Member,
    Source,
    walk,
)
from firmware_audit.extract.formats.base import Lazy, NodeKind, Output
from firmware_audit.extract.limits import Budget, LimitExceeded, Limits
from firmware_audit.model import IssueKind


@dataclass
class Inode:
    kind: NodeKind
    children: list[tuple[bytes, int]] = field(default_factory=list)
    data: bytes = b""
    target: bytes = b""
    broken_after: int | None = None


class Virtual(Source[int]):
    """A filesystem of numbered inodes; inode 1 is the root."""

    def __init__(self, inodes: dict[int, Inode]) -> None:
        self.inodes = inodes

    def root(self) -> int:
        return 1

    def children(self, directory: int):
        inode = self.inodes[directory]
        for index, child in enumerate(inode.children):
            if inode.broken_after is not None and index == inode.broken_after:
                raise FsError(IssueKind.TRUNCATED, "the listing lies beyond the end")
            yield child

    def member(self, entry: int) -> Member:
        inode = self.inodes.get(entry)
        if inode is None:
            raise KeyError(entry)
        if inode.kind is NodeKind.FILE:
            data = inode.data
            return Member(inode.kind, entry, 0o100644, content=Lazy(len(data), lambda n: data[:n]))
        return Member(inode.kind, entry, target=inode.target)


def _walk(inodes: dict[int, Inode], limits: Limits | None = None) -> Output:
    out = Output(Budget(limits or Limits()))
    walk(Virtual(inodes), out)
    return out


def _names(out: Output) -> list[tuple[bytes, NodeKind]]:
    return [(e.name, e.kind) for e in out.entries]


def _messages(out: Output) -> list[tuple[IssueKind, str]]:
    return [(p.kind, p.message) for p in out.problems]


def test_kinds_paths_and_hard_links() -> None:
    out = _walk(
        {
            1: Inode(NodeKind.DIRECTORY, [(b"etc", 2), (b"sh", 4), (b"null", 5), (b"again", 3)]),
            2: Inode(NodeKind.DIRECTORY, [(b"passwd", 3)]),
            3: Inode(NodeKind.FILE, data=b"root\n"),
            4: Inode(NodeKind.SYMLINK, target=b"/bin/busybox"),
            5: Inode(NodeKind.CHAR_DEVICE),
        }
    )
    assert _names(out) == [
        (b"etc", NodeKind.DIRECTORY),
        (b"etc/passwd", NodeKind.FILE),
        (b"sh", NodeKind.SYMLINK),
        (b"null", NodeKind.CHAR_DEVICE),
        (b"again", NodeKind.HARDLINK),
    ]
    assert out.entries[2].link == b"/bin/busybox"
    assert out.entries[4].link == b"etc/passwd"
    assert out.problems == []


def test_a_loop_through_the_root_or_an_ancestor_is_an_issue() -> None:
    out = _walk(
        {
            1: Inode(NodeKind.DIRECTORY, [(b"a", 2)]),
            2: Inode(NodeKind.DIRECTORY, [(b"b", 3), (b"top", 1)]),
            3: Inode(NodeKind.DIRECTORY, [(b"up", 2)]),
        }
    )
    assert _names(out) == [(b"a", NodeKind.DIRECTORY), (b"a/b", NodeKind.DIRECTORY)]
    loop = "directory entry points back at an enclosing directory (a loop); not followed"
    assert _messages(out) == [
        (IssueKind.MALFORMED, f"/a/b/up: {loop}"),
        (IssueKind.MALFORMED, f"/a/top: {loop}"),
    ]


def test_a_directory_reached_twice_is_listed_once() -> None:
    out = _walk(
        {
            1: Inode(NodeKind.DIRECTORY, [(b"a", 2), (b"b", 2)]),
            2: Inode(NodeKind.DIRECTORY, [(b"f", 3)]),
            3: Inode(NodeKind.FILE, data=b"x"),
        }
    )
    assert [name for name, _ in _names(out)] == [b"a", b"a/f"]
    assert _messages(out) == [
        (IssueKind.MALFORMED, "/b: directory is already listed elsewhere in the image; not listed again")
    ]


@pytest.mark.parametrize("name", [b"", b".", b"..", b"a/b", b"nul\0"])
def test_names_that_are_not_file_names_are_skipped(name) -> None:
    out = _walk({1: Inode(NodeKind.DIRECTORY, [(name, 2), (b"ok", 2)]), 2: Inode(NodeKind.FILE)})
    assert _names(out) == [(b"ok", NodeKind.FILE)]
    assert _messages(out) == [
        (IssueKind.UNSAFE_PATH, f"/: entry named {name!r} is not a valid file name; skipped")
    ]


def test_raw_names_are_kept() -> None:
    out = _walk(
        {
            1: Inode(NodeKind.DIRECTORY, [(b"caf\xe9", 2)]),
            2: Inode(NodeKind.DIRECTORY, [(b"\xff", 3)]),
            3: Inode(NodeKind.FILE),
        }
    )
    assert [name for name, _ in _names(out)] == [b"caf\xe9", b"caf\xe9/\xff"]


def test_depth_is_capped() -> None:
    inodes = {i: Inode(NodeKind.DIRECTORY, [(b"d", i + 1)]) for i in range(1, MAX_DEPTH + 10)}
    out = _walk(inodes)
    assert len(out.entries) == MAX_DEPTH
    ((kind, message),) = _messages(out)
    assert kind is IssueKind.LIMIT
    assert message.endswith(f": nested deeper than {MAX_DEPTH} directories; not listed")


def test_entries_per_directory_are_capped() -> None:
    children = [(b"f%d" % i, 2) for i in range(MAX_DIRECTORY_ENTRIES + 5)]
    out = _walk({1: Inode(NodeKind.DIRECTORY, children), 2: Inode(NodeKind.SYMLINK, target=b"x")})
    assert len(out.entries) == MAX_DIRECTORY_ENTRIES
    assert _messages(out) == [
        (IssueKind.LIMIT, f"/: more than {MAX_DIRECTORY_ENTRIES} entries; the rest are not listed")
    ]


def test_the_file_limit_stops_the_walk_before_memory_fills() -> None:
    children = [(b"f%d" % i, 2) for i in range(100)]
    out = _walk({1: Inode(NodeKind.DIRECTORY, children), 2: Inode(NodeKind.FIFO)}, Limits(max_files=10))
    assert len(out.entries) == 10
    assert _messages(out) == [
        (IssueKind.LIMIT, "more entries than the file limit allows; stopped listing at /")
    ]


def test_time_limit_propagates_to_the_engine() -> None:
    ticks = iter(range(0, 1000, 100))
    budget = Budget(Limits(time_budget=50), clock=lambda: float(next(ticks)))
    out = Output(budget)
    with pytest.raises(LimitExceeded):
        walk(Virtual({1: Inode(NodeKind.DIRECTORY, [(b"a", 2)]), 2: Inode(NodeKind.DIRECTORY)}), out)


def test_reader_failures_become_issues_and_the_walk_goes_on() -> None:
    out = _walk(
        {
            1: Inode(NodeKind.DIRECTORY, [(b"broken", 2), (b"missing", 99), (b"fine", 3)]),
            2: Inode(NodeKind.DIRECTORY, [(b"kept", 3), (b"lost", 3)], broken_after=1),
            3: Inode(NodeKind.FILE, data=b"x"),
        }
    )
    assert [name for name, _ in _names(out)] == [b"broken", b"broken/kept", b"fine"]
    assert _messages(out) == [
        (
            IssueKind.TRUNCATED,
            "/broken: directory listing broken after 1 entries: the listing lies beyond the end",
        ),
        (IssueKind.PARSER_ERROR, "/missing: cannot read the entry: KeyError: 99"),
    ]


def test_a_root_that_is_not_a_directory_is_malformed() -> None:
    out = _walk({1: Inode(NodeKind.FILE)})
    assert out.entries == []
    assert _messages(out) == [(IssueKind.MALFORMED, "the root inode is a file, not a directory")]
