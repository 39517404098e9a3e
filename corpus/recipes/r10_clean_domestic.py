"""Image 10: a clean camera of a domestic (German) vendor, "Muster Sicherheit GmbH" (fictional).

A signed update tar with a kernel and an ext2 root filesystem. The vendor's own daemon speaks ONVIF
and RTSP and is full of things that look like endpoints but are not: XML namespaces, W3C, SOAP and
ONVIF schema URLs, licence URLs, library names, version and OID strings, private, loopback,
multicast and documentation addresses, example domains. An auditor must report none of them as a
server the camera contacts.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ed25519
from genlib.fs import Tree, tar
from genlib.parts import busybox_root, kernel_uimage
from genlib.toolchain import ARMHF

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("10-clean-domestic.bin",)

TOOLCHAIN = "(Muster toolchain 2023.02) 12.2.0"
DISCOVERY = """\
<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"
  xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">
 <s:Header><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>
  <a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</a:Action></s:Header>
 <s:Body><d:Hello><d:Types>dn:NetworkVideoTransmitter</d:Types>
  <d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming
   onvif://www.onvif.org/name/MUSTERCAM</d:Scopes>
  <d:XAddrs>http://192.168.1.108/onvif/device_service</d:XAddrs></d:Hello></s:Body>
</s:Envelope>
"""
INDEX = """\
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="de"><head><title>MUSTERCAM MC-2040</title>
<meta charset="utf-8"><link rel="stylesheet" href="/css/style.css"></head>
<body><h1>MUSTERCAM</h1><p>Anmeldung / Login</p>
<p>Handbuch: <a href="https://www.example.com/mc-2040/handbuch.pdf">www.example.com</a></p>
<p>Beispiel-Adressen: 192.0.2.10, 198.51.100.7, 2001:db8::10</p>
<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg></body></html>
"""
LICENSES = """\
BusyBox: GNU General Public License v2, https://www.gnu.org/licenses/gpl-2.0.html
live555: GNU Lesser General Public License v3, https://www.gnu.org/licenses/lgpl-3.0.html
OpenSSL 3.0: Apache License 2.0, http://www.apache.org/licenses/LICENSE-2.0
lighttpd: BSD-3-Clause, https://opensource.org/licenses/BSD-3-Clause
Source code: write to opensource@example.com
"""


def rootfs(ctx: Context) -> Tree:
    """The root filesystem."""
    tree = busybox_root(
        ctx,
        ARMHF,
        banner="BusyBox v1.36.1 (2023-11-20 09:12:44 UTC)",
        # `openssl passwd -6 -salt MusterCam2040sal`: the vendor's own strong hash.
        accounts="root:$6$MusterCam2040sal$FIq5inEk80X4uUL4TeXkGuY7Sqjzf.3xWgAqHrL5V6nuVGCwj51fam4I7Xx.elEtdMhygulaHg3knTmLiiSZ6/"
        ":0:0:root:/root:/bin/sh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\nifconfig eth0 192.168.1.108 netmask 255.255.255.0 up\n"
        "[ -s /etc/ntp.conf ] && ntpd\n/usr/bin/mustercam-daemon &\n",
        hostname="mustercam",
        extra_etc={
            "resolv.conf": "# set by DHCP; the factory default is the local router\nnameserver 192.168.1.1\n",
            "ntp.conf": "# No time server is set at the factory. Example:\n# server ntp.example.org iburst\n",
            "TZ": "CET-1CEST,M3.5.0,M10.5.0/3\n",
            "onvif/discovery.xml": DISCOVERY,
        },
    )
    tree.exe(
        "usr/bin/mustercam-daemon",
        ctx.cc.program(ARMHF, "clean_app.c", "mustercam-daemon", comment=TOOLCHAIN),
    )
    tree.add("www/index.html", INDEX)
    tree.add("usr/share/doc/LICENSES.txt", LICENSES)
    return tree


def build(ctx: Context) -> dict[str, bytes]:
    """Tar the update with its manifest and signature."""
    kernel = kernel_uimage(
        ctx,
        ARMHF,
        name="Linux-6.1.55-mustercam",
        load=0x40008000,
        banner="Linux version 6.1.55 (build@muster-ci) (arm-linux-gnueabihf-gcc 12.2.0) "
        "#1 SMP Mon Nov 20 09:20:01 UTC 2023",
        cmdline="console=ttyS0,115200 root=/dev/mmcblk0p2 rootwait ro",
    )
    files = {"kernel.bin": kernel, "rootfs.ext2": ctx.pack.ext2(rootfs(ctx), blocks=384)}
    manifest = {
        "vendor": "Muster Sicherheit GmbH",
        "model": "MC-2040",
        "version": "2.4.1",
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
    key = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"firmware_audit corpus: muster signing key").digest()
    )
    members = [("manifest.json", manifest_bytes), ("manifest.sig", key.sign(manifest_bytes)), *files.items()]
    return {OUTPUTS[0]: tar(members)}
