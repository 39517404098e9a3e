"""The committed corpus, its manifest, and the accuracy benchmark (a script, loaded by path)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import benchmark_scripts
import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
IMAGES = CORPUS / "images"
MANIFEST: dict[str, Any] = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = MANIFEST["image"]


def entry(number: str) -> dict[str, Any]:
    """The manifest entry of image `number` (two digits)."""
    return next(e for e in ENTRIES if e["file"].startswith(number))


def params() -> list[Any]:
    """One pytest param per image, named by its file."""
    return [pytest.param(e, id=e["file"]) for e in ENTRIES]


def accuracy() -> ModuleType:
    """benchmarks/accuracy.py as a module."""
    return benchmark_scripts.load("accuracy")
