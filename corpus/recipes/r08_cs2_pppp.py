"""Image 8: a FIT image of a big-endian MIPS camera on CS2 Network PPPP (VStarcam network VSTC).

A U-Boot FIT with a kernel and an initramfs (gzip-compressed newc cpio). The P2P servers appear only
inside the CS2 init string, which `firmware_audit.p2p.cs2` makes from the servers of VStarcam's
VSTB/VSTC string (vstarcam/as_cam; vector CS2-7); the scheme has no randomness, so it is that very
string. The device ID uses the VSTC prefix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genlib.fs import Tree, gzip_bytes
from genlib.parts import busybox_root, kernel_image
from genlib.toolchain import MIPS, c_string

from firmware_audit.p2p import cs2

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("08-cs2-pppp.bin",)

SERVERS = ("s2.eye4.cn", "s3.vstarcam.com", "107.20.134.235")
DEVICE_ID = "VSTC-418276-KHMXW"
LOAD = 0x80001000


def initramfs(ctx: Context) -> Tree:
    """The initramfs: BusyBox, the PPPP library and the camera application."""
    tree = busybox_root(
        ctx,
        MIPS,
        banner="BusyBox v1.24.1 (2019-07-09 15:02:33 CST)",
        # `openssl passwd -1 -salt Mb5yWd1e`: a vendor hash that identifies no known family.
        accounts="root:$1$Mb5yWd1e$kLDRO0WzfIhYjcXUkhruD1:0:0:root:/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\n/bin/p2pcam &\n",
        hostname="ipcam",
    )
    macros = {"CS2_INIT_STRING": c_string(cs2.encode(SERVERS)), "DEVICE_ID": c_string(DEVICE_ID)}
    tree.add("lib/libPPPP_API.so", ctx.cc.library(MIPS, "cs2_pppp.c", "libPPPP_API.so"))
    tree.exe(
        "bin/p2pcam", ctx.cc.program(MIPS, "cs2_app.c", "p2pcam", libs=["libPPPP_API.so"], macros=macros)
    )
    tree.add("etc/p2p.conf", f"[p2p]\ndid={DEVICE_ID}\nlan_search_port=32108\n")
    tree.link("init", "bin/busybox")
    return tree


def build(ctx: Context) -> dict[str, bytes]:
    """Pack the FIT."""
    kernel = kernel_image(
        ctx,
        MIPS,
        load=LOAD,
        banner="Linux version 3.10.90 (builder@vstc) (gcc version 4.8.3 (Buildroot 2014.08) ) "
        "#2 Tue Jul 9 15:05:12 CST 2019",
        cmdline="console=ttyS0,115200 rdinit=/init",
    )
    images: dict[str, dict[str, str | bytes | int]] = {
        "kernel-1": {
            "description": "Linux kernel",
            "data": gzip_bytes(kernel),
            "type": "kernel",
            "arch": "mips",
            "os": "linux",
            "compression": "gzip",
            "load": LOAD,
            "entry": LOAD,
        },
        "ramdisk-1": {
            "description": "initramfs",
            "data": gzip_bytes(ctx.pack.cpio(initramfs(ctx))),
            "type": "ramdisk",
            "arch": "mips",
            "os": "linux",
            "compression": "gzip",
        },
    }
    return {
        OUTPUTS[0]: ctx.pack.fit(
            "IP camera kernel and initramfs", images, {"kernel": "kernel-1", "ramdisk": "ramdisk-1"}
        )
    }
