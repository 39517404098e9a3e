"""What the two Xiongmai General bins share (image 1 on HiSilicon, image 12 rebranded on XM530)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from firmware_audit.writers.uimage import build_uimage
from firmware_audit.writers.xiongmai import build_xiongmai

if TYPE_CHECKING:
    from genlib.fs import Tree
    from genlib.run import Context

WEB_TITLE = "NETSurveillance WEB"

ENGLISH = {
    "Login": "Login",
    "UserName": "User Name",
    "Password": "Password",
    "Preview": "Live View",
    "Playback": "Playback",
    "Config": "Device Config",
    "Logout": "Logout",
}
GERMAN = ("Anmelden", "Benutzername", "Passwort", "Live-Ansicht", "Wiedergabe", "Einstellungen", "Abmelden")
SIMP_CHINESE = {
    "Login": "登录",
    "UserName": "用户名",
    "Password": "密码",
    "Preview": "预览",
    "Playback": "回放",
    "Config": "设备配置",
    "Logout": "注销",
}


def language_pack(strings: dict[str, str]) -> str:
    """A web UI language file as the XM web UI loads it (`var lg = {...}`)."""
    return "var lg = " + json.dumps(strings, ensure_ascii=False, indent=1) + ";\n"


def login_page(brand: str, languages: list[str]) -> str:
    """The web UI's login page; the title stays Xiongmai's whatever the brand."""
    scripts = "".join(f'<script src="js/{lang}.js"></script>\n' for lang in languages)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        f'<title>{WEB_TITLE}</title>\n<link rel="stylesheet" href="m.css">\n{scripts}</head>\n'
        f'<body><div id="logo">{brand}</div><form action="/Login.htm" method="post">'
        '<input name="username"><input name="password" type="password"></form>'
        '<object classid="clsid:NewActive" codebase="NewActive.exe"></object></body></html>\n'
    )


def network_config(dns: str, spare: str) -> str:
    """Default network configuration of the custom partition, with the DNS servers XM ships."""
    config = {
        "NetWork.NetCommon": {"HostName": "IPC", "TCPPort": 34567, "HttpPort": 80, "MaxConn": 10},
        "NetWork.NetDNS": {"Address": dns, "SpareAddress": spare},
        "NetWork.Nat": {"NatEnable": True, "XMeyeMTU": 1280},
    }
    return json.dumps(config, indent="\t") + "\n"


def xm_env(controller: str) -> dict[str, str]:
    """The U-Boot environment of an XM board: stock layout, SDK network defaults, TFTP macros."""
    layout = "256K(boot),1536K(kernel),1280K(romfs),4544K(user),256K(custom),320K(mtd)"
    return {
        "bootargs": "mem=39M console=ttyAMA0,115200 root=/dev/mtdblock2 rootfstype=squashfs "
        f"mtdparts={controller}:{layout}",
        "bootcmd": "sf probe 0;sf read 0x42000000 0x40000 0x180000;bootm 0x42000000",
        "bootdelay": "1",
        "ipaddr": "192.168.1.10",
        "serverip": "192.168.1.107",
        "da": "mw.b 0x42000000 ff 1000000;tftp 0x42000000 u-boot.bin.img;sf probe 0;flwrite",
        "dr": "mw.b 0x42000000 ff 1000000;tftp 0x42000000 romfs-x.cramfs.img;sf probe 0;flwrite",
        "du": "mw.b 0x42000000 ff 1000000;tftp 0x42000000 user-x.cramfs.img;sf probe 0;flwrite",
        "dw": "mw.b 0x42000000 ff 1000000;tftp 0x42000000 web-x.cramfs.img;sf probe 0;flwrite",
        "dc": "mw.b 0x42000000 ff 1000000;tftp 0x42000000 custom-x.cramfs.img;sf probe 0;flwrite",
    }


def partition_image(data: bytes, name: str) -> bytes:
    """A member image as XM burns every one: standalone, header says gzip, whatever the payload is."""
    return build_uimage(data, name=name, arch="arm", image_type="standalone", compression="gzip")


def general_bin(ctx: Context, *, boot: bytes, romfs: Tree, user: Tree, web: Tree, custom: Tree) -> bytes:
    """The General bin: a zip of uImage-wrapped partitions whose names say cramfs whatever they hold."""
    members = [
        ("u-boot.bin.img", build_uimage(boot, name="u-boot", arch="arm", image_type="firmware")),
        ("romfs-x.cramfs.img", partition_image(ctx.pack.squashfs(romfs), "romfs")),
        ("user-x.cramfs.img", partition_image(ctx.pack.squashfs(user, devices=False), "user")),
        ("web-x.cramfs.img", partition_image(ctx.pack.cramfs(web, name="web"), "web")),
        ("custom-x.cramfs.img", partition_image(ctx.pack.cramfs(custom, name="custom"), "custom")),
    ]
    return build_xiongmai(members)
