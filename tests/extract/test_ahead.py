"""Reading ahead: the contents the analysis will read, decoded in a child and handed over on stop."""

import multiprocessing
import os
import time
from pathlib import Path

import pytest
from builders import tree_node, tree_of

from firmware_audit.extract import ContentUnavailableError, Node, unpack
from firmware_audit.extract import ahead as ahead_module
from firmware_audit.extract.ahead import MAX_CONTENT, ReadAhead
from firmware_audit.extract.formats.base import Lazy

_FS = Path(__file__).parent.parent / "data" / "fs"


def _finished(ahead: ReadAhead) -> ReadAhead:
    """Wait until the child has decoded all it will (a small tree: well under a minute)."""
    deadline = time.monotonic() + 60
    while ahead.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not ahead.running
    return ahead


def _lazy(path: str, data: bytes, identity: bytes | None = None) -> Node:
    def read(n: int | None) -> bytes:
        return data if n is None else data[:n]

    return tree_node(path, content=Lazy(size=len(data), read=read, identity=identity))


def test_every_file_of_a_filesystem_is_decoded_as_the_tree_reads_it() -> None:
    tree = unpack(_FS / "squashfs-xz.sqfs")
    decoded = _finished(ReadAhead(tree, least=0)).stop()
    wanted = {n.path for n in tree.files() if n.withheld is None and n.size > 0}
    assert set(decoded) == wanted
    assert "/lib/numbers.txt" in decoded  # a file of several blocks and a fragment tail
    for path, data in decoded.items():
        assert data == tree.read(path)


def test_no_more_than_the_budget_is_held() -> None:
    tree = unpack(_FS / "squashfs-xz.sqfs")
    decoded = _finished(ReadAhead(tree, budget=1000, least=0)).stop()
    assert decoded
    assert sum(map(len, decoded.values())) <= 1000
    assert "/lib/numbers.txt" not in decoded  # 13,893 bytes: left to be read when needed


def test_equal_identities_are_decoded_once_and_withheld_or_empty_files_never() -> None:
    tree = tree_of(
        _lazy("/a", b"same bytes", identity=b"id"),
        _lazy("/b", b"same bytes", identity=b"id"),
        _lazy("/c", b""),
        tree_node(
            "/d", content=Lazy(size=4, read=lambda _n: b"nope"), withheld="withheld by the ratio limit"
        ),
        _lazy("/e", b"other"),
    )
    assert _finished(ReadAhead(tree, least=0)).stop() == {"/a": b"same bytes", "/e": b"other"}


def test_large_contents_are_left_to_the_analysis() -> None:
    big = Lazy(size=MAX_CONTENT + 1, read=lambda _n: b"big")
    tree = tree_of(tree_node("/big", content=big), _lazy("/small", b"small"))
    assert _finished(ReadAhead(tree, least=0)).stop() == {"/small": b"small"}


def test_a_content_that_fails_is_left_for_the_analysis_to_meet() -> None:
    def broken(_n: int | None) -> bytes:
        raise ValueError("corrupt block")

    tree = tree_of(tree_node("/bad", content=Lazy(size=3, read=broken)), _lazy("/good", b"good"))
    assert _finished(ReadAhead(tree, least=0)).stop() == {"/good": b"good"}
    with pytest.raises(ContentUnavailableError, match="corrupt block"):
        tree.read("/bad")


def test_a_child_that_dies_hands_over_what_it_finished() -> None:
    tree = tree_of(
        _lazy("/first", b"first"),
        tree_node("/fatal", content=Lazy(size=5, read=lambda _n: os._exit(3))),
        _lazy("/x", b"x"),
    )
    assert _finished(ReadAhead(tree, least=0)).stop() == {"/first": b"first"}


def test_without_fork_nothing_is_read_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead_module, "can_fork", lambda: False)
    ahead = ReadAhead(tree_of(_lazy("/a", b"a")), least=0)
    assert not ahead.running
    assert ahead.stop() == {}


def test_stopping_ends_the_child_and_hands_over_once() -> None:
    tree = unpack(_FS / "squashfs-gzip.sqfs")
    ahead = ReadAhead(tree, least=0)
    first = ahead.stop()
    assert not ahead.running
    assert ahead.stop() == {}
    for path, data in first.items():  # whatever was decoded before the stop is whole
        assert data == tree.read(path)


def test_a_tree_with_little_to_decode_starts_no_child() -> None:
    ahead = ReadAhead(tree_of(_lazy("/a", b"a" * 1000)), least=1001)
    assert not ahead.running
    assert ahead.stop() == {}


def test_a_child_on_a_slow_content_is_not_waited_for() -> None:
    stuck = tree_node("/stuck", content=Lazy(size=5, read=lambda _n: time.sleep(120) or b""))
    ahead = ReadAhead(tree_of(_lazy("/first", b"first"), stuck), least=0)
    started = time.monotonic()
    # The child is on the slow content, or not yet past the first: whatever it finished is kept.
    decoded = ahead.stop()
    assert time.monotonic() - started < 120
    assert not ahead.running
    assert decoded in ({"/first": b"first"}, {})


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="the idle scheduling class is Linux's")
def test_the_child_decodes_only_on_a_core_nothing_else_wants() -> None:
    # The content is the scheduling policy of the process that decodes it.
    policy = Lazy(size=1, read=lambda _n: bytes([os.sched_getscheduler(0)]))
    decoded = _finished(ReadAhead(tree_of(tree_node("/policy", content=policy)), least=0)).stop()
    assert decoded == {"/policy": bytes([os.SCHED_IDLE])}


def _read_ahead_in(path: Path) -> dict[str, bytes]:
    return ReadAhead(unpack(path), least=0).stop()


def test_a_daemonic_process_reads_nothing_ahead_and_does_not_fail() -> None:
    # A `multiprocessing.Pool` worker may not have children: the audit goes on without reading ahead.
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.map(_read_ahead_in, [_FS / "squashfs-xz.sqfs"]) == [{}]
