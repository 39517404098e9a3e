"""Add a firmware image to a reference index: its maker's binaries as digests, its components as common code.

Every ELF file of the image is sorted into one of three: an open-source component (by name,
`components`) or a library of an SDK family of another vendor (a chip, P2P or cloud SDK, by its
library name in `signatures/sdk`) is third-party code, whose function digests go to the index's
`common.json`; a relocatable file (kernel module, object) is left out; every other ELF file is the
maker's own code and is written, as digests only, to `references/<id>.json`. No byte of the image is
written anywhere.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from firmware_audit.analyze.context import FileContext
from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.analyze.lineage.components import recognise
from firmware_audit.analyze.lineage.digest import NotDigested, digest
from firmware_audit.extract import Limits, unpack
from firmware_audit.signatures.sdk import signatures as sdk_signatures
from firmware_audit.signatures.traces import signatures as trace_signatures

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence
    from pathlib import Path

    from firmware_audit.analyze.lineage.index import Source


@dataclass(frozen=True, slots=True)
class Added:
    """What `add_reference` wrote: the reference file, the maker's binaries and the third-party files."""

    path: Path
    maker: str
    binaries: tuple[str, ...]
    common: tuple[str, ...]
    skipped: tuple[str, ...]


def canonical_maker(name: str) -> str:
    """The maker's name as `signatures/traces/makers.toml` spells it, when it knows the maker."""
    makers = trace_signatures().makers_named_in(name)
    return makers[0].name if len(makers) == 1 else name.strip()


def add_reference(
    image: str | os.PathLike[str] | bytes,
    *,
    folder: Path,
    reference_id: str,
    maker: str,
    source: Source,
    product: str = "",
    version: str = "",
    soc: str = "",
    notes: str = "",
    maker_files: Sequence[str] = (),
    limits: Limits | None = None,
) -> Added:
    """Digest the image's ELF files into the index at `folder` (created if needed).

    `maker_files` (glob patterns on the virtual paths), when given, name the maker's own files: every
    other ELF file is taken as third-party code, as a curator who knows the image says.

    Raises:
        ValueError: the reference id is not usable as a file name, or the image holds no maker binary.
    """
    import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

    if not lineage_index.valid_id(reference_id):
        raise ValueError(f"reference id {reference_id!r}: use lower case letters, digits, '.', '_' and '-'")
    maker = canonical_maker(maker)
    tree = unpack(image, limits=limits or Limits())
    binaries: dict[str, dict[str, Any]] = {}
    common_files: list[str] = []
    common: list[np.ndarray[Any, np.dtype[np.uint64]]] = []
    skipped: list[str] = []
    seen: set[str] = set()
    # An image nothing could open (a bare ELF file) is its own only file.
    for node in list(tree.files()) or [tree.root]:
        if node.withheld is not None:
            continue
        path = node.path or f"/{tree.root.name.decode('utf-8', 'replace')}"
        ctx = FileContext(tree, node)
        data = ctx.data()
        if not ctx.is_elf:
            continue
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 in seen:
            continue
        seen.add(sha256)
        binary = ctx.elf()
        if binary is None or binary.header.file_type == lief.ELF.Header.FILE_TYPE.REL:
            skipped.append(path)
            continue
        digests = digest(data, binary)
        if isinstance(digests, NotDigested):
            skipped.append(path)
            continue
        chosen = not maker_files or any(fnmatch.fnmatchcase(path, p) for p in maker_files)
        if not chosen or _third_party(path, ctx, maker):
            common_files.append(path)
            common.append(digests.functions)
            continue
        binaries[path] = {
            "path": path,
            "sha256": sha256,
            "size": len(data),
            "arch": digests.arch,
            "tlsh": digests.tlsh,
            "functions": lineage_index.pack_digests(digests.functions),
        }
    if not binaries:
        raise ValueError("the image holds no ELF file of the maker's own code to add")
    reference = {
        "id": reference_id,
        "maker": maker,
        "product": product,
        "version": version,
        "soc": soc,
        "source": {
            "repository": source.repository,
            "commit": source.commit,
            "path": source.path,
            "sha256": source.sha256,
        },
        "notes": notes,
        "binaries": [binaries[p] for p in sorted(binaries)],
    }
    written = folder / "references" / f"{reference_id}.json"
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(json.dumps(reference, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    _add_common(folder, reference_id, common_files, common)
    return Added(written, maker, tuple(sorted(binaries)), tuple(common_files), tuple(skipped))


def _third_party(path: str, ctx: FileContext, maker: str) -> bool:
    """An open-source component, or a library of an SDK family of another vendor than the maker."""
    name = posixpath.basename(path)
    found = recognise(name, ctx.strings(), lines=ctx.lines(), candidates=ctx.candidate_indices)
    if found is not None and found.whole:
        return True
    families = sdk_signatures().families_of_library(name)
    return bool(families) and all(canonical_maker(f.vendor) != maker for f in families)


def _add_common(
    folder: Path, reference_id: str, files: list[str], parts: list[np.ndarray[Any, np.dtype[np.uint64]]]
) -> None:
    path = folder / "common.json"
    current: dict[str, Any] = {"sources": [], "functions": ""}
    if path.is_file():
        current = json.loads(path.read_text(encoding="utf-8"))
    known = lineage_index.unpack_digests(str(current.get("functions", "")), path)
    merged = np.unique(np.concatenate([known, *parts])) if parts else known
    sources = [s for s in current.get("sources", []) if s.get("reference") != reference_id]
    if files:
        sources.append({"reference": reference_id, "files": sorted(files)})
    sources.sort(key=lambda s: str(s.get("reference")))
    body = {"sources": sources, "functions": lineage_index.pack_digests(merged)}
    path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
