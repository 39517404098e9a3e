"""Every format the unpacker knows, in the order they are tried.

Order matters where two handlers accept the same bytes: vendor containers come before the generic
formats they are built from (a Xiongmai General bin is a zip, a Dahua bin nearly one), and
filesystems come before compression streams that might also match inside them.
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
    lz4,
    lzma,
    reolink,
    squashfs,
    tar,
    ubi,
    ubifs,
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
)

__all__ = ["HANDLERS"]
