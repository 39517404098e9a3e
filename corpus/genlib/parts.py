"""Parts several images share: the build context, a BusyBox root filesystem, boot loaders, kernels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.writers.uimage import build_uimage
from genlib.fs import Packer, Tree, gzip_bytes, lzma_alone
from genlib.toolchain import Builder, Target, c_string

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

APPLETS = ("sh", "ls", "cat", "mount", "insmod", "ifconfig", "udhcpc", "ntpd", "telnetd")


@dataclass(frozen=True)
class Context:
    """What a recipe builds with: the cross compiler front end and the filesystem packer."""

    cc: Builder
    pack: Packer


def busybox_root(
    ctx: Context,
    target: Target,
    *,
    banner: str,
    accounts: str,
    rcs: str,
    hostname: str,
    extra_etc: Mapping[str, str] | None = None,
) -> Tree:
    """A small BusyBox root filesystem: the multi-call binary and its links, `/etc` and mount points."""
    tree = Tree()
    tree.exe(
        "bin/busybox",
        ctx.cc.program(target, "busybox.c", "busybox", macros={"BUSYBOX_BANNER": c_string(banner)}),
    )
    for applet in APPLETS:
        tree.link(f"bin/{applet}", "busybox")
    tree.add("etc/passwd", accounts)
    tree.add("etc/group", "root:x:0:\n")
    tree.add("etc/hostname", f"{hostname}\n")
    tree.add("etc/hosts", f"127.0.0.1 localhost\n127.0.1.1 {hostname}\n")
    tree.exe("etc/init.d/rcS", rcs)
    for path, text in (extra_etc or {}).items():
        tree.add(f"etc/{path}", text)
    tree.mkdir("dev", "proc", "sys", "tmp", "mnt", "var/run")
    return tree


def bootloader(
    ctx: Context, target: Target, *, version: str, prompt: str, env: Mapping[str, str], base: int
) -> bytes:
    """A boot loader blob (raw code) with its banner, prompt and default environment."""
    pairs = "\0".join(f"{k}={v}" for k, v in env.items())
    macros = {
        "UBOOT_VERSION": c_string(version),
        "UBOOT_PROMPT": c_string(prompt),
        "UBOOT_ENV": c_string(pairs),
    }
    return ctx.cc.raw(target, "bootloader.c", "u-boot", base=base, macros=macros)


def kernel_image(
    ctx: Context, target: Target, *, banner: str, cmdline: str, load: int, messages: tuple[str, ...] = ()
) -> bytes:
    """A kernel stand-in: raw code with the `Linux version` banner, command line and boot messages."""
    macros = {
        "LINUX_BANNER": c_string(banner),
        "LINUX_CMDLINE": c_string(cmdline),
        "LINUX_MESSAGES": c_string("".join(f"{m}\n" for m in messages)),
    }
    return ctx.cc.raw(target, "kernel.c", "Image", base=load, macros=macros)


def kernel_uimage(
    ctx: Context,
    target: Target,
    *,
    banner: str,
    cmdline: str,
    load: int,
    name: str,
    compression: str = "gzip",
    messages: tuple[str, ...] = (),
) -> bytes:
    """A kernel uImage: the stand-in of `kernel_image`, compressed as the header says."""
    image = kernel_image(ctx, target, banner=banner, cmdline=cmdline, load=load, messages=messages)
    compress: dict[str, Callable[[bytes], bytes]] = {"gzip": gzip_bytes, "lzma": lzma_alone, "none": bytes}
    data = compress[compression](image)
    arch = "mips" if target.triple.startswith("mips") else "arm"
    return build_uimage(
        data, name=name, arch=arch, image_type="kernel", compression=compression, load=load, entry=load
    )
