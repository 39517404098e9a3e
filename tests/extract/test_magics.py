import random

import pytest

from firmware_audit.extract import magics
from firmware_audit.extract.formats import HANDLERS


def _planted() -> bytes:
    """Random bytes with every magic of every handler planted at its offset, some overlapping."""
    rng = random.Random(11)
    data = bytearray(rng.randbytes(1 << 16))
    for handler in HANDLERS:
        for magic in handler.magics:
            for _ in range(3):
                at = rng.randrange(len(data) - handler.magic_offset - len(magic))
                data[at + handler.magic_offset : at + handler.magic_offset + len(magic)] = magic
    data[100:112] = b"PK\x03\x04" * 3  # one magic three times in a row
    return bytes(data)


@pytest.mark.parametrize(("start", "end"), [(0, 1 << 16), (5000, 20000), (65000, 1 << 16)])
def test_one_pass_finds_what_a_search_per_magic_finds(monkeypatch, start: int, end: int) -> None:
    data = _planted()
    found = magics.in_window(data, start, end)
    monkeypatch.setattr(magics, "_database", lambda: None)
    assert found == magics.in_window(data, start, end)
    assert all(start <= at < end for at, _ in found)
    assert found


def test_a_magic_repeated_back_to_back_is_found_at_each_place() -> None:
    zips = [at for at, h in magics.in_window(_planted(), 0, 200) if h.name == "zip"]
    assert zips == [100, 104, 108]


def test_a_head_is_matched_by_the_magic_at_its_place() -> None:
    assert [h.name for h in magics.at_head(memoryview(b"PK\x03\x04" + bytes(60)))] == ["xiongmai", "zip"]
    assert magics.at_head(memoryview(b"PK")) == []
