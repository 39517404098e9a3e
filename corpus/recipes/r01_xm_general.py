"""Image 1: a Xiongmai General bin for a HiSilicon Hi3516EV300 camera (the Quick start sample).

A plain zip of uImage-wrapped partition images, as f2hex/HI3518E_camera describes: the `romfs` and
`user` images are named `.cramfs.img` and their headers claim gzip, but they hold raw squashfs, as
real ones do. `Sofia` links HiSilicon's MPP libraries and carries XM's cloud hosts; the custom
partition sets a Chinese DNS server; `/etc/passwd` has XM's root hash; the web UI ships a Chinese
language pack.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from genlib.fs import Tree
from genlib.parts import bootloader, busybox_root
from genlib.toolchain import ARMEL

from recipes import xm

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("01-xm-hi3516ev300-general.bin",)

HISI_TOOLCHAIN = "(HC&C V100R002C00B027_20181107) 6.3.0"
VERMAGIC = "4.9.37 SMP mod_unload ARMv7 p2v8 "
MODULES = ("hi_osal", "hi3516ev200_base", "hi3516ev200_sys", "hi3516ev200_isp", "hi3516ev200_venc")


def romfs(ctx: Context) -> Tree:
    """The root filesystem: BusyBox, XM's root hash, the HiSilicon kernel modules."""
    insmods = "".join(f"insmod /lib/modules/{m}.ko\n" for m in MODULES)
    tree = busybox_root(
        ctx,
        ARMEL,
        banner="BusyBox v1.26.2 (2021-03-15 10:21:09 CST)",
        accounts="root:absxcfbgXtb3o:0:0:root:/:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\n"
        + insmods
        + "mount -t squashfs /dev/mtdblock3 /usr\nmount -t cramfs /dev/mtdblock4 /mnt/custom\n"
        "mount -t jffs2 /dev/mtdblock5 /mnt/mtd\ntelnetd &\n/usr/bin/Sofia &\n",
        hostname="IPC",
    )
    for module in MODULES:
        tree.add(
            f"lib/modules/{module}.ko",
            ctx.cc.module(
                ARMEL, module, vermagic=VERMAGIC, description="HiSilicon MPP driver", comment=HISI_TOOLCHAIN
            ),
        )
    tree.mkdir("usr", "mnt/custom", "mnt/mtd/Config", "mnt/web")
    return tree


def user(ctx: Context) -> Tree:
    """The application partition (mounted on /usr): Sofia and the MPP libraries it links."""
    tree = Tree()
    tree.add("lib/libmpi.so", ctx.cc.library(ARMEL, "hisi_mpi.c", "libmpi.so", comment=HISI_TOOLCHAIN))
    tree.add("lib/libisp.so", ctx.cc.library(ARMEL, "hisi_isp.c", "libisp.so", comment=HISI_TOOLCHAIN))
    tree.exe(
        "bin/Sofia",
        ctx.cc.program(ARMEL, "xm_sofia.c", "Sofia", libs=["libmpi.so", "libisp.so"], comment=HISI_TOOLCHAIN),
    )
    return tree


def web() -> Tree:
    """The web UI: XM's login page and language packs, Simplified Chinese included."""
    return (
        Tree()
        .add("Login.htm", xm.login_page("NETSurveillance", ["English", "SimpChinese"]))
        .add("m.css", "body{font-family:Arial,'Microsoft YaHei';background:#1b2a3a}\n")
        .add("js/English.js", xm.language_pack(xm.ENGLISH))
        .add("js/SimpChinese.js", xm.language_pack(xm.SIMP_CHINESE))
    )


def custom() -> Tree:
    """The custom partition: product definition and default configuration with the DNS servers."""
    product = {
        "OEMID": "General",
        "Vendor": "General",
        "Model": "IPC_HI3516EV300_50H20AI_S38",
        "HardWare": "HI3516EV300_50H20AI",
        "SoftWareVersion": "V5.00.R02.000807D8.10010.346A17.0000000",
    }
    return (
        Tree()
        .add("ProductDefinition", json.dumps(product, indent="\t") + "\n")
        .add("CustomConfig/NetWork.json", xm.network_config("114.114.114.114", "8.8.8.8"))
    )


def build(ctx: Context) -> dict[str, bytes]:
    """Build the General bin."""
    boot = bootloader(
        ctx,
        ARMEL,
        version="U-Boot 2016.11 (Mar 15 2021 - 10:20:01 +0800)",
        prompt="hisilicon # ",
        env=xm.xm_env("hi_sfc"),
        base=0x80800000,
    )
    return {
        OUTPUTS[0]: xm.general_bin(
            ctx, boot=boot, romfs=romfs(ctx), user=user(ctx), web=web(), custom=custom()
        )
    }
