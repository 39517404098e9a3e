"""Image 11: an encrypted image, Foscam style, that no auditor can read without the key.

The whole file is OpenSSL `enc` output: `Salted__`, an 8-byte salt, then AES-128-CBC with the
MD5-based key derivation (formats.md 4.2) over a gzip tar that holds a UBIFS application image.
The password is made up for the corpus. The image must be reported as unverifiable, never clean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genlib.fs import Tree, tar
from genlib.toolchain import ARMEL, c_string

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("11-encrypted.bin",)

KEY_TEXT = "corpus-Wxift-v2-not-a-real-key"
SALT = bytes.fromhex("5a3c19e07d42b816")


def build(ctx: Context) -> dict[str, bytes]:
    """Encrypt a tgz holding the application UBIFS image."""
    app = Tree()
    app.exe(
        "bin/busybox",
        ctx.cc.program(
            ARMEL,
            "busybox.c",
            "busybox",
            macros={"BUSYBOX_BANNER": c_string("BusyBox v1.22.1 (2018-09-03 14:22:51 CST)")},
        ),
    )
    app.add("lib/libmpi.so", ctx.cc.library(ARMEL, "hisi_mpi.c", "libmpi.so"))
    app.add("version", "2.81.2.33\n")
    ubifs = ctx.pack.ubifs(app, seed="11 app_ubifs", min_io=2048, leb=126976, max_lebs=64)
    tgz = tar(
        [
            ("app_ubifs", ubifs),
            ("mtd", b"#!/bin/sh\nflash_erase /dev/mtd4 0 0\nubiformat /dev/mtd4 -f app_ubifs\n"),
        ],
        gzipped=True,
    )
    return {OUTPUTS[0]: ctx.pack.openssl_enc(tgz, password=KEY_TEXT, salt=SALT)}
