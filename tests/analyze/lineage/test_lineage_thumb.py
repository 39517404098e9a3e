"""Thumb code is cut at its returns from capstone's records in arrays: the pieces of a sweep in order."""

from __future__ import annotations

import io
from pathlib import Path

import capstone
import lief
import pytest
from lineage_fixtures import DATA

from firmware_audit.analyze.lineage import digest as digest_module
from firmware_audit.analyze.lineage.digest import MIN_INSTRUCTIONS
from firmware_audit.analyze.lineage.tokens import NUMBER, blake, returns_text

# Thumb-2 code (Debian's armhf compiler builds Thumb-2 by default: tests/data/benign/make.sh), twice,
# around bytes that are no Thumb code: returns, 2- and 4-byte instructions and halfwords capstone
# cannot decode, which is what the cutting has to get right.
_BENIGN = Path(__file__).parents[2] / "data" / "benign" / "benign-arm"


def _text(path: Path) -> bytes:
    data = path.read_bytes()
    binary = lief.ELF.parse(io.BytesIO(data))
    assert binary is not None
    section = binary.get_section(".text")
    return data[section.offset : section.offset + section.size]


_CODE = _text(_BENIGN) + (DATA / "maker_app_v1").read_bytes()[:4096] + _text(_BENIGN)
_VADDR = 0x10400


def _thumb() -> capstone.Cs:
    return capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_LITTLE_ENDIAN)


def _in_order(code: bytes, budget: int) -> tuple[list[tuple[int, int]], int, bool]:
    """One instruction at a time, as capstone yields them: a piece ends at a return, or at a halfword
    capstone cannot decode (it is stepped over and the piece dropped)."""
    cs = _thumb()
    pieces: list[tuple[int, int]] = []
    lines: list[str] = []
    start = count = at = 0
    while at < len(code):
        end = at
        for address, size, mnemonic, operands in cs.disasm_lite(code[at:], _VADDR + at):
            count += 1
            if count > budget:
                return pieces, count - 1, True
            end = address - _VADDR + size
            if not lines:
                start = address - _VADDR
            lines.append(f"{mnemonic} {operands}")
            if returns_text("thumb", f"{mnemonic} {operands}"):
                if len(lines) >= MIN_INSTRUCTIONS:
                    pieces.append((blake(NUMBER.sub("#", "\n".join(lines)).encode()), start))
                lines = []
        at = max(end, at) + 2
        lines = []
    return pieces, count, False


@pytest.mark.parametrize("budget", [2_000_000, 2_200, 1_500, 100, 1])
def test_pieces_are_those_of_a_sweep_in_order(budget: int) -> None:
    expected = _in_order(_CODE, budget)
    found = digest_module._thumb_pieces(_thumb(), _CODE, _VADDR, budget)
    assert found == expected
    assert expected[2] is (budget < 2_000_000)
    assert budget < 2_000_000 or len(expected[0]) >= 6  # both copies' functions


@pytest.mark.parametrize("budget", [2_200, 100, 1])
def test_capstone_is_given_no_more_code_than_the_budget_can_use(budget: int, monkeypatch) -> None:
    # capstone makes a record of ~250 bytes for each instruction it decodes: a hostile 64 MiB Thumb
    # segment handed over whole would cost gigabytes before the budget cuts the run.
    given: list[int] = []
    decode = digest_module.decode

    def counting(cs, code, address):
        given.append(len(code))
        return decode(cs, code, address)

    monkeypatch.setattr(digest_module, "decode", counting)
    code = _CODE * 8
    digest_module._thumb_pieces(_thumb(), code, _VADDR, budget)
    assert given
    assert max(given) <= 4 * (budget + 1) < len(code)


@pytest.mark.parametrize(
    ("encoding", "returns"),
    [
        ("10bd", True),  # pop {r4, pc}
        ("7047", True),  # bx lr
        ("bde8f08f", True),  # pop.w {r4-r11, pc}: Thumb-2's wide form
        ("5df804fb", True),  # ldr pc, [sp], #4: Thumb-2's one-register pop
        ("bde81040", False),  # pop.w {r4, lr}: restores, does not return
        ("5df8040b", False),  # ldr r0, [sp], #4
        ("dff804f0", False),  # ldr.w pc, [pc, #4]: a jump through a literal, not a return
    ],
)
def test_thumb_returns_are_told_from_capstone_s_text(encoding: str, returns: bool) -> None:
    ((mnemonic, operands),) = [(i[2], i[3]) for i in _thumb().disasm_lite(bytes.fromhex(encoding), 0)]
    assert returns_text("thumb", f"{mnemonic} {operands}") is returns
