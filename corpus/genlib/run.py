"""Running the build tools with a fixed environment, so their output does not depend on the host."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

EPOCH = 0
"""Every time stamp in the corpus (files, filesystems, headers) is 1970-01-01T00:00:00Z."""

ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL": "C",
    "TZ": "UTC",
    "SOURCE_DATE_EPOCH": str(EPOCH),
    "HOME": "/nonexistent",
}


class MissingToolError(RuntimeError):
    """A tool the generator needs is not installed."""


def need(*tools: str) -> None:
    """Fail early, naming the Debian packages, when a tool is missing."""
    missing = [tool for tool in tools if shutil.which(tool, path=ENV["PATH"]) is None]
    if missing:
        raise MissingToolError(
            f"missing tools: {', '.join(missing)} (apt-get install squashfs-tools util-linux mtd-utils "
            "u-boot-tools genext2fs cpio faketime fakeroot openssl device-tree-compiler "
            "gcc-arm-linux-gnueabi gcc-arm-linux-gnueabihf gcc-mipsel-linux-gnu gcc-mips-linux-gnu)"
        )


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    unset: Sequence[str] = (),
    as_root: bool = False,
) -> bytes:
    """Run a tool with the fixed environment; return its standard output, fail loudly on error.

    Args:
        argv: The command.
        cwd: Working directory.
        stdin: Bytes to feed it.
        unset: Variables of the fixed environment to leave out (mksquashfs refuses SOURCE_DATE_EPOCH
            next to explicit time options).
        as_root: Run under fakeroot when not root, for tools that record the owner of every file and
            cannot be told to squash it.
    """
    env = {k: v for k, v in ENV.items() if k not in unset}
    if as_root and os.getuid() != 0:
        argv = ["fakeroot", *argv]
    proc = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        input=stdin,
        env=env,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        command = " ".join(str(a) for a in argv)
        raise RuntimeError(f"{command} failed ({proc.returncode}):\n{proc.stderr.decode(errors='replace')}")
    return proc.stdout


def touch_tree(root: Path) -> None:
    """Set every time stamp under `root` (links included) to `EPOCH`."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            os.utime(Path(dirpath) / name, (EPOCH, EPOCH), follow_symlinks=False)
    os.utime(root, (EPOCH, EPOCH))
