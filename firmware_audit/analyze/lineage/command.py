"""`firmware-audit signatures add-reference IMAGE --maker M --source REPOSITORY@COMMIT:PATH`.

Adds an image's maker binaries, as digests, to a lineage index: by default the user's local index
(`$FIRMWARE_AUDIT_LINEAGE_INDEX`, else `lineage/` in the user's data folder), which every later audit
reads beside the shipped one; `--index DIR` writes another (the project's own seeding writes the
shipped index this way).
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.analyze.lineage.reference import add_reference

if TYPE_CHECKING:
    import argparse

_SOURCE = re.compile(r"^(?P<repository>[^@\s]+)@(?P<commit>[^:\s]+):(?P<path>\S.*)$")
_SLUG = re.compile(r"[^a-z0-9._-]+")
USAGE_ERROR = 2


def register(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `add-reference` action to `firmware-audit signatures`."""
    add = actions.add_parser(
        "add-reference",
        help="add an image's maker binaries (as digests) to a lineage index",
        description="Digest the maker's own ELF files of IMAGE into a lineage index that later audits "
        "compare with. Open-source components and other vendors' SDK libraries become common code.",
    )
    add.add_argument("image", type=Path, metavar="IMAGE")
    add.add_argument("--maker", required=True, help="who built the firmware (a maker of signatures/traces)")
    add.add_argument(
        "--source",
        required=True,
        metavar="REPOSITORY@COMMIT:PATH",
        help="where the image is published (for a lab's own sample: LAB@CASE:FILE)",
    )
    add.add_argument("--sha256", help="of the published file (default: the image's own)")
    add.add_argument("--product", default="")
    add.add_argument("--version", dest="firmware_version", default="", metavar="VERSION")
    add.add_argument("--soc", default="")
    add.add_argument("--notes", default="")
    add.add_argument(
        "--files",
        action="append",
        default=[],
        metavar="GLOB",
        help="only these virtual paths are the maker's code (repeatable; default: every ELF file that is "
        "no open-source component nor another vendor's SDK library)",
    )
    add.add_argument("--id", dest="reference_id", help="reference id (default: from maker, product, version)")
    add.add_argument(
        "--index",
        type=Path,
        help=f"index folder (default: ${lineage_index.LOCAL_ENV}, else the user's data folder)",
    )
    add.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run `add-reference`; returns the exit code."""
    source = _SOURCE.match(args.source)
    if source is None:
        sys.stderr.write(f"firmware-audit: --source {args.source!r} is not REPOSITORY@COMMIT:PATH\n")
        return USAGE_ERROR
    image: Path = args.image
    if not image.is_file():
        sys.stderr.write(f"firmware-audit: {image}: not a readable file\n")
        return USAGE_ERROR
    sha256 = args.sha256 or _sha256(image)
    folder: Path = args.index or lineage_index.local_index_path()
    reference_id = args.reference_id or _slug(args.maker, args.product, args.firmware_version, image.name)
    try:
        added = add_reference(
            image,
            folder=folder,
            reference_id=reference_id,
            maker=args.maker,
            source=lineage_index.Source(sha256=sha256, **source.groupdict()),
            product=args.product,
            version=args.firmware_version,
            soc=args.soc,
            notes=args.notes,
            maker_files=args.files,
        )
    except ValueError as exc:
        sys.stderr.write(f"firmware-audit: {exc}\n")
        return USAGE_ERROR
    sys.stdout.write(
        f"{added.path}: {added.maker}, {len(added.binaries)} binaries of the maker, "
        f"{len(added.common)} third-party files to common code, {len(added.skipped)} not compared\n"
    )
    for path in added.binaries:
        sys.stdout.write(f"  maker    {path}\n")
    for path in added.common:
        sys.stdout.write(f"  common   {path}\n")
    return 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _slug(*parts: str) -> str:
    text = "-".join(p for p in parts if p).lower()
    return _SLUG.sub("-", text).strip("-._")[:80] or "reference"
