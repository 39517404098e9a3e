"""Every format the unpacker knows, in the order they are tried.

Order matters where two handlers accept the same bytes: vendor containers come before the generic
formats they are built from (a Xiongmai General bin is a zip, a Dahua bin nearly one), and
filesystems come before compression streams that might also match inside them. Handlers without
magics come last: the engine tries them only at the start of a payload in which nothing else matched.

The filesystems read with a library that is slow to import (dissect's, ubi-reader's) are listed as
`Deferred`: by their name and magics, their module imported when one of them is first probed. An
image holds one or two of them; each costs 20-70 ms of every audit's start-up otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.extract.formats import (
    allwinner,
    ambarella,
    bzip2,
    cpio,
    dahua,
    digicap,
    fit,
    gzip,
    linux,
    lz4,
    lzma,
    reolink,
    romfs,
    tar,
    tplink,
    ubootenv,
    uimage,
    xiongmai,
    xz,
    zstd,
)
from firmware_audit.extract.formats import zip as zipfmt
from firmware_audit.extract.formats.base import Deferred

if TYPE_CHECKING:
    from firmware_audit.extract.formats.base import Handler


def _le(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little")


def _be(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big")


# Each imports its module where it is called: that is the point of deferring it.
def _squashfs() -> Handler:
    from firmware_audit.extract.formats import squashfs  # noqa: PLC0415

    return squashfs.HANDLER


def _cramfs() -> Handler:
    from firmware_audit.extract.formats import cramfs  # noqa: PLC0415

    return cramfs.HANDLER


def _jffs2() -> Handler:
    from firmware_audit.extract.formats import jffs2  # noqa: PLC0415

    return jffs2.HANDLER


def _extfs() -> Handler:
    from firmware_audit.extract.formats import extfs  # noqa: PLC0415

    return extfs.HANDLER


def _ubi() -> Handler:
    from firmware_audit.extract.formats import ubi  # noqa: PLC0415

    return ubi.HANDLER


def _ubifs() -> Handler:
    from firmware_audit.extract.formats import ubifs  # noqa: PLC0415

    return ubifs.HANDLER


HANDLERS: tuple[Handler, ...] = (
    digicap.HANDLER,
    dahua.HANDLER,
    xiongmai.HANDLER,
    reolink.HANDLER,
    tplink.HANDLER,
    uimage.HANDLER,
    fit.HANDLER,
    Deferred(_squashfs, name="squashfs", magics=(b"hsqs", b"sqsh")),
    Deferred(_cramfs, name="cramfs", magics=(_le(0x28CD3D45, 4), _be(0x28CD3D45, 4))),
    Deferred(_jffs2, name="jffs2", magics=(_le(0x1985, 2), _be(0x1985, 2))),
    # the superblock's magic, 56 bytes into it; the superblock is 1024 bytes in
    Deferred(_extfs, name="extfs", magics=(_le(0xEF53, 2),), magic_offset=1024 + 56),
    Deferred(_ubi, name="ubi", magics=(b"UBI#",)),
    Deferred(_ubifs, name="ubifs", magics=(_le(0x06101831, 4),)),
    romfs.HANDLER,
    ambarella.HANDLER,
    tar.HANDLER,
    cpio.HANDLER,
    zipfmt.HANDLER,
    gzip.HANDLER,
    bzip2.HANDLER,
    xz.HANDLER,
    lzma.HANDLER,
    lz4.HANDLER,
    zstd.HANDLER,
    linux.ZIMAGE,
    linux.ARM64_IMAGE,
    allwinner.EGON,
    allwinner.TOC1,
    # Fallbacks, without magic: tried only on a payload in which nothing above was found.
    ubootenv.HANDLER,
    linux.UBOOT,
    linux.RAW_KERNEL,
)

__all__ = ["HANDLERS"]
