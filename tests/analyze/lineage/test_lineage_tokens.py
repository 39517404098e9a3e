"""Tokens of instruction words in batches: the same as printing, masking and hashing each word alone."""

from __future__ import annotations

import io
import re
from pathlib import Path

import capstone
import lief
import numpy as np
import pytest

from firmware_audit.analyze.lineage import tokens as tokens_module
from firmware_audit.analyze.lineage.tokens import (
    NUMBER,
    UNDECODED,
    blake,
    canonical,
    decode,
    returns,
    returns_text,
    word_tokens,
)

DATA = Path(__file__).parents[2] / "data"
_MODES = {
    "arm": (capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM),
    "aarch64": (capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM),
    "mips": (capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS32),
    "mips64": (capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS64),
}
# Committed builds of each instruction set (their make.sh say how they were made).
_FIXTURES = {
    "arm": Path(__file__).parent / "data" / "maker_app_v1",
    "aarch64": DATA / "code" / "cloud-aarch64",
    "mips": DATA / "benign" / "benign-mipsel",
}


def _cs(arch: str, *, big: bool) -> capstone.Cs:
    isa, mode = _MODES[arch]
    return capstone.Cs(isa, mode | (capstone.CS_MODE_BIG_ENDIAN if big else capstone.CS_MODE_LITTLE_ENDIAN))


def _one_by_one(arch: str, words: np.ndarray, *, big: bool) -> tuple[list[int], list[bool]]:
    """Each word decoded alone by capstone, its text masked with `NUMBER` and hashed."""
    cs = _cs(arch, big=big)
    tokens, returns = [], []
    blob = words.astype(">u4" if big else "<u4").tobytes()
    for at in range(0, len(blob), 4):
        decoded = list(cs.disasm_lite(blob[at : at + 4], 0))
        if not decoded:
            tokens.append(UNDECODED)
            returns.append(False)
            continue
        _, _, mnemonic, operands = decoded[0]
        text = f"{mnemonic} {operands}"
        tokens.append(blake(NUMBER.sub("#", text).encode()))
        returns.append(returns_text(arch, text))
    return tokens, returns


def _code_words(path: Path) -> np.ndarray:
    data = path.read_bytes()
    binary = lief.ELF.parse(io.BytesIO(data))
    assert binary is not None
    text = binary.get_section(".text")
    code = data[text.offset : text.offset + text.size]
    return np.frombuffer(code[: len(code) // 4 * 4], dtype="<u4")


@pytest.mark.parametrize("arch", sorted(_FIXTURES))
def test_batches_give_the_tokens_of_each_word_alone(arch: str, monkeypatch) -> None:
    monkeypatch.setattr(tokens_module, "_MASKED", {})
    monkeypatch.setattr(tokens_module, "BATCH", 64)  # several batches, one ending mid-file
    words = np.unique(_code_words(_FIXTURES[arch]))
    tokens, returns = word_tokens(_cs(arch, big=False), arch, words.astype("<u4").tobytes())
    expected_tokens, expected_returns = _one_by_one(arch, words, big=False)
    assert tokens.tolist() == expected_tokens
    assert returns.tolist() == expected_returns
    assert any(expected_returns)  # the fixture's functions return: the flag is exercised
    assert UNDECODED not in expected_tokens or arch != "mips"


@pytest.mark.parametrize(
    ("arch", "big"), [("arm", False), ("arm", True), ("aarch64", False), ("mips", True), ("mips64", False)]
)
def test_random_words_undecodable_ones_included(arch: str, big: bool) -> None:
    # Random words hold data capstone cannot decode and rare encodings of every kind.
    words = np.random.default_rng(11).integers(0, 2**32, 4000, dtype=np.uint64).astype(np.uint32)
    words = np.concatenate((words, np.array([0x03E00008, 0xE12FFF1E, 0xD65F03C0], dtype=np.uint32)))
    tokens, returns = word_tokens(_cs(arch, big=big), arch, words.astype(">u4" if big else "<u4").tobytes())
    expected_tokens, expected_returns = _one_by_one(arch, words, big=big)
    assert tokens.tolist() == expected_tokens
    assert returns.tolist() == expected_returns
    assert UNDECODED in expected_tokens


def test_fast_number_pattern_masks_like_number() -> None:
    fast = tokens_module._NUMBER_BYTES
    slow = re.compile(NUMBER.pattern.encode())
    texts = [
        "#-5 #5 -5 ##5 --5 #-0x1f 0x 0x1g 10x5 r12b 5-3 #1.000000e+00 0x12 a0x3 #-#-1 -#1 0_1 1_ x0x1",
        "ldr r0, [pc, #-0x10]",
        "vmov.i32 d16, #0xff00",
        "ld1 {v0.16b, v1.16b}, [x0], #32",
        "lw $a0, -0x7fd0($gp)",
        "p15, #0, r0, c1, c0, #0",
        "9" * 200 + "x",
        "",
    ]
    for text in texts:
        assert fast.sub(b"#", text.encode()) == slow.sub(b"#", text.encode()), text


@pytest.mark.parametrize(("arch", "skip"), [("arm", True), ("arm", False), ("thumb", False), ("mips", True)])
def test_decode_gives_the_texts_capstone_prints(arch: str, skip: bool) -> None:
    # Random words (data among them), and `pop` of every register: an operand text longer than the
    # part of the field read first.
    words = np.random.default_rng(3).integers(0, 2**32, 3000, dtype=np.uint64).astype(np.uint32)
    words = np.concatenate((np.array([0xE8BDFFFF, 0xE12FFF1E] * 3, dtype=np.uint32), words))
    code = words.astype("<u4").tobytes()
    cs = _cs("mips" if arch == "mips" else "arm", big=False)
    if arch == "thumb":  # `bx lr`, `pop {r4, pc}`, Thumb-2 code (`tests/data/benign/make.sh`), the words
        binary = lief.ELF.parse(str(DATA / "benign" / "benign-arm"))
        assert binary is not None
        code = bytes.fromhex("704710bd") + bytes(binary.get_section(".text").content) + code
        cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB)
    cs.skipdata = skip
    expected = [(a, n, f"{m} {o}") for a, n, m, o in cs.disasm_lite(code, 0x1000) if m != ".byte"]
    found = decode(cs, code, 0x1000)
    assert len(found) == len(expected) > 0
    assert found.addresses.tolist() == [a for a, _, _ in expected]
    assert found.sizes.tolist() == [n for _, n, _ in expected]
    assert [found.line(at).decode() for at in range(len(found))] == [t for _, _, t in expected]
    assert max(len(t) for _, _, t in expected) > 48 or arch in {"thumb", "mips"}
    count = len(expected) // 2
    assert found.masked(count) == [NUMBER.sub("#", t).encode() for _, _, t in expected[:count]]
    assert found.masked() == [NUMBER.sub("#", t).encode() for _, _, t in expected]
    flags = [returns_text(arch, t) for _, _, t in expected]
    assert returns(arch, found, count).tolist() == flags[:count]
    assert returns(arch, found).tolist() == flags
    assert any(flags) or arch == "mips"


def test_a_batch_of_data_only_gives_undecoded_tokens() -> None:
    blob = b"\xff\xff\xff\xff" * 10  # no MIPS instruction
    tokens, returns = word_tokens(_cs("mips", big=False), "mips", blob)
    expected, _ = _one_by_one("mips", np.frombuffer(blob, dtype="<u4"), big=False)
    assert tokens.tolist() == expected
    assert not returns.any()


def _field_sweep(arch: str) -> np.ndarray:
    """Words of every kind `canonical` folds, with values of the folded field from both ends and between."""
    rng = np.random.default_rng(5)
    if arch == "mips":
        values = np.unique(
            np.concatenate(([0, 1, 4, 8, 0x7FFF, 0x8000, 0xFFFF], rng.integers(0, 1 << 16, 60)))
        )
        kinds = [
            np.uint32(major << 26 | rs << 21 | rt << 16)
            for major in np.flatnonzero(tokens_module._MIPS_IMMEDIATE).tolist()
            for rs in (0, 2, 29, 31)
            for rt in (range(32) if major == 1 else (0, 4, 31))
        ]
        jumps = rng.integers(0, 1 << 26, 200).astype(np.uint32)
        return np.concatenate(
            [kind | values.astype(np.uint32) for kind in kinds] + [(2 << 26) | jumps, (3 << 26) | jumps]
        )
    values = np.unique(np.concatenate(([0, 1, 4, 8, 0xFFF], rng.integers(0, 1 << 12, 40))))
    kinds = [
        np.uint32(cond << 28 | 2 << 25 | flags << 20 | rn << 16 | rt << 12)
        for cond in (0x0, 0xE, 0xF)
        for flags in range(32)
        for rn in (0, 13, 15)
        for rt in (0, 13, 15)
    ]
    targets = rng.integers(0, 1 << 24, 50).astype(np.uint32)
    branches = [
        np.uint32(cond << 28 | 5 << 25 | link << 24) | targets for cond in range(16) for link in (0, 1)
    ]
    return np.concatenate([kind | values.astype(np.uint32) for kind in kinds] + branches)


@pytest.mark.parametrize(("arch", "big"), [("arm", False), ("mips", False), ("mips", True)])
def test_words_folded_by_canonical_have_the_same_token(arch: str, big: bool) -> None:
    words = np.unique(_field_sweep(arch))
    order = ">u4" if big else "<u4"
    tokens, returns = word_tokens(_cs(arch, big=big), arch, words.astype(order).tobytes())
    folded = canonical(arch, words)
    assert len(np.unique(folded)) < len(words) / 2  # the sweep folds
    expected_tokens, expected_returns = word_tokens(_cs(arch, big=big), arch, folded.astype(order).tobytes())
    assert tokens.tolist() == expected_tokens.tolist()
    assert returns.tolist() == expected_returns.tolist()


@pytest.mark.parametrize("arch", ["arm", "mips"])
def test_canonical_words_of_real_code_and_random_words_have_the_same_token(arch: str) -> None:
    words = np.concatenate(
        (
            _code_words(_FIXTURES[arch]),
            np.random.default_rng(3).integers(0, 2**32, 20000, dtype=np.uint64).astype(np.uint32),
        )
    )
    words = np.unique(words)
    blob = words.astype("<u4").tobytes()
    folded = canonical(arch, words).astype("<u4").tobytes()
    assert (
        word_tokens(_cs(arch, big=False), arch, blob)[0].tolist()
        == word_tokens(_cs(arch, big=False), arch, folded)[0].tolist()
    )
    assert canonical("aarch64", words).tolist() == words.tolist()  # no other instruction set is folded
