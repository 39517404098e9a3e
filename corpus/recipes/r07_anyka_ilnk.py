"""Image 7: the update package of an Anyka AK3918EV200 camera on iLnkP2P.

A tar of the partition images Anyka's updater burns (`uImage`, `root.sqsh4`, `usr.sqsh4`,
`usr.jffs2`). The application's rendezvous servers exist only in its iLnk init string, made here by
`firmware_audit.p2p.ilnk` from the servers of the YsxLite sample (DavidVentura/cam-reverse); the
device ID uses the YsxLite prefix BATC. The kernel banner and every ELF carry Anyka's toolchain.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from genlib.fs import Tree, tar
from genlib.parts import busybox_root, kernel_uimage
from genlib.toolchain import ARMEL, c_string

from firmware_audit.p2p import ilnk

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("07-anyka-ilnk.bin",)

SERVERS = ("139.155.68.77", "119.45.114.92", "162.62.63.154", "3.132.215.40")
DEVICE_ID = "BATC-609531-EXLVS"
ANYKA_GCC = "anyka (gcc-4.8.5 + binutils-2.24 + ulcibc-0.9.33.2)(20170223)"
TOOLCHAIN = f"({ANYKA_GCC}) 4.8.5"


def init_string() -> str:
    """The iLnk init string of the servers, with random letter pairs from a fixed seed, as real ones have."""
    seeded = random.Random("07-anyka-ilnk")  # noqa: S311  (a fixed seed: reproducible, not a secret)
    return ilnk.encode(SERVERS, rng=seeded)


def root(ctx: Context) -> Tree:
    """The root filesystem."""
    return busybox_root(
        ctx,
        ARMEL,
        banner="BusyBox v1.27.2 (2021-06-03 21:20:11 CST)",
        accounts="root::0:0:root:/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\nmount -t squashfs /dev/mtdblock5 /usr\n"
        "mount -t jffs2 /dev/mtdblock6 /etc/jffs2\n/usr/bin/anyka_ipc &\n",
        hostname="anyka",
    )


def usr(ctx: Context) -> Tree:
    """The application partition: Anyka's platform libraries, iLnk's libvdp.so and the application."""
    tree = Tree()
    tree.add(
        "lib/libplat_vi.so", ctx.cc.library(ARMEL, "anyka_plat_vi.c", "libplat_vi.so", comment=TOOLCHAIN)
    )
    tree.add("lib/libmpi_venc.so", ctx.cc.library(ARMEL, "anyka_venc.c", "libmpi_venc.so", comment=TOOLCHAIN))
    tree.add("lib/libvdp.so", ctx.cc.library(ARMEL, "ilnk_vdp.c", "libvdp.so", comment=TOOLCHAIN))
    macros = {"ILNK_INIT_STRING": c_string(init_string()), "DEVICE_ID": c_string(DEVICE_ID)}
    tree.exe(
        "bin/anyka_ipc",
        ctx.cc.program(
            ARMEL,
            "anyka_app.c",
            "anyka_ipc",
            libs=["libplat_vi.so", "libmpi_venc.so", "libvdp.so"],
            comment=TOOLCHAIN,
            macros=macros,
        ),
    )
    return tree


def jffs2() -> Tree:
    """The writable configuration partition."""
    return (
        Tree()
        .add("did.conf", f"did={DEVICE_ID}\n")
        .add("isp_gc1084_mipi_1lane.conf", "# sensor tuning\n" + "gain=1\n" * 40)
        .add("anyka_cfg.ini", "[global]\nuser=admin\nsecret=\n[cloud]\nalarm_push=1\n")
    )


def build(ctx: Context) -> dict[str, bytes]:
    """Tar the partition images."""
    kernel = kernel_uimage(
        ctx,
        ARMEL,
        name="Linux-3.4.35",
        load=0x80008000,
        compression="none",
        banner="Linux version 3.4.35 (root@linux-compiler1) (gcc version 4.8.5 "
        f"({ANYKA_GCC}) ) #41 Thu Jun 3 21:28:02 CST 2021",
        cmdline="console=ttySAK0,115200n8 root=/dev/mtdblock4 rootfstype=squashfs init=/sbin/init",
        messages=("Anyka Linux Kernel Version: 3.4.35", "Machine: AK3918EV200"),
    )
    members = [
        ("uImage", kernel),
        ("root.sqsh4", ctx.pack.squashfs(root(ctx))),
        ("usr.sqsh4", ctx.pack.squashfs(usr(ctx), devices=False)),
        ("usr.jffs2", ctx.pack.jffs2(jffs2(), eraseblock=0x10000)),
    ]
    return {OUTPUTS[0]: tar(members)}
