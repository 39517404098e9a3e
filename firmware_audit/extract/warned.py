"""Warnings that libraries print while they read an image, caught so they become report Issues.

LIEF warns about corrupt segments, cryptography about certificates with a non-positive serial,
zipfile about duplicate names: each says something about the image, and belongs in the report, once
per kind and file, not on the terminal. Deprecation warnings are about this program's code, not the
image, and keep the interpreter's filters.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_MAX_MESSAGE = 300


@contextmanager
def caught_warnings() -> Iterator[list[str]]:
    """Collect the warnings raised inside the block, as distinct one-line messages, in order."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
        try:
            yield messages
        finally:
            seen: set[str] = set()
            for item in caught:
                text = " ".join(str(item.message).split())[:_MAX_MESSAGE]
                line = f"{item.category.__name__}: {text}"
                if line not in seen:
                    seen.add(line)
                    messages.append(line)
