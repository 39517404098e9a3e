"""Image 12: a rebranded camera: a domestic brand outside, a Xiongmai XM530 camera inside.

The supplier, "Muster Sicherheit GmbH" (fictional, Germany), declares in `submission.toml` that it
makes the MC-3100 itself. The firmware is a Xiongmai General bin whose web UI and product definition
were re-skinned with the brand, but everything else is Xiongmai's: Sofia with XM's cloud hosts and
DVRIP port, XM's root password hash, the `NETSurveillance WEB` title, the Chinese language pack,
`"OemID": "General"`, and the XM530 SoC's own libraries, modules and `xm_sfc` flash controller.
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

OUTPUTS = ("12-rebranded.bin", "12-rebranded.submission.toml")

VENDOR = "Muster Sicherheit GmbH"
MODEL = "MC-3100"
TOOLCHAIN = "(crosstool-NG 1.24.0) 6.3.0"
VERMAGIC = "4.9.129 mod_unload ARMv7 p2v8 "
SUBMISSION = f"""\
# What the supplier declares about the product it submits (read by `firmware-audit batch`).
vendor = "{VENDOR}"
model = "{MODEL}"
country = "DE"
firmware = "12-rebranded.bin"
statement = "Designed and manufactured in Germany. Firmware developed in-house."
"""


def romfs(ctx: Context) -> Tree:
    """The root filesystem: BusyBox, XM's root hash, the XM530 kernel modules."""
    tree = busybox_root(
        ctx,
        ARMEL,
        banner="BusyBox v1.30.1 (2022-05-18 15:33:20 CST)",
        accounts="root:$1$RYIwEiRA$d5iRRVQ5ZeRTrJwGjRy.B0:0:0::/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\n"
        "insmod /lib/modules/xm530_isp.ko\ninsmod /lib/modules/xm_i2c.ko\n"
        "mount -t squashfs /dev/mtdblock3 /usr\nmount -t cramfs /dev/mtdblock4 /mnt/custom\n"
        "/usr/bin/Sofia &\n",
        hostname="MUSTERCAM",
    )
    for module in ("xm530_isp", "xm_i2c"):
        tree.add(
            f"lib/modules/{module}.ko",
            ctx.cc.module(ARMEL, module, vermagic=VERMAGIC, description="XM530 driver", comment=TOOLCHAIN),
        )
    tree.mkdir("usr", "mnt/custom", "mnt/mtd/Config")
    return tree


def user(ctx: Context) -> Tree:
    """The application partition: Sofia built for XM530 and the SoC's ISP library."""
    tree = Tree()
    tree.add(
        "lib/libisp_XM530.so", ctx.cc.library(ARMEL, "xm530_isp.c", "libisp_XM530.so", comment=TOOLCHAIN)
    )
    tree.exe(
        "bin/Sofia",
        ctx.cc.program(
            ARMEL,
            "xm_sofia.c",
            "Sofia-xm530",
            libs=["libisp_XM530.so"],
            comment=TOOLCHAIN,
            macros={"XM530": "1"},
        ),
    )
    return tree


def web() -> Tree:
    """The re-skinned web UI: the brand on the page, Xiongmai's title and language packs under it."""
    german = xm.ENGLISH | dict(zip(xm.ENGLISH, xm.GERMAN, strict=True))
    return (
        Tree()
        .add("Login.htm", xm.login_page("MUSTERCAM", ["English", "German", "SimpChinese"]))
        .add("m.css", "body{font-family:Arial;background:#ffffff}#logo{color:#c00000}\n")
        .add("js/English.js", xm.language_pack(xm.ENGLISH))
        .add("js/German.js", xm.language_pack(german))
        .add("js/SimpChinese.js", xm.language_pack(xm.SIMP_CHINESE))
    )


def custom() -> Tree:
    """The custom partition: the brand's product definition over XM's OEM identity."""
    product = {
        "OEMID": "General",
        "Vendor": "MUSTERCAM",
        "Model": MODEL,
        "HardWare": "XM530_R80X20-PQ",
        "SoftWareVersion": "V5.00.R02.00030747.10010.349f17.0000000",
        "Manufacturer": VENDOR,
    }
    return (
        Tree()
        .add("ProductDefinition", json.dumps(product, indent="\t") + "\n")
        .add("CustomConfig/NetWork.json", xm.network_config("114.114.114.114", "8.8.8.8"))
    )


def build(ctx: Context) -> dict[str, bytes]:
    """Build the rebranded General bin and the supplier's submission."""
    boot = bootloader(
        ctx,
        ARMEL,
        version="U-Boot 2016.11-XM530 (May 18 2022 - 15:30:02 +0800)",
        prompt="XM530 # ",
        env=xm.xm_env("xm_sfc"),
        base=0x80800000,
    )
    return {
        OUTPUTS[0]: xm.general_bin(
            ctx, boot=boot, romfs=romfs(ctx), user=user(ctx), web=web(), custom=custom()
        ),
        OUTPUTS[1]: SUBMISSION.encode(),
    }
