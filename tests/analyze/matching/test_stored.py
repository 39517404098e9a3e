"""The compiled engine kept on disk answers as a compiled one, and a bad cache only costs a compile."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from pathlib import Path

import platformdirs
import pytest

from firmware_audit.analyze import matching
from firmware_audit.analyze.matching import database as engine_module
from firmware_audit.analyze.matching import stored

hyperscan = pytest.importorskip("hyperscan")

PATTERNS = (
    re.compile(r"(?<![\w.])hi35\d\d[a-z]{0,2}v\d{3}"),
    re.compile(r"xiongmai|hikvision|dahua", re.IGNORECASE),
    re.compile(r"^GCC: \(.{0,80}\) \d+\.\d+"),
    re.compile(r"p2p\.[a-z]+\.com$"),
)
SOURCES = (matching.Patterns("test-stored", lambda: PATTERNS),)
OTHER = (matching.Patterns("test-stored-other", lambda: (re.compile(r"ambarella|ingenic"),)),)
SAMPLES = [
    b"GCC: (Buildroot 2012.02) 4.4.0",
    b"chip=Hi3516EV300 hi3518ev200 from XiongMai",
    b"connect p2p.example.com",
    b"nothing here, Dahua, hikvision.ipc",
]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own, and no engine compiled yet in this process."""
    monkeypatch.setenv(stored.ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(engine_module, "_COMPILED", {})
    return tmp_path / "cache" / "hyperscan"


def _answers(engine: matching.Engine) -> list[list[tuple[int, int]]]:
    """(pattern id, end) of every match event of both databases in every sample."""
    answers = []
    for compiled in (engine.strings, engine.squeezed):
        for sample in SAMPLES:
            events: list[tuple[int, int]] = []
            compiled.scan(sample, lambda place, end, events=events: events.append((place, end)))
            answers.append(sorted(events))
    return answers


def _uncached(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[int, int]]]:
    with monkeypatch.context() as scope:
        scope.setenv(stored.ENV, "off")
        scope.setattr(engine_module, "_COMPILED", {})
        return _answers(matching.engine(SOURCES))


def _fresh(monkeypatch: pytest.MonkeyPatch) -> matching.Engine:
    """The engine as a new process gets it: nothing compiled in memory."""
    monkeypatch.setattr(engine_module, "_COMPILED", {})
    return matching.engine(SOURCES)


def _no_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("compiled although the database is in the cache")

    monkeypatch.setattr(engine_module, "_compiled", refuse)


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.hsdb"))


def test_a_cold_cache_is_written_and_a_warm_one_is_loaded(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _uncached(monkeypatch)
    assert any(expected)
    assert _answers(_fresh(monkeypatch)) == expected
    written = _entries(cache)
    assert written  # one entry a database (these patterns declare none for the squeezed strings)
    _no_compile(monkeypatch)
    assert _answers(_fresh(monkeypatch)) == expected
    assert _entries(cache) == written


def _damaged(entry: Path, payload: bytes) -> None:
    """Write `payload` as the entry, with a digest that matches it (so Hyperscan's own checks decide)."""
    entry.write_bytes(hashlib.sha256(payload).digest() + payload)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:100] + bytes(64) + data[164:], id="zeroed-digest-wrong"),
        pytest.param(lambda _data: b"", id="empty"),
        pytest.param(lambda data: b"\x00" * len(data), id="zeros"),
    ],
)
def test_a_damaged_entry_is_compiled_again_and_replaced(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], damage: object
) -> None:
    expected = _uncached(monkeypatch)
    _fresh(monkeypatch)
    for entry in _entries(cache):
        entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert _answers(_fresh(monkeypatch)) == expected
    _no_compile(monkeypatch)  # the damaged entries were replaced
    assert _answers(_fresh(monkeypatch)) == expected
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-1], id="truncated"),
        pytest.param(lambda data: data[:4000] + bytes(200) + data[4200:], id="bytecode"),
        pytest.param(lambda data: data[:4] + b"\xff\xff\xff\xff" + data[8:], id="version"),
    ],
)
def test_hyperscan_refuses_a_damaged_database_whose_digest_matches(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], damage: object
) -> None:
    expected = _uncached(monkeypatch)
    _fresh(monkeypatch)
    for entry in _entries(cache):
        _damaged(entry, damage(entry.read_bytes()[32:]))  # type: ignore[operator]
    assert _answers(_fresh(monkeypatch)) == expected
    assert capfd.readouterr().err == ""


def test_an_entry_others_can_write_is_not_read(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _uncached(monkeypatch)
    _fresh(monkeypatch)
    entries = _entries(cache)
    for entry in entries:
        entry.chmod(0o666)
    compiled: list[object] = []
    original = engine_module._compiled
    monkeypatch.setattr(engine_module, "_compiled", lambda *args: compiled.append(1) or original(*args))
    assert _answers(_fresh(monkeypatch)) == expected
    assert len(compiled) == len(entries)


def test_an_oversized_entry_is_not_read(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _uncached(monkeypatch)
    _fresh(monkeypatch)
    monkeypatch.setattr(stored, "MAX_ENTRY_BYTES", 1000)
    assert _answers(_fresh(monkeypatch)) == expected
    assert stored.load(hyperscan, _entries(cache)[0].stem, hyperscan.HS_MODE_BLOCK) is None


def test_an_unwritable_folder_still_gives_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    expected = _uncached(monkeypatch)
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")  # a folder cannot be made under a file, whoever runs the test
    monkeypatch.setenv(stored.ENV, str(blocker / "cache"))
    assert _answers(_fresh(monkeypatch)) == expected
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("value", ["off", "", "OFF"])
def test_the_cache_can_be_turned_off(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _uncached(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(stored.ENV, value)
    assert stored.folder() is None
    assert _answers(_fresh(monkeypatch)) == expected
    assert list(tmp_path.iterdir()) == []


def test_the_default_folder_is_the_user_s_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(stored.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = Path(platformdirs.user_cache_dir("firmware_audit", appauthor=False)) / "hyperscan"
    assert stored.folder() == expected
    if sys.platform.startswith("linux"):
        assert expected == tmp_path / "firmware_audit" / "hyperscan"


def test_without_an_absolute_cache_folder_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # No home: the user's cache folder comes back relative (`~/.cache/...`), which would be the cwd's.
    monkeypatch.delenv(stored.ENV, raising=False)
    monkeypatch.setattr("platformdirs.user_cache_dir", lambda *_args, **_kwargs: "~/.cache/firmware_audit")
    assert stored.folder() is None


def test_different_patterns_have_different_keys() -> None:
    flags, mode = [0, 0], hyperscan.HS_MODE_BLOCK
    base = stored.key(hyperscan, [b"abc", b"de"], flags, [0, 1], mode)
    assert base == stored.key(hyperscan, [b"abc", b"de"], flags, [0, 1], mode)
    assert base != stored.key(hyperscan, [b"abc", b"df"], flags, [0, 1], mode)
    assert base != stored.key(hyperscan, [b"ab", b"cde"], flags, [0, 1], mode)
    assert base != stored.key(hyperscan, [b"abc", b"de"], [0, hyperscan.HS_FLAG_CASELESS], [0, 1], mode)
    assert base != stored.key(hyperscan, [b"abc", b"de"], flags, [1, 0], mode)
    assert base != stored.key(hyperscan, [b"abc", b"de"], flags, [0, 1], hyperscan.HS_MODE_STREAM)


def test_two_pattern_sets_are_kept_apart(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _uncached(monkeypatch)
    _fresh(monkeypatch)
    first = _entries(cache)
    monkeypatch.setattr(engine_module, "_COMPILED", {})
    other = matching.engine(OTHER)
    assert len(_entries(cache)) == 2 * len(first)
    _no_compile(monkeypatch)
    assert _answers(_fresh(monkeypatch)) == expected
    monkeypatch.setattr(engine_module, "_COMPILED", {})
    assert _answers(matching.engine(OTHER)) == _answers(other)


def test_only_the_newest_entries_are_kept(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored, "MAX_ENTRIES", 1)
    _fresh(monkeypatch)
    first = _entries(cache)
    monkeypatch.setattr(engine_module, "_COMPILED", {})
    matching.engine(OTHER)
    kept = _entries(cache)
    assert len(first) == len(kept) == 1
    assert first != kept


def test_what_a_killed_writer_left_is_removed_later(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.mkdir(parents=True)
    left, writing = cache / ".left.tmp", cache / ".writing.tmp"
    for temporary in (left, writing):
        temporary.write_bytes(b"part of a database")
    hours_ago = time.time() - 2 * stored.LEFT_SECONDS
    os.utime(left, (hours_ago, hours_ago))
    _fresh(monkeypatch)
    assert not left.exists()
    assert writing.exists()
