"""Image 6: the UBI image of a SigmaStar SSC335 camera (SPI NAND) on the Tuya IPC SDK.

UBI with three volumes, as SigmaStar's SDK lays them out: `rootfs` and `miservice` are squashfs (read
through ubiblock), `customer` is UBIFS and holds the Tuya application, its SDK library and its
configuration. NAND geometry: 2 KiB pages, 128 KiB erase blocks.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from genlib.fs import Tree
from genlib.parts import busybox_root
from genlib.toolchain import ARMHF

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("06-sigmastar-tuya-ubi.bin",)

PAGE = 2048
PEB = 128 * 1024
LEB = PEB - 2 * PAGE
TOOLCHAIN = "(arm-linux-gnueabihf-gcc4.9.4-uclibc1.0.31-ssc335-v1-gcc) 4.9.4"


def rootfs(ctx: Context) -> Tree:
    """The root filesystem."""
    return busybox_root(
        ctx,
        ARMHF,
        banner="BusyBox v1.20.2 (2020-11-02 14:51:09 CST)",
        accounts="root::0:0:root:/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\ngrep -q SStar /proc/cpuinfo && echo SigmaStar\n"
        "ubiblock -a /dev/ubi0_1\nmount -t squashfs /dev/ubiblock0_1 /config\n"
        "mount -t ubifs ubi0:customer /customer\n/customer/demo.sh &\n",
        hostname="SSC335",
    )


def miservice(ctx: Context) -> Tree:
    """SigmaStar's MI service libraries."""
    return (
        Tree()
        .add("lib/libmi_sys.so", ctx.cc.library(ARMHF, "sstar_mi_sys.c", "libmi_sys.so", comment=TOOLCHAIN))
        .add(
            "lib/libmi_venc.so", ctx.cc.library(ARMHF, "sstar_mi_venc.c", "libmi_venc.so", comment=TOOLCHAIN)
        )
        .add(
            "config_tool/config.ini",
            "[ISP]\nIQ_FILE=/config/iqfile/gc2053_iqfile.bin\n[VENC]\nMAX_WIDTH=1920\n",
        )
    )


def customer(ctx: Context) -> Tree:
    """The customer partition: the Tuya application, the SDK and the device configuration."""
    settings = {
        "region": "EU",
        "mqtt": "m1.tuyaeu.com",
        "p2p_type": 4,
        "storage": "/customer/tuya/",
        "pid": "kxb8pbafxnslmczk",
    }
    tree = Tree()
    tree.add("lib/libtuya_iot.so", ctx.cc.library(ARMHF, "tuya_ipc.c", "libtuya_iot.so", comment=TOOLCHAIN))
    tree.exe(
        "bin/tuya_ipc_app",
        ctx.cc.program(
            ARMHF,
            "tuya_app.c",
            "tuya_ipc_app",
            libs=["libmi_sys.so", "libmi_venc.so", "libtuya_iot.so"],
            comment=TOOLCHAIN,
        ),
    )
    tree.add("tuya/tuya_device.json", json.dumps(settings, indent=2) + "\n")
    tree.exe(
        "demo.sh",
        "#!/bin/sh\nexport LD_LIBRARY_PATH=/config/lib:/customer/lib\n/customer/bin/tuya_ipc_app &\n",
    )
    return tree


def build(ctx: Context) -> dict[str, bytes]:
    """Pack the volumes and ubinize them."""
    volumes = [
        ("rootfs", ctx.pack.squashfs(rootfs(ctx)), "dynamic"),
        ("miservice", ctx.pack.squashfs(miservice(ctx), devices=False), "dynamic"),
        (
            "customer",
            ctx.pack.ubifs(customer(ctx), seed="06 customer", min_io=PAGE, leb=LEB, max_lebs=128),
            "dynamic",
        ),
    ]
    return {OUTPUTS[0]: ctx.pack.ubi(volumes, peb=PEB, min_io=PAGE, image_seq=0x5353_0335)}
