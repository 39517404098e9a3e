"""`FileContext.strings` finds exactly what the plain regular expressions find, only faster."""

import random
import re

import pytest
from builders import noise

from firmware_audit.analyze import FileContext
from firmware_audit.analyze import texts as texts_module
from firmware_audit.analyze.texts import Strings
from firmware_audit.extract import unpack

ASCII = re.compile(rb"[\x20-\x7e\t]{4,}")
WIDE = re.compile(rb"(?:[\x20-\x7e]\x00){4,}")


def _reference(data: bytes) -> list[tuple[int, str, bool]]:
    found = [(m.start(), m.group().decode("ascii"), False) for m in ASCII.finditer(data)]
    found += [(m.start(), m.group().decode("utf-16-le"), True) for m in WIDE.finditer(data)]
    return sorted(found, key=lambda t: t[0])


@pytest.mark.parametrize(
    "data",
    [
        bytes(100_000),
        noise(100_000),
        b"abc\x00abcd\x00\tab\tc\x00" + "wide text".encode("utf-16-le") + b"\x00x\x00y\x00z\x00" + b"tail",
        b"\x00" + "odd aligned".encode("utf-16-le") + b"ab" + "even".encode("utf-16-le"),
        bytes(range(256)) * 50,
    ],
)
def test_strings_match_the_plain_regular_expressions(data) -> None:
    tree = unpack(data)
    found = [(t.offset, t.value, t.wide) for t in FileContext(tree, tree.root).strings()]
    assert found == _reference(data)


BLOBS = [
    # An ASCII string whose last character starts a wide one, a tab, odd and even alignments, the end.
    b"abcdA\x00B\x00C\x00D\x00\x01\tab\tcd\x00\x01"
    + "odd".encode("utf-16-le")
    + b"\x00"
    + "wide one".encode("utf-16-le"),
    b"\x00" + "odd aligned".encode("utf-16-le") + b"ab" + "even".encode("utf-16-le") + b"tail",
    b"x\x00" * 500_000,  # a megabyte of alternating printable and NUL: one wide string
    b"ab\x00\x00" * 250_000,  # a megabyte of runs too short to keep
    b"abcd\x01" * 200_000,  # a megabyte of short strings
]


@pytest.mark.parametrize("data", BLOBS)
def test_strings_read_one_by_one_are_those_iterated(data) -> None:
    tree = unpack(data)
    texts = FileContext(tree, tree.root).strings()
    by_index = [(texts[i].offset, texts[i].value, texts[i].wide) for i in reversed(range(len(texts)))]
    assert by_index[::-1] == _reference(data)
    assert [(t.offset, t.value, t.wide) for t in texts] == _reference(data)
    if texts:
        assert texts[-1] == texts[len(texts) - 1]
    with pytest.raises(IndexError):
        texts[len(texts)]


@pytest.mark.parametrize("data", BLOBS)
def test_strings_joined_one_a_line(data, monkeypatch) -> None:
    monkeypatch.setattr(texts_module, "_JOIN_CHUNK", 7)  # many steps, and strings longer than one
    values = [value for _, value, _ in _reference(data)]
    starts = [sum(len(v) + 1 for v in values[:i]) for i in range(len(values))] if len(values) < 1000 else None
    tree = unpack(data)
    text, found = FileContext(tree, tree.root).strings().joined()
    assert text == "\n".join(values)
    assert starts is None or found == starts
    assert len(found) == len(values)
    assert all(text[at - 1] == "\n" for at in found[1:])


def test_a_file_without_strings() -> None:
    tree = unpack(b"\x00\x01\x02")
    texts = FileContext(tree, tree.root).strings()
    assert (len(texts), list(texts), texts.joined()) == (0, [], ("", []))


@pytest.mark.parametrize(
    "data", [b"", b"a", b"a\x00", b"abc", b"abcd", b"\x00a\x00b\x00c\x00d\x00", b"a\x00b\x00c\x00d"]
)
def test_strings_of_a_few_bytes(data) -> None:
    texts = Strings(data)
    assert [(t.offset, t.value, t.wide) for t in texts] == _reference(data)
    assert texts.joined()[0] == "\n".join(value for _, value, _ in _reference(data))


@pytest.mark.parametrize("data", [*BLOBS[:2], b"", b"abc", b"\x00a\x00b\x00c\x00d\x00"])
def test_strings_bounds_are_where_each_string_is(data) -> None:
    starts, ends, wide = Strings(data).bounds()
    found = [(t.offset, t.offset + len(t.value) * (2 if t.wide else 1), t.wide) for t in Strings(data)]
    assert list(zip(starts, ends, wide, strict=True)) == found
    assert len(found) == len(_reference(data))


def _small_blobs() -> list[bytes]:
    """Random bytes, and runs of printable, NUL, tab and other bytes in every alignment."""
    rng = random.Random(4)
    pieces = [b"a", b"\x00", b"\t", b"\n", b"\xff", b"ab", b"a\x00", b"abcd", b"x\x00y\x00"]
    blobs = [rng.randbytes(rng.randint(0, texts_module.SMALL)) for _ in range(100)]
    for _ in range(1000):
        size = rng.randint(0, texts_module.SMALL)
        blob = b""
        while len(blob) < size:
            blob += rng.choice(pieces)
        blobs.append(blob[:size])
    return blobs


def test_small_files_are_read_as_large_ones(monkeypatch) -> None:
    def read(blobs: list[bytes]) -> list[tuple[list[tuple[int, str, bool]], tuple[str, list[int]]]]:
        return [([(t.offset, t.value, t.wide) for t in s], s.joined()) for s in map(Strings, blobs)]

    blobs = _small_blobs()
    small = read(blobs)
    assert sum(len(found) for found, _ in small) > 10_000
    monkeypatch.setattr(texts_module, "SMALL", -1)  # every file by the vectorised passes
    assert read(blobs) == small
