#!/usr/bin/env python3
"""Rebuild the corpus images in `corpus/images/` from `corpus/src/` and the recipes, reproducibly.

    python corpus/generate.py            # rebuild every image, update the hashes in manifest.toml
    python corpus/generate.py --check    # rebuild in a scratch directory, compare with the committed images
    python corpus/generate.py --only 01 05

Needs the Debian tools listed in corpus/README.md (cross compilers, squashfs-tools, mtd-utils, ...);
they are needed to build the corpus only, never to test or run firmware_audit. Every time stamp is 0,
every owner root, every seed fixed: two runs give byte-identical images.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
import time
from pathlib import Path

from genlib.fs import Packer
from genlib.parts import Context
from genlib.toolchain import Builder
from recipes import RECIPES

HERE = Path(__file__).resolve().parent
IMAGES = HERE / "images"
MANIFEST = HERE / "manifest.toml"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(only: set[str], work: Path) -> dict[str, bytes]:
    """Build the selected images (by two-digit number; all when `only` is empty) in `work`."""
    ctx = Context(cc=Builder(HERE / "src", work / "cc"), pack=Packer(work / "fs"))
    outputs: dict[str, bytes] = {}
    for recipe in RECIPES:
        if only and not any(name[:2] in only for name in recipe.OUTPUTS):
            continue
        started = time.monotonic()
        built = recipe.build(ctx)
        if set(built) != set(recipe.OUTPUTS):
            raise RuntimeError(f"{recipe.__name__} built {sorted(built)}, declared {recipe.OUTPUTS}")
        outputs.update(built)
        print(f"built {', '.join(built)} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return outputs


def update_manifest(hashes: dict[str, str]) -> None:
    """Write the new sha256 of each image into the `sha256 = ` line that follows its `file = ` line."""
    text = MANIFEST.read_text(encoding="utf-8")
    for name, digest in hashes.items():
        pattern = re.compile(rf'(\nfile = "{re.escape(name)}"\nsha256 = ")[0-9a-f]*(")')
        text, count = pattern.subn(rf"\g<1>{digest}\g<2>", text)
        if count != 1:
            print(f"manifest.toml has no entry for {name}; add one", file=sys.stderr)
    MANIFEST.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="compare a fresh build with the committed images"
    )
    parser.add_argument("--only", nargs="*", default=[], metavar="NN", help="image numbers to build")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="corpus-") as scratch:
        outputs = build(set(args.only), Path(scratch))
    differ = []
    for name, data in sorted(outputs.items()):
        committed = IMAGES / name
        same = committed.is_file() and committed.read_bytes() == data
        if args.check:
            differ += [] if same else [name]
        elif not same:
            IMAGES.mkdir(exist_ok=True)
            committed.write_bytes(data)
        print(f"{name:40} {len(data):>10} {_sha256(data)}{'' if same else '  (changed)'}")
    if not args.check:
        update_manifest({n: _sha256(d) for n, d in outputs.items() if not n.endswith(".toml")})
    total = sum(len(d) for d in outputs.values())
    print(
        f"{len(outputs)} files, {total / 2**20:.1f} MiB, {time.monotonic() - started:.1f} s", file=sys.stderr
    )
    if differ:
        print(f"not reproduced: {', '.join(differ)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
