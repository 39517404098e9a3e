"""Image 4: a raw 16 MiB SPI NOR dump of a HiSilicon Hi3516EV200 camera on Alibaba IoT.

What a flash programmer reads off the chip: the boot loader, its environment (`bootargs` with the
`mtdparts=hi_sfc:` table that says where everything is), a uImage kernel, a squashfs root and a
JFFS2 data partition, each padded with 0xFF to its partition size. Nothing wraps it: an auditor must
find the partition table in the data and cut the flash by it. Cloud and DNS settings are Alibaba's
(Link Kit MQTT and auth hosts, AliDNS, Alibaba NTP).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from genlib.fs import Tree, pad
from genlib.parts import bootloader, busybox_root, kernel_uimage
from genlib.toolchain import ARMEL

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("04-spi-nor-16m.bin",)

KiB = 1024
FLASH = 16 * 1024 * KiB
PARTITIONS = (("boot", 256 * KiB), ("env", 64 * KiB), ("kernel", 2048 * KiB), ("rootfs", 8192 * KiB))
MTDPARTS = "hi_sfc:256k(boot),64k(env),2048k(kernel),8192k(rootfs),-(data)"
TOOLCHAIN = "(HC&C V100R002C00B032_20190114) 6.3.0"
VERMAGIC = "4.9.37 mod_unload ARMv7 p2v8 "
MODULES = ("hi_osal", "hi3516ev200_base", "hi3516ev200_sys", "hi3516ev200_isp", "hi3516ev200_venc")
PRODUCT_KEY = "a1x9K2mZ3qP"

ENV = {
    "bootargs": f"mem=32M console=ttyAMA0,115200 root=/dev/mtdblock3 rootfstype=squashfs mtdparts={MTDPARTS}",
    "bootcmd": "sf probe 0;sf read 0x42000000 0x50000 0x200000;bootm 0x42000000",
    "bootdelay": "1",
    "baudrate": "115200",
    "ethaddr": "00:12:41:6c:2e:55",
    "ipaddr": "192.168.1.10",
    "serverip": "192.168.1.107",
    "netmask": "255.255.255.0",
}


def rootfs(ctx: Context) -> Tree:
    """The root filesystem: BusyBox, HiSilicon modules and libraries, the Link Kit application."""
    insmods = "".join(f"insmod /lib/modules/{m}.ko\n" for m in MODULES)
    tree = busybox_root(
        ctx,
        ARMEL,
        banner="BusyBox v1.31.1 (2020-08-06 17:33:40 CST)",
        # `openssl passwd -1 -salt Kq3vX8sZ`: a board-specific hash that identifies no known family.
        accounts="root:$1$Kq3vX8sZ$o61CKqGXomYP8MAnhhhMC.:0:0:root:/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\n" + insmods + "mount -t jffs2 /dev/mtdblock4 /mnt/data\n"
        "ntpd -p ntp.aliyun.com -p ntp1.aliyun.com\n/usr/bin/ipc_main &\n",
        hostname="hi3516ev200",
        extra_etc={"resolv.conf": "nameserver 223.5.5.5\nnameserver 223.6.6.6\n"},
    )
    for module in MODULES:
        tree.add(
            f"lib/modules/{module}.ko",
            ctx.cc.module(
                ARMEL, module, vermagic=VERMAGIC, description="HiSilicon MPP driver", comment=TOOLCHAIN
            ),
        )
    tree.add("usr/lib/libmpi.so", ctx.cc.library(ARMEL, "hisi_mpi.c", "libmpi.so", comment=TOOLCHAIN))
    tree.add(
        "usr/lib/libiot_sdk.so", ctx.cc.library(ARMEL, "aliyun_linkkit.c", "libiot_sdk.so", comment=TOOLCHAIN)
    )
    tree.exe(
        "usr/bin/ipc_main",
        ctx.cc.program(
            ARMEL, "ipc_aliyun.c", "ipc_main", libs=["libmpi.so", "libiot_sdk.so"], comment=TOOLCHAIN
        ),
    )
    tree.mkdir("mnt/data")
    return tree


def data() -> Tree:
    """The writable data partition: the device's Link Kit identity and cloud endpoints."""
    iot = {
        "ProductKey": PRODUCT_KEY,
        "DeviceName": "cam01",
        "DeviceSecret": "uVq1mJ3nGxRk0Hb7YtZp9LwE2sAf5CdN",
        "MqttHost": f"{PRODUCT_KEY}.iot-as-mqtt.cn-shanghai.aliyuncs.com",
        "MqttPort": 1883,
        "AuthHost": "iot-auth.cn-shanghai.aliyuncs.com",
        "Region": "cn-shanghai",
    }
    return Tree().add("iot.json", json.dumps(iot, indent=2) + "\n").add("wifi.conf", "ssid=\npsk=\n")


def build(ctx: Context) -> dict[str, bytes]:
    """Lay the partitions out on a 16 MiB flash."""
    boot = bootloader(
        ctx,
        ARMEL,
        version="U-Boot 2016.11 (Aug 06 2020 - 17:30:12 +0800)",
        prompt="hisilicon # ",
        env=ENV,
        base=0x41000000,
    )
    kernel = kernel_uimage(
        ctx,
        ARMEL,
        name="Linux-4.9.37-hi3516ev200",
        load=0x40008000,
        compression="none",
        banner="Linux version 4.9.37 (root@localhost) (gcc version 6.3.0 "
        "(HC&C V100R002C00B032_20190114) ) #1 Thu Aug 6 17:35:02 CST 2020",
        cmdline=ENV["bootargs"],
    )
    contents = {
        "boot": boot,
        "env": ctx.pack.uboot_env(ENV, size=64 * KiB),
        "kernel": kernel,
        "rootfs": ctx.pack.squashfs(rootfs(ctx)),
    }
    flash = b"".join(pad(contents[name], size) for name, size in PARTITIONS)
    flash += ctx.pack.jffs2(data(), pad=FLASH - len(flash))
    assert len(flash) == FLASH
    return {OUTPUTS[0]: flash}
