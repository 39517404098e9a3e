"""Every format the unpacker knows, in the order they are tried.

Order matters where two handlers accept the same bytes: vendor containers come before the generic
formats they are built from (a Xiongmai General bin is a zip, a Dahua bin nearly one), and
filesystems come before compression streams that might also match inside them. Handlers without
magics come last: the engine tries them only at the start of a payload in which nothing else matched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.extract.formats import (
    bzip2,
    cpio,
    cramfs,
    dahua,
    digicap,
    extfs,
    fit,
    gzip,
    jffs2,
    linux,
    lz4,
    lzma,
    reolink,
    squashfs,
    tar,
    ubi,
    ubifs,
    ubootenv,
    uimage,
    xiongmai,
    xz,
    zstd,
)
from firmware_audit.extract.formats import zip as zipfmt

if TYPE_CHECKING:
    from firmware_audit.extract.formats.base import Handler

HANDLERS: tuple[Handler, ...] = (
    digicap.HANDLER,
    dahua.HANDLER,
    xiongmai.HANDLER,
    reolink.HANDLER,
    uimage.HANDLER,
    fit.HANDLER,
    squashfs.HANDLER,
    cramfs.HANDLER,
    jffs2.HANDLER,
    extfs.HANDLER,
    ubi.HANDLER,
    ubifs.HANDLER,
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
    # Fallbacks, without magic: tried only on a payload in which nothing above was found.
    ubootenv.HANDLER,
    linux.UBOOT,
    linux.RAW_KERNEL,
)

__all__ = ["HANDLERS"]
