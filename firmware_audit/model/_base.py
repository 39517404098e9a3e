"""Shared base for every serialized model: frozen, strict about unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """A frozen pydantic model that rejects unknown fields, so a typo in a report is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")
