"""Floors on the real-firmware development set (`../shared/real-firmware`), scored as its README says.

The set is read in place; where it is absent beside this clone, every test here skips and says so.
Each issue that improves a category raises its floor here, so a regression on real firmware fails.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import benchmark_scripts
import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT.parent / "shared" / "real-firmware"

# Checks passed per kind of check, at least (out of: file 90, endpoint 50, sdk 12, trace 73,
# benign 66, oem 15).
FLOORS = {"file": 90, "endpoint": 50, "sdk": 12, "trace": 67, "benign": 66, "oem": 13}
# Pieces whose first OEM candidate names another maker than the ground truth's. The goal is 0.
WRONG_MAKER_AT_MOST = 0


def _scorer() -> ModuleType:
    return benchmark_scripts.load("real_accuracy")


@pytest.fixture(scope="module")
def scored() -> tuple[ModuleType, list]:
    if not (SET / "expected.toml").is_file():
        pytest.skip(f"the real-firmware development set is not present at {SET}")
    scorer = _scorer()
    return scorer, scorer.evaluate(SET, [])


def test_every_piece_is_scored(scored) -> None:
    _, results = scored
    with (SET / "expected.toml").open("rb") as fh:
        pieces = tomllib.load(fh)["images"]
    assert [r.piece for r in results] == list(pieces)


@pytest.mark.parametrize(("check", "floor"), sorted(FLOORS.items()))
def test_floor(scored, check: str, floor: int) -> None:
    scorer, results = scored
    total = scorer.totals(results)[check]
    assert total.passed >= floor, scorer.table(results, misses=True)


def test_wrong_makers(scored) -> None:
    scorer, results = scored
    wrong = [r.piece for r in results if r.wrong_maker]
    assert len(wrong) <= WRONG_MAKER_AT_MOST, scorer.table(results)
