"""Image 3: a Dahua IPC firmware `.bin` (DH-zip) for a HiSilicon Hi3516AV200 camera.

A zip whose first local header reads `DH` (formats.md 2), with the member set of the HX4XXX-Eos
configuration of BotoX/Dahua-Firmware-Mod-Kit: `Install`, `hwid`, `dhboot.bin.img`, `kernel.img`
and uImage-wrapped squashfs images. `sonia` links HiSilicon's MPP and talks PTCP to Easy4IP; the
HiSilicon v500 toolchain banner is in every ELF; the boot loader fetches
`upgrade_info_7db780a713a4.txt` over TFTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genlib.fs import Tree
from genlib.parts import bootloader, busybox_root, kernel_uimage
from genlib.toolchain import ARMEL

from firmware_audit.writers.dahua import build_dahua
from firmware_audit.writers.uimage import build_uimage

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("03-dahua-dhzip.bin",)

TOOLCHAIN = "(Hisilicon_v500_20170922) 4.9.4"
INSTALL = """\
-- Install.lua: burn the images of this package
local images = { "dhboot.bin.img", "kernel.img", "romfs-x.squashfs.img",
                 "user-x.squashfs.img", "web-x.squashfs.img" }
for _, name in ipairs(images) do
    Upgrade.burn(name, Partition.lookup(name))
end
"""


def _img(data: bytes, name: str) -> bytes:
    return build_uimage(
        data, name=name, arch="arm", image_type="filesystem", load=0x00A00000, entry=0x00A00000
    )


def romfs(ctx: Context) -> Tree:
    """The root filesystem."""
    return busybox_root(
        ctx,
        ARMEL,
        banner="BusyBox v1.20.2 (2018-06-12 09:41:55 CST)",
        # A vendor-specific hash that identifies no known family (`openssl passwd -1 -salt bA9nTwQp`).
        accounts="root:$1$bA9nTwQp$6ZWsnFvMm8MuHvySUQlKv/:0:0:root:/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t squashfs /dev/mtdblock5 /usr\nmount -t squashfs /dev/mtdblock6 /var/web\n"
        "/usr/bin/sonia &\n",
        hostname="IPC-HFW1230S",
    )


def user(ctx: Context) -> Tree:
    """The application partition: sonia and the MPP libraries."""
    tree = Tree()
    tree.add("lib/libmpi.so", ctx.cc.library(ARMEL, "hisi_mpi.c", "libmpi.so", comment=TOOLCHAIN))
    tree.add("lib/libisp.so", ctx.cc.library(ARMEL, "hisi_isp.c", "libisp.so", comment=TOOLCHAIN))
    tree.exe(
        "bin/sonia",
        ctx.cc.program(ARMEL, "dh_sonia.c", "sonia", libs=["libmpi.so", "libisp.so"], comment=TOOLCHAIN),
    )
    tree.add("etc/p2p.conf", "[P2P]\nEnable=1\nServer=www.easy4ipcloud.com\nPort=8800\nProtocol=PTCP\n")
    return tree


def web() -> Tree:
    """The web UI."""
    return (
        Tree()
        .add(
            "index.html",
            "<!DOCTYPE html><html><head><title>WEB SERVICE</title></head><body>"
            '<object classid="clsid:DHWebClientPlugin"></object>'
            '<script src="jsBase/lib/login.js"></script></body></html>\n',
        )
        .add(
            "jsBase/lib/login.js",
            "var rpc = '/RPC2_Login'; var magicBox = '/cgi-bin/magicBox.cgi?action=getDeviceType';\n",
        )
    )


def build(ctx: Context) -> dict[str, bytes]:
    """Build the DH-zip."""
    env = {
        "bootargs": "mem=256M console=ttyAMA0,115200 root=/dev/mtdblock4 rootfstype=squashfs",
        "bootcmd": "run dh_keyboard; run appauto; bootm 0x82000000",
        "ipaddr": "192.168.1.108",
        "serverip": "192.168.254.254",
        "up": "tftp 0x82000000 upgrade_info_7db780a713a4.txt; run up_script",
    }
    boot = bootloader(
        ctx,
        ARMEL,
        version="U-Boot 2010.06-svn (Jun 12 2018 - 09:40:12)",
        prompt="hisilicon # ",
        env=env,
        base=0x80800000,
    )
    kernel = kernel_uimage(
        ctx,
        ARMEL,
        name="Linux-3.18.20",
        load=0x80008000,
        banner="Linux version 3.18.20 (root@ubuntu) (gcc version 4.9.4 20150629 "
        "(prerelease) (Hisilicon_v500_20170922) ) #1 SMP Tue Jun 12 09:45:31 CST 2018",
        cmdline="mem=256M console=ttyAMA0,115200",
    )
    members = [
        ("Install", INSTALL.encode()),
        ("hwid", b"IPC-HFW1230S:01:02:03:00:00:00:01\n"),
        ("dhboot.bin.img", build_uimage(boot, name="u-boot", arch="arm", image_type="firmware")),
        ("kernel.img", kernel),
        ("romfs-x.squashfs.img", _img(ctx.pack.squashfs(romfs(ctx)), "romfs")),
        ("user-x.squashfs.img", _img(ctx.pack.squashfs(user(ctx), devices=False), "user")),
        ("web-x.squashfs.img", _img(ctx.pack.squashfs(web(), devices=False), "web")),
    ]
    return {OUTPUTS[0]: build_dahua(members)}
