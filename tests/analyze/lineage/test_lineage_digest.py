"""Function and TLSH digests: a rebuild of the same code gives the same function digests."""

from __future__ import annotations

import io

import lief
import numpy as np
from lineage_fixtures import DATA

from firmware_audit.analyze.lineage import digest as digest_module
from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.analyze.lineage.digest import MIN_INSTRUCTIONS, FileDigest, NotDigested, digest, tlsh_of


def _digest(data: bytes):
    binary = lief.ELF.parse(io.BytesIO(data))
    assert binary is not None
    found = digest(data, binary)
    assert isinstance(found, FileDigest)
    return found


def test_two_versions_share_most_functions() -> None:
    v1 = _digest((DATA / "maker_app_v1").read_bytes())
    v2 = _digest((DATA / "maker_app_v2").read_bytes())
    assert v1.arch == v2.arch == "arm"
    shared = np.intersect1d(v1.functions, v2.functions)
    # Version 2 moved every function (three were added) and is stripped: most still match.
    assert len(shared) >= 0.6 * len(v1.functions)
    assert len(v1.functions) >= 20


def test_unrelated_program_shares_no_function() -> None:
    v1 = _digest((DATA / "maker_app_v1").read_bytes())
    other = _digest((DATA / "other_app").read_bytes())
    assert len(np.intersect1d(v1.functions, other.functions)) <= 1


def test_offsets_point_into_the_file() -> None:
    data = (DATA / "maker_app_v2").read_bytes()
    found = _digest(data)
    assert len(found.offsets) == len(found.functions)
    assert all(0 < int(o) < len(data) for o in found.offsets)
    assert found.instructions >= MIN_INSTRUCTIONS * len(found.functions)
    assert not found.truncated


def test_tlsh_of_small_or_uniform_bytes_is_none() -> None:
    assert tlsh_of(b"\x00" * 10) is None
    assert tlsh_of(b"\x00" * 4096) is None
    value = tlsh_of(bytes(range(256)) * 8)
    assert value is not None
    assert value.startswith("T1")


def test_packed_digests_round_trip(tmp_path) -> None:
    values = np.array([3, 2**64 - 1, 0x0123456789ABCDEF], dtype=np.uint64)
    text = lineage_index.pack_digests(values)
    assert len(text) == 48
    assert lineage_index.unpack_digests(text, tmp_path).tolist() == sorted(values.tolist())


def test_packed_code_gives_no_function_digest() -> None:
    data = bytearray((DATA / "maker_app_v1").read_bytes())
    binary = lief.ELF.parse(io.BytesIO(bytes(data)))
    assert binary is not None
    text = binary.get_section(".text")
    noise = np.random.default_rng(7).integers(0, 256, text.size, dtype=np.uint8).tobytes()
    data[text.offset : text.offset + text.size] = noise
    found = _digest(bytes(data))
    assert found.packed
    assert len(found.functions) == 0
    # Packed bytes say nothing of the instruction set: the file stays ARM (TLSH compares by it).
    assert found.arch == "arm"


def test_words_remembered_from_earlier_files_give_the_same_digests(monkeypatch) -> None:
    data = (DATA / "maker_app_v2").read_bytes()
    monkeypatch.setattr(digest_module, "_CACHE", {})
    fresh = _digest(data)
    assert digest_module._CACHE  # the words are remembered for the next file
    again = _digest(data)
    assert fresh.functions.tolist() == again.functions.tolist()
    assert fresh.offsets.tolist() == again.offsets.tolist()


def test_a_thumb2_library_with_an_even_entry_point_is_read_as_thumb() -> None:
    data = (DATA / "maker_lib_thumb.so").read_bytes()
    binary = lief.ELF.parse(io.BytesIO(data))
    assert binary is not None
    assert binary.entrypoint & 1 == 0  # what the entry point alone would read as ARM words
    found = _digest(data)
    assert found.arch == "thumb"
    assert len(found.functions) >= 10
    # ARM code stays ARM (its words are nearly all "always" or unconditional).
    assert _digest((DATA / "maker_app_v1").read_bytes()).arch == "arm"


def test_a_file_of_an_instruction_set_not_asked_for_is_not_digested(monkeypatch) -> None:
    data = (DATA / "maker_lib_thumb.so").read_bytes()
    binary = lief.ELF.parse(io.BytesIO(data))
    assert binary is not None

    def swept(*_args: object) -> None:
        raise AssertionError("swept code it was not asked to")

    monkeypatch.setattr(digest_module, "_thumb_pieces", swept)
    monkeypatch.setattr(digest_module, "_word_pieces", swept)
    assert digest(data, binary, {"arm", "mips"}) == NotDigested("thumb")


def test_a_file_of_an_architecture_the_digests_do_not_read_is_not_digested() -> None:
    data = bytearray((DATA / "maker_app_v1").read_bytes())
    data[18:20] = (3).to_bytes(2, "little")  # e_machine: EM_386
    binary = lief.ELF.parse(io.BytesIO(bytes(data)))
    assert binary is not None
    assert digest(bytes(data), binary) == NotDigested(None)
