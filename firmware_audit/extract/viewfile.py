"""A read-only file object over a memoryview, so stdlib readers (zipfile, tarfile) parse in place.

`io.BytesIO(view)` would copy the whole container; this reads only the ranges a parser asks for.
"""

from __future__ import annotations

import io
import os


class ViewFile(io.RawIOBase):
    """A seekable, read-only binary file whose bytes are a memoryview (never copied whole)."""

    def __init__(self, view: memoryview) -> None:
        """Read from `view`, starting at offset 0."""
        super().__init__()
        self._view = view
        self._pos = 0

    def readable(self) -> bool:
        """Always readable."""
        return True

    def seekable(self) -> bool:
        """Always seekable."""
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move to `offset`; a position before the start raises OSError, as a real file's would."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        pos = base + offset
        if pos < 0:
            raise OSError("negative seek position")
        self._pos = pos
        return pos

    def tell(self) -> int:
        """Return the current position."""
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        """Return up to `size` bytes from the current position (all that is left for None or < 0)."""
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        data = bytes(self._view[self._pos : end]) if end > self._pos else b""
        self._pos = max(self._pos, end)
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill `buffer` from the current position; return how many bytes were copied."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
