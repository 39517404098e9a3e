"""The init-string test vectors of domain/p2p-init-strings.md, section 7, read from tests/data/p2p."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

VECTORS: dict[str, list[dict[str, Any]]] = tomllib.loads(
    (Path(__file__).parents[1] / "data" / "p2p" / "vectors.toml").read_text(encoding="utf-8")
)


def params(table: str) -> list[Any]:
    """One pytest param per vector of `table`, named by its id."""
    return [pytest.param(v, id=v["id"]) for v in VECTORS[table]]
