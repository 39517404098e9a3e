"""Shared test helpers: where the committed data lives, and the other projects' samples when present."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from builders import TEXT_BLOB

from firmware_audit.analyze.matching import stored

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "formats"
_CACHE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Keep the compiled matching engines of the run in a folder of its own, never in the user's cache.

    Set before collection, so that modules compiling at import and the processes tests start use it.
    """
    config.stash[_CACHE] = tempfile.mkdtemp(prefix="firmware-audit-cache-")
    os.environ[stored.ENV] = config.stash[_CACHE]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's cache folder."""
    folder = config.stash.get(_CACHE, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


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
