"""Image 9: a Reolink `.pak` for a Novatek NT98566 camera.

The 32-bit PAK layout of vmallet/pakler: header, section table, flash partition table, then the
sections `uboot1`, `bootargs` (the U-Boot environment), `kernel`, `fs` and `app`. The application
links Novatek's HDAL and ISP libraries and carries the Baichuan P2P relay host list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genlib.fs import Tree
from genlib.parts import bootloader, busybox_root, kernel_uimage
from genlib.toolchain import ARMHF

from firmware_audit.writers.reolink import build_reolink

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("09-reolink.pak",)

TOOLCHAIN = "(Novatek NA51055 gcc-8.4.0) 8.4.0"
MTDPARTS = "spi_nor.0:256k(uboot1),64k(bootargs),2560k(kernel),5120k(fs),-(app)"
ENV = {
    "bootargs": f"console=ttyS0,115200 root=/dev/mtdblock3 rootfstype=squashfs mtdparts={MTDPARTS}",
    "bootcmd": "nvt_boot",
    "ipaddr": "192.168.1.99",
    "serverip": "192.168.1.88",
}


def fs(ctx: Context) -> Tree:
    """The root filesystem."""
    return busybox_root(
        ctx,
        ARMHF,
        banner="BusyBox v1.31.1 (2021-04-22 10:02:17 CST)",
        # `openssl passwd -1 -salt Zt4kLm8q`: a vendor hash that identifies no known family.
        accounts="root:$1$Zt4kLm8q$B71yBZ8nHzyW12cKhRzVj0:0:0:root:/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\nmount -t squashfs /dev/mtdblock4 /mnt/app\n"
        "/mnt/app/netserver &\n",
        hostname="reolink",
    )


def app(ctx: Context) -> Tree:
    """The application partition: Novatek's libraries and the camera application."""
    tree = Tree()
    tree.add("lib/libhdal.so", ctx.cc.library(ARMHF, "novatek_hdal.c", "libhdal.so", comment=TOOLCHAIN))
    tree.add(
        "lib/libvendor_isp.so", ctx.cc.library(ARMHF, "novatek_isp.c", "libvendor_isp.so", comment=TOOLCHAIN)
    )
    tree.exe(
        "netserver",
        ctx.cc.program(
            ARMHF, "reolink_app.c", "netserver", libs=["libhdal.so", "libvendor_isp.so"], comment=TOOLCHAIN
        ),
    )
    tree.add(
        "dvr.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<dvr><p2p enable="1" port="9999"/>'
        '<push enable="1"/><version>v3.0.0.660_21042210</version></dvr>\n',
    )
    return tree


def build(ctx: Context) -> dict[str, bytes]:
    """Pack the PAK."""
    sections = [
        (
            "uboot1",
            bootloader(
                ctx,
                ARMHF,
                version="U-Boot 2019.04 (Apr 22 2021 - 09:58:41 +0800)",
                prompt="nvt@na51055: ",
                env=ENV,
                base=0x01F00000,
            ),
        ),
        ("bootargs", ctx.pack.uboot_env(ENV, size=0x10000)),
        (
            "kernel",
            kernel_uimage(
                ctx,
                ARMHF,
                name="Linux-4.19.91",
                load=0x00008000,
                compression="none",
                banner="Linux version 4.19.91 (builder@reolink) (gcc version 8.4.0 "
                "(Novatek NA51055 gcc-8.4.0)) #1 PREEMPT Thu Apr 22 10:05:33 CST 2021",
                cmdline=ENV["bootargs"],
            ),
        ),
        ("fs", ctx.pack.squashfs(fs(ctx))),
        ("app", ctx.pack.squashfs(app(ctx), devices=False)),
    ]
    versions = {"uboot1": "v2019.04", "kernel": "v4.19.91", "fs": "v3.0.0.660", "app": "v3.0.0.660_21042210"}
    return {OUTPUTS[0]: build_reolink(sections, versions=versions)}
