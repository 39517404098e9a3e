"""Image 5: an all-in-one upgrade file of an Ingenic T31 camera on ThroughTek Kalay (TUTK).

Kernel, root filesystem and application filesystem one after another, each starting on a 64 KiB
boundary, with no table: an auditor must carve. The application links the IOTC and AV libraries
dynamically, and a second, statically linked and stripped agent carries the same SDK with no symbols
at all, only its strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genlib.fs import Tree, pad
from genlib.parts import busybox_root, kernel_uimage
from genlib.toolchain import MIPSEL

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("05-ingenic-tutk.bin",)

ALIGN = 64 * 1024
TOOLCHAIN = "(Ingenic r2.3.3 2016.12) 4.7.2"
VERMAGIC = "3.10.14__isvp_swan_1.0__ SMP preempt mod_unload MIPS32_R2 32BIT"
MODULES = (
    ("tx-isp-t31", "Ingenic ISP"),
    ("sensor_gc2053_t31", "GC2053 sensor driver"),
    ("avpu", "Ingenic AVPU"),
)
UID = "E7KA9B4WXZ2F5H6J111A"


def rootfs(ctx: Context) -> Tree:
    """The root filesystem: BusyBox, the Ingenic kernel modules and IMP library."""
    insmods = "".join(f"insmod /lib/modules/{name}.ko\n" for name, _ in MODULES)
    tree = busybox_root(
        ctx,
        MIPSEL,
        banner="BusyBox v1.22.1 (2021-03-03 11:18:20 CST)",
        # `openssl passwd -1 -salt Ru7cPz2m`: a board-specific hash that identifies no known family.
        accounts="root:$1$Ru7cPz2m$z2IgNsTA8/DRjGLkSBxPi1:0:0:root:/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\ngrep -q isvp /proc/cpuinfo || echo 'not an Ingenic board'\n"
        + insmods
        + "mount -t jffs2 /dev/mtdblock3 /system\n/system/bin/ipc_server &\n/system/bin/iotc_daemon &\n",
        hostname="t31-ipc",
    )
    for name, description in MODULES:
        tree.add(
            f"lib/modules/{name}.ko",
            ctx.cc.module(MIPSEL, name, vermagic=VERMAGIC, description=description, comment=TOOLCHAIN),
        )
    tree.add("lib/libimp.so", ctx.cc.library(MIPSEL, "ingenic_imp.c", "libimp.so", comment=TOOLCHAIN))
    tree.mkdir("system")
    return tree


def appfs(ctx: Context) -> Tree:
    """The application filesystem: the TUTK libraries, the camera application and the static agent."""
    tree = Tree()
    tree.add("lib/libIOTCAPIs.so", ctx.cc.library(MIPSEL, "tutk_iotc.c", "libIOTCAPIs.so", comment=TOOLCHAIN))
    tree.add("lib/libAVAPIs.so", ctx.cc.library(MIPSEL, "tutk_av.c", "libAVAPIs.so", comment=TOOLCHAIN))
    ctx.cc.library(MIPSEL, "ingenic_imp.c", "libimp.so", comment=TOOLCHAIN)  # to link against
    tree.exe(
        "bin/ipc_server",
        ctx.cc.program(
            MIPSEL,
            "ingenic_tutk_app.c",
            "ipc_server",
            libs=["libimp.so", "libIOTCAPIs.so", "libAVAPIs.so"],
            comment=TOOLCHAIN,
        ),
    )
    tree.exe("bin/iotc_daemon", ctx.cc.static_nolibc(MIPSEL, "tutk_static.c", "iotc_daemon"))
    tree.add("etc/p2p.conf", f"[p2p]\nuid={UID}\nuser=admin\npassword=888888\n")
    tree.add("etc/ntp.conf", "server cn.pool.ntp.org iburst\n")
    return tree


def build(ctx: Context) -> dict[str, bytes]:
    """Concatenate kernel, rootfs and appfs on 64 KiB boundaries."""
    kernel = kernel_uimage(
        ctx,
        MIPSEL,
        name="Linux-3.10.14__isvp_swan_1.0__",
        load=0x80010000,
        compression="lzma",
        banner="Linux version 3.10.14__isvp_swan_1.0__ (root@ubuntu) (gcc version 4.7.2 "
        "(Ingenic r2.3.3 2016.12) ) #1 PREEMPT Wed Mar 3 11:20:46 CST 2021",
        cmdline="console=ttyS1,115200n8 mem=64M@0x0 rmem=64M@0x4000000 init=/linuxrc "
        "rootfstype=squashfs root=/dev/mtdblock2 rw",
    )
    parts = [kernel, ctx.pack.squashfs(rootfs(ctx)), ctx.pack.jffs2(appfs(ctx), eraseblock=0x8000)]
    image = b"".join(pad(part, -(-len(part) // ALIGN) * ALIGN) for part in parts[:-1]) + parts[-1]
    return {OUTPUTS[0]: image}
