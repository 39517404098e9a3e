"""Compiled Hyperscan databases kept on disk, so that a new process loads the engine instead of compiling it.

An entry is named by a digest of everything that decides the compiled bytes (`key`): each expression's
text, flags and id as given to `Database.compile`, the mode, the binding's version (its wheel bundles
the library) and the machine. The CPU features the library compiled for are not in the key (the
binding does not expose them): Hyperscan checks them itself when it loads a database, with its version,
length and a CRC of the bytecode (`hs_deserialize_database`, intel/hyperscan src/database.c), and a
database it refuses is compiled again and its entry replaced.

The folder is `$FIRMWARE_AUDIT_CACHE_DIR` (`off` or empty: no cache), else `firmware_audit/` in the
user's cache folder; databases go in its `hyperscan/`. The cache only saves time: an entry that cannot
be read or written, is too large, corrupt, or from another version is compiled again, silently, with
the same answers. A database is bytecode the library trusts, so an entry is read only when it is a
regular file of the user's that no one else can write, and only when its digest matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import stat
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

ENV = "FIRMWARE_AUDIT_CACHE_DIR"
"""Names the cache folder; `off` or empty turns the cache off."""
FORMAT = 1
"""The layout of an entry (a SHA-256 of the serialized database, then the database); in every key."""
MAX_ENTRY_BYTES = 64 << 20
"""An entry larger than this is not read (the shipped analyzers' two databases take 0.35 MiB)."""
MAX_ENTRIES = 16
"""Entries kept in the folder; the oldest beyond are removed when one is written."""
LEFT_SECONDS = 3600
"""A temporary file older than this was left by a process that died writing it."""
_DIGEST = hashlib.sha256().digest_size
_SUFFIX = ".hsdb"
_TEMPORARY = ".tmp"


def folder() -> Path | None:
    """Where databases are kept, or None when the cache is off or there is no absolute cache folder."""
    configured = os.environ.get(ENV)
    if configured is not None:
        if configured.strip().lower() in {"", "off"}:
            return None
        base = Path(configured).expanduser()
    else:
        # platformdirs (a dependency already, for the lineage index) knows each system's cache folder.
        import platformdirs  # noqa: PLC0415  (only when the engine is compiled, once a process)

        base = Path(platformdirs.user_cache_dir("firmware_audit", appauthor=False))
    # Without a home (`~` left as is) the folder would be relative to wherever the audit runs.
    return base / "hyperscan" if base.is_absolute() else None


def key(
    hs: ModuleType, expressions: Sequence[bytes], flags: Sequence[int], ids: Sequence[int], mode: int
) -> str:
    """The digest naming the database these arguments of `Database.compile` give on this machine."""
    decided = [
        FORMAT,
        str(getattr(hs, "__version__", "")),
        platform.machine(),
        mode,
        [[text.hex(), flag, id_] for text, flag, id_ in zip(expressions, flags, ids, strict=True)],
    ]
    return hashlib.sha256(json.dumps(decided).encode("ascii")).hexdigest()


def load(hs: ModuleType, name: str, mode: int) -> Any | None:  # noqa: ANN401  (hyperscan.Database)
    """The database stored under `name`, ready to scan, or None (absent, unreadable, refused)."""
    where = folder()
    if where is None:
        return None
    try:
        data = _read(where / f"{name}{_SUFFIX}")
        if data is None or hashlib.sha256(data[_DIGEST:]).digest() != data[:_DIGEST]:
            return None
        database = hs.loadb(data[_DIGEST:], mode)
        # A loaded database has no scratch space, and scanning without one reads past the binding's
        # placeholder: allocate it as compiling does.
        database.scratch = hs.Scratch(database)
    except (OSError, hs.error):
        return None
    return database


def store(hs: ModuleType, name: str, database: object) -> None:
    """Keep a compiled database under `name`; nothing happens when it cannot be written."""
    where = folder()
    if where is None:
        return
    temporary: Path | None = None
    try:
        payload = hs.dumpb(database)
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, made = tempfile.mkstemp(dir=where, prefix=".", suffix=_TEMPORARY)
        temporary = Path(made)
        with os.fdopen(descriptor, "wb") as out:
            out.write(hashlib.sha256(payload).digest() + payload)
        # Written whole, then renamed: a reader sees the old entry, the new one, or none.
        temporary.replace(where / f"{name}{_SUFFIX}")
        temporary = None
        _prune(where)
    except (OSError, hs.error):
        return
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink()


def _read(path: Path) -> bytes | None:
    """An entry's bytes, or None unless it is a regular file of the user's, no larger than the bound."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(descriptor, "rb") as entry:
        status = os.fstat(entry.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ENTRY_BYTES:
            return None
        if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
            return None
        data = entry.read(MAX_ENTRY_BYTES + 1)
    return data if _DIGEST < len(data) <= MAX_ENTRY_BYTES else None


def _prune(where: Path) -> None:
    """Remove the oldest entries beyond `MAX_ENTRIES` (each change of the patterns writes new ones).

    And what a process killed while writing left (another may be writing its own temporary file now).
    """
    entries = sorted(where.glob(f"*{_SUFFIX}"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in entries[MAX_ENTRIES:]:
        stale.unlink(missing_ok=True)
    for left in where.glob(f".*{_TEMPORARY}"):
        if time.time() - left.stat().st_mtime > LEFT_SECONDS:
            left.unlink(missing_ok=True)
