"""Shared test helpers: where the committed data lives, and the other projects' samples when present."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import TEXT_BLOB

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "formats"


@pytest.fixture
def data_dir() -> Path:
    """The committed test data (each folder's make.sh says how every file was made)."""
    return DATA


@pytest.fixture
def text_blob() -> bytes:
    """A compressible text, like a kernel log."""
    return TEXT_BLOB


@pytest.fixture
def shared_samples() -> Path:
    """Other projects' format samples; tests that use them skip when they are absent."""
    if not SHARED_SAMPLES.is_dir():
        pytest.skip("shared format samples are not present beside this clone")
    return SHARED_SAMPLES
