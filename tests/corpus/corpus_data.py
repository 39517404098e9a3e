"""The committed corpus, its manifest, and the accuracy benchmark (a script, loaded by path)."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


@cache
def accuracy() -> ModuleType:
    """benchmarks/accuracy.py as a module."""
    spec = importlib.util.spec_from_file_location("accuracy", ROOT / "benchmarks" / "accuracy.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["accuracy"] = module
    spec.loader.exec_module(module)
    return module
