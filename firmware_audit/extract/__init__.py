"""Unpacking firmware images in memory, safely, into a virtual `FileTree`.

The names load on first use (module `__getattr__`): the unpacker imports every format and its
libraries, which `firmware_audit.extract.limits` alone (the command line's defaults) does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from firmware_audit.extract.engine import unpack
    from firmware_audit.extract.limits import Limits
    from firmware_audit.extract.tree import ContentUnavailableError, EntryInfo, FileTree, Hop, Node

_HOMES = {
    "unpack": "engine",
    "Limits": "limits",
    "ContentUnavailableError": "tree",
    "EntryInfo": "tree",
    "FileTree": "tree",
    "Hop": "tree",
    "Node": "tree",
}

__all__ = ["ContentUnavailableError", "EntryInfo", "FileTree", "Hop", "Limits", "Node", "unpack"]


def __getattr__(name: str) -> Any:  # noqa: ANN401  (whatever the name is)
    """Load a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
