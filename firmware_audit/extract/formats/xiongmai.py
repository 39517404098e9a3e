"""Xiongmai `General_*.bin` firmware: a plain zip of install scripts and uImage-wrapped `*.img` images.

It is an ordinary zip, so this handler must come before the generic zip handler and accept only
zips that look like a General bin: an `InstallDesc` or `Install` member beside `*.img` images.
What it adds over a zip is the vendor's view: the images are payloads, and the filesystem their
names state (`romfs-x.cramfs.img`) is a claim the engine checks, since it is often wrong.
"""

from __future__ import annotations

from firmware_audit.extract.formats import zip as zipfmt
from firmware_audit.extract.formats._vendorzip import first_member, mark_images, name_claims
from firmware_audit.extract.formats.base import Detection, Handler, NodeKind, Output
from firmware_audit.extract.limits import Budget, Limits

INSTALL_NAMES = (b"InstallDesc", b"Install")


def _names(data: memoryview) -> list[bytes]:
    """Member names from the central directory, or from the local headers where it is missing."""
    names = zipfmt.central_names(data)
    if names is not None:
        return names
    scratch = Output(Budget(Limits()))
    zipfmt.list_members(data, scratch)
    return [e.name for e in scratch.entries if e.kind is NodeKind.FILE]


class XiongmaiHandler(Handler):
    """Xiongmai General bin firmware."""

    name = "xiongmai"
    magics = (zipfmt.LOCAL_MAGIC,)

    def probe(self, data: memoryview) -> Detection | None:
        """Accept a zip with an install description and at least one `*.img` image."""
        if first_member(data, zipfmt.LOCAL_MAGIC) is None:
            return None
        names = _names(data)
        install = [n for n in names if n in INSTALL_NAMES]
        images = [n for n in names if n.lower().endswith(b".img")]
        if not install or not images:
            return None
        said = " and ".join(n.decode("ascii") for n in sorted(install, reverse=True))
        return Detection(f"Xiongmai General bin (zip), {len(images)} images, with {said}")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List the members; images are payloads whose names claim a filesystem."""
        first = len(out.entries)
        extent = zipfmt.list_members(data, out, claims_for=name_claims)
        mark_images(out, first)
        return extent


HANDLER = XiongmaiHandler()
