"""Fixtures of the lineage tests: the self-made builds in data/ (see data/make.sh) and name scrubbing."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

Scrub = Callable[[bytes, bytes], bytes]


def _scrub(data: bytes, names: bytes) -> bytes:
    """Overwrite every occurrence of the names (a regex, any case) with letters of the same length."""
    rng = random.Random(1)
    letters = b"abcdefghijklmnopqrstuvwxyz"

    def noise(match: re.Match[bytes]) -> bytes:
        return bytes(rng.choice(letters) for _ in match.group())

    return re.sub(b"(?i)" + names, noise, data)


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def scrub() -> Scrub:
    return _scrub
