"""The reference index: digests of makers' builds, one JSON file per reference firmware.

An index is a folder (the shipped one is `firmware_audit/signatures/lineage/`, a user's local one is
wherever `local_index_path` says) holding:

* `references/<id>.json`: one reference firmware with its maker, product, version, SoC, public
  source (repository, commit, path, sha256) and, per ELF file of the maker's own code, its path,
  sha256, size, architecture, TLSH and function digests (16 hex digits each, concatenated);
* `common.json`: function digests seen in open-source components (busybox, libc, OpenSSL ...) of the
  references, with where they came from: code anyone may carry, never counted as lineage.

In memory the function digests of all references are one sorted array with the owner of each, an
inverted index looked up with `numpy.searchsorted`; TLSH digests are bucketed by architecture and
TLSH length byte, so a file is compared only with references whose length can still be close.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import platformdirs

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from numpy.typing import NDArray

SHIPPED = Path(__file__).resolve().parents[2] / "signatures" / "lineage"
"""The index shipped with the package."""
LOCAL_ENV = "FIRMWARE_AUDIT_LINEAGE_INDEX"
"""Environment variable naming the user's local index folder."""
_HEX = 16
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


class LineageIndexError(ValueError):
    """An index file is unreadable or invalid."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where a reference firmware is published: repository, commit, path in it, sha256 of that file."""

    repository: str
    commit: str
    path: str
    sha256: str

    def label(self) -> str:
        """`repository@commit:path`."""
        return f"{self.repository}@{self.commit[:12]}:{self.path}"


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference firmware: whose build, which product and version, and its public source."""

    id: str
    maker: str
    product: str
    version: str
    soc: str
    source: Source
    notes: str = ""


@dataclass(frozen=True, slots=True)
class RefBinary:
    """One ELF file of a reference firmware, as digests."""

    reference: Reference
    path: str
    sha256: str
    size: int
    arch: str
    tlsh: str | None
    functions: NDArray[np.uint64]


@dataclass(slots=True)
class Index:
    """Reference binaries, looked up by function digest and by TLSH.

    Attributes:
        name: `shipped` or `local:<folder>`; findings name the index that matched.
        binaries: Every reference binary.
        common: Sorted function digests that are never lineage (open-source components).
    """

    name: str
    binaries: list[RefBinary]
    common: NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    _keys: NDArray[np.uint64] = field(init=False)
    _owners: NDArray[np.int64] = field(init=False)
    _tlsh: dict[tuple[str, int], list[tuple[str, int]]] = field(init=False)
    _other_arch: dict[str, NDArray[np.bool_]] = field(init=False)

    def __post_init__(self) -> None:
        """Build the inverted index and the TLSH buckets."""
        sizes = [len(b.functions) for b in self.binaries]
        keys = (
            np.concatenate([b.functions for b in self.binaries]) if self.binaries else np.zeros(0, np.uint64)
        )
        owners = np.repeat(np.arange(len(self.binaries), dtype=np.int64), sizes)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._owners = owners[order]
        self._tlsh = {}
        archs = np.array([b.arch for b in self.binaries], dtype=object)
        self._other_arch = {arch: archs != arch for arch in set(archs.tolist())}
        for number, binary in enumerate(self.binaries):
            if binary.tlsh is not None:
                self._tlsh.setdefault((binary.arch, tlsh_length(binary.tlsh)), []).append(
                    (binary.tlsh, number)
                )

    def __len__(self) -> int:
        """Number of reference binaries."""
        return len(self.binaries)

    @property
    def functions(self) -> int:
        """Function digests held, over all binaries."""
        return len(self._keys)

    @property
    def arches(self) -> frozenset[str]:
        """The instruction sets of the reference binaries."""
        return frozenset(self._other_arch)

    def shared(self, functions: NDArray[np.uint64], arch: str) -> NDArray[np.int64]:
        """For each reference binary, how many of these (distinct) function digests of `arch` it holds.

        A binary of another instruction set holds none: its digests are of other instructions.
        """
        other = self._other_arch.get(arch)
        if other is None:
            return np.zeros(len(self.binaries), dtype=np.int64)
        left = np.searchsorted(self._keys, functions, side="left")
        right = np.searchsorted(self._keys, functions, side="right")
        runs = right - left
        total = int(runs.sum())
        if total == 0:
            return np.zeros(len(self.binaries), dtype=np.int64)
        # Expand every [left, right) run into its positions without a Python loop.
        starts = np.repeat(left - np.concatenate(([0], np.cumsum(runs)[:-1])), runs)
        positions = starts + np.arange(total)
        counts = np.bincount(self._owners[positions], minlength=len(self.binaries))
        counts[other] = 0
        return counts

    def tlsh_candidates(self, arch: str, digest: str, reach: int) -> Iterable[tuple[str, int]]:
        """(TLSH, binary number) of the references of `arch` whose TLSH length byte is within `reach`."""
        length = tlsh_length(digest)
        for near in range(length - reach, length + reach + 1):
            yield from self._tlsh.get((arch, near % 256), ())


def tlsh_length(digest: str) -> int:
    """The TLSH length byte (log of the file length): after `T1` and the checksum, nibbles swapped."""
    return int(digest[5] + digest[4], 16)


def local_index_path() -> Path:
    """The user's local index: `$FIRMWARE_AUDIT_LINEAGE_INDEX`, else `lineage/` in the user's data folder."""
    configured = os.environ.get(LOCAL_ENV)
    if configured:
        return Path(configured).expanduser()
    # Asked for every ELF file, and platformdirs takes 0.35 ms: kept for the variables it reads.
    return _user_lineage(os.environ.get("XDG_DATA_HOME"), os.environ.get("HOME"))


@functools.lru_cache(maxsize=8)
def _user_lineage(_xdg_data_home: str | None, _home: str | None) -> Path:
    return Path(platformdirs.user_data_dir("firmware_audit", appauthor=False)) / "lineage"


def state(folder: Path) -> tuple[object, ...]:
    """What tells whether an index folder changed: its path and its files' names, sizes and times."""
    files = [folder / "common.json"]
    references = folder / "references"
    if references.is_dir():
        files += sorted(references.glob("*.json"))
    found: list[object] = [str(folder)]
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        found.append((path.name, info.st_size, info.st_mtime_ns))
    return tuple(found)


def load(folder: Path, name: str) -> Index:
    """Read an index folder (a missing folder is an empty index).

    Raises:
        LineageIndexError: a file of the folder is unreadable or invalid.
    """
    binaries: list[RefBinary] = []
    references = folder / "references"
    for path in sorted(references.glob("*.json")) if references.is_dir() else []:
        binaries.extend(_binaries(_read(path), path))
    common_path = folder / "common.json"
    common = np.zeros(0, dtype=np.uint64)
    if common_path.is_file():
        common = np.unique(unpack_digests(str(_read(common_path).get("functions", "")), common_path))
    return Index(name=name, binaries=binaries, common=common)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LineageIndexError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise LineageIndexError(f"{path}: not a JSON object")
    return data


def _binaries(data: dict[str, Any], path: Path) -> list[RefBinary]:
    try:
        source = Source(**{k: str(data["source"][k]) for k in ("repository", "commit", "path", "sha256")})
        reference = Reference(
            id=str(data["id"]),
            maker=str(data["maker"]),
            product=str(data.get("product", "")),
            version=str(data.get("version", "")),
            soc=str(data.get("soc", "")),
            source=source,
            notes=str(data.get("notes", "")),
        )
        return [
            RefBinary(
                reference=reference,
                path=str(b["path"]),
                sha256=str(b["sha256"]),
                size=int(b["size"]),
                arch=str(b["arch"]),
                tlsh=b.get("tlsh"),
                functions=np.unique(unpack_digests(str(b.get("functions", "")), path)),
            )
            for b in data["binaries"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise LineageIndexError(f"{path}: {type(exc).__name__}: {exc}") from exc


def pack_digests(functions: Sequence[int] | NDArray[np.uint64]) -> str:
    """Function digests as one string of 16 hex digits each, sorted."""
    return "".join(f"{int(v):016x}" for v in sorted(int(v) for v in functions))


def unpack_digests(text: str, path: Path) -> NDArray[np.uint64]:
    """The inverse of `pack_digests`."""
    if len(text) % _HEX:
        raise LineageIndexError(f"{path}: function digests are not a multiple of {_HEX} hex digits")
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise LineageIndexError(f"{path}: function digests: {exc}") from exc
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def valid_id(value: str) -> bool:
    """Whether a reference id is usable as a file name (lower case letters, digits, `.`, `_`, `-`)."""
    return _ID.match(value) is not None
