"""Image 2: a Hikvision `digicap.dav` for a HiSilicon Hi3516CV500 camera.

The header and file table are XOR-obfuscated as Hikvision does (formats.md 1.1). Members: the
upgrade class file, a kernel, `hroot.img` (a gzip initrd: ext2 with `/etc/passwd` holding
Hikvision's root hash and the restricted shell `/bin/psh`, themactep/hiktools), and the
application filesystem with `davinci`, the MPP libraries, the security-update module
`digicapkeyArm.ko`, and the TLS certificate and key every unit shares.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from genlib.fs import Tree, gzip_bytes
from genlib.parts import busybox_root, kernel_uimage
from genlib.toolchain import ARMEL

from firmware_audit.writers.digicap import build_digicap
from firmware_audit.writers.uimage import build_uimage

if TYPE_CHECKING:
    from genlib.parts import Context

OUTPUTS = ("02-hik-digicap.dav",)

TOOLCHAIN = "(HC&C V100R002C00B032_20190114) 6.3.0"
VERMAGIC = "4.9.37 SMP preempt mod_unload ARMv7 p2v8 "


def certificate() -> tuple[bytes, bytes]:
    """The web server's self-signed certificate and its key (PEM), the same on every unit.

    The key is derived from a fixed seed and the signature is deterministic (RFC 6979), so the
    bytes never change; the subject is the one described for a Hikvision intercom.
    """
    secret = int.from_bytes(
        hashlib.sha256(b"firmware_audit corpus: hikvision web server key").digest(), "big"
    )
    key = ec.derive_private_key(secret % (2**255), ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "ZJ"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "HZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HIKVISION"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "HZ"),
            x509.NameAttribute(NameOID.COMMON_NAME, "hikvision.com"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x8AB42317C62A20F1)
        .not_valid_before(dt.datetime(2019, 12, 17, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2037, 12, 31, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def hroot(ctx: Context) -> bytes:
    """The initrd: ext2, gzip-compressed, in a ramdisk uImage."""
    tree = busybox_root(
        ctx,
        ARMEL,
        banner="BusyBox v1.19.3 (2019-11-21 16:02:41 CST)",
        accounts="root:ToCOv8qxP13qs:0:0:root:/root/:/bin/psh\n",
        rcs="#!/bin/sh\nmount -t proc proc /proc\nmount -t squashfs /dev/mtdblock6 /home/app\n"
        "insmod /home/app/modules/digicapkeyArm.ko\n/home/app/initrun.sh &\n",
        hostname="HIKVISION",
        extra_etc={"TZ": "CST-8:00:00\n"},
    )
    tree.link("bin/psh", "busybox")
    tree.mkdir("home/app", "root")
    return build_uimage(
        gzip_bytes(ctx.pack.ext2(tree, blocks=512)),
        name="initrd",
        arch="arm",
        image_type="ramdisk",
        compression="gzip",
    )


def app(ctx: Context) -> bytes:
    """The application filesystem (squashfs)."""
    cert, key = certificate()
    tree = Tree()
    tree.add("lib/libmpi.so", ctx.cc.library(ARMEL, "hisi_mpi.c", "libmpi.so", comment=TOOLCHAIN))
    tree.add("lib/libisp.so", ctx.cc.library(ARMEL, "hisi_isp.c", "libisp.so", comment=TOOLCHAIN))
    tree.exe(
        "bin/davinci",
        ctx.cc.program(ARMEL, "hik_davinci.c", "davinci", libs=["libmpi.so", "libisp.so"], comment=TOOLCHAIN),
    )
    tree.add(
        "modules/digicapkeyArm.ko",
        ctx.cc.module(
            ARMEL,
            "digicapkeyArm",
            vermagic=VERMAGIC,
            description="digicap security upgrade key",
            comment=TOOLCHAIN,
        ),
    )
    tree.add("ssl/servercert.pem", cert)
    tree.add("ssl/serverkey.pem", key, 0o600)
    tree.exe(
        "initrun.sh",
        "#!/bin/sh\n# recovery: device 192.0.0.64 asks 192.0.0.128 (UDP 9978/9979), then TFTP digicap.dav\n"
        "export LD_LIBRARY_PATH=/home/app/lib\n/home/app/bin/davinci &\n",
    )
    return ctx.pack.squashfs(tree, comp="gzip", devices=False)


def build(ctx: Context) -> dict[str, bytes]:
    """Build the digicap."""
    kernel = kernel_uimage(
        ctx,
        ARMEL,
        name="Linux-4.9.37-hi3516cv500",
        load=0x80008000,
        banner="Linux version 4.9.37 (hikvision@build-server) (gcc version 6.3.0 "
        "(HC&C V100R002C00B032_20190114) ) #1 SMP Thu Nov 21 16:10:02 CST 2019",
        cmdline="mem=128M console=ttyAMA0,115200 root=/dev/ram0 initrd=0x82000000,8M",
    )
    upg_class = b"[digicap]\nclass=IPC_R6\nlanguage=1\nplatform=H5\n"
    members = [
        ("_cfgUpgClass", upg_class),
        ("hImage", kernel),
        ("hroot.img", hroot(ctx)),
        ("app.img", app(ctx)),
    ]
    image = build_digicap(
        members,
        language=1,
        device_class=0x30,
        oem_code=1,
        version=0x05050000,
        build_date=0x00130B15,
        text=b"DS-2CD2143G2-I",
    )
    return {OUTPUTS[0]: image}
