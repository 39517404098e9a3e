"""Shared test helpers: where the committed data lives, and the other projects' samples when present."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from builders import TEXT_BLOB

from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.analyze.matching import stored

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "formats"
_CACHE = pytest.StashKey[str]()
_LINEAGE = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-golden`: write the corpus reports this checkout gives (`tests/corpus/test_golden.py`)."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="write tests/corpus/golden/ from this checkout's reports instead of comparing with them",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Keep the run away from the user's folders: its own matching-engine cache, an empty local index.

    Set before collection, so that modules compiling at import and the processes tests start use them.
    A reference the user added to their local lineage index would otherwise change the reports tests
    compare (a test that needs a local index sets its own).
    """
    config.stash[_CACHE] = tempfile.mkdtemp(prefix="firmware-audit-cache-")
    os.environ[stored.ENV] = config.stash[_CACHE]
    config.stash[_LINEAGE] = tempfile.mkdtemp(prefix="firmware-audit-lineage-")
    os.environ[lineage_index.LOCAL_ENV] = config.stash[_LINEAGE]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's cache and lineage folders."""
    for key in (_CACHE, _LINEAGE):
        folder = config.stash.get(key, None)
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
