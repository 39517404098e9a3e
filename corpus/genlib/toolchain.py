"""Cross-compiling the corpus C sources into real ELF files for the cameras' CPUs.

Every build gets a generated `config.h` (`-include`) for what differs per image (banners, init
strings, environments), so the sources stay the same. Compiler banners are not left to chance: the
compiler's own `.ident` is switched off and the `.comment` section is replaced by the banner of the
vendor toolchain the image imitates (or removed), since `.comment` is where auditors read toolchains.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from genlib.run import need, run

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path


@dataclass(frozen=True, slots=True)
class Target:
    """A CPU and ABI, and the Debian cross compiler that builds for it."""

    name: str
    triple: str
    cflags: tuple[str, ...] = ()
    freestanding: tuple[str, ...] = ()

    def tool(self, name: str) -> str:
        """The cross tool `name` (gcc, objcopy, ...) for this target."""
        return f"{self.triple}-{name}"


ARMEL = Target("armel", "arm-linux-gnueabi", ("-marm",))
"""32-bit ARM, soft float: HiSilicon, Xiongmai, Anyka boards."""
ARMHF = Target("armhf", "arm-linux-gnueabihf", ("-mthumb",))
"""32-bit ARM, hard float: SigmaStar, Novatek boards."""
MIPSEL = Target("mipsel", "mipsel-linux-gnu", (), ("-mno-abicalls", "-fno-pic", "-G0"))
"""Little-endian MIPS32: Ingenic boards."""
MIPS = Target("mips", "mips-linux-gnu", (), ("-mno-abicalls", "-fno-pic", "-G0"))
"""Big-endian MIPS32."""
TARGETS = (ARMEL, ARMHF, MIPSEL, MIPS)

_CFLAGS = ("-Os", "-Wall", "-fno-ident", "-fno-asynchronous-unwind-tables", "-fno-stack-protector")


def c_string(text: str | bytes) -> str:
    """A C string literal for `text` (octal escapes for anything but plain printable ASCII)."""
    raw = text.encode() if isinstance(text, str) else text
    out = []
    for byte in raw:
        char = chr(byte)
        if char in '"\\?' or not 0x20 <= byte < 0x7F:
            out.append(f"\\{byte:03o}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def gcc_comment(banner: str) -> bytes:
    """The `.comment` content GCC writes: `GCC: (<pkgversion>) <version>` and a NUL."""
    return f"GCC: {banner}".encode() + b"\0"


@dataclass
class Builder:
    """Builds ELF files from `src` in the scratch directory `work`; results are cached per run."""

    src: Path
    work: Path
    _cache: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check the cross compilers are there."""
        need(*(t.tool(tool) for t in TARGETS for tool in ("gcc", "objcopy")))

    def library(
        self,
        target: Target,
        source: str,
        soname: str,
        *,
        libs: Sequence[str] = (),
        comment: str | None = None,
        macros: Mapping[str, str] | None = None,
    ) -> bytes:
        """A stripped shared library named `soname` (later programs of `target` can link to it)."""
        flags = ["-shared", "-fPIC", f"-Wl,-soname,{soname}", "-s"]
        return self._link(
            target, source, soname, flags=flags, libs=libs, comment=comment, macros=macros or {}
        )

    def program(
        self,
        target: Target,
        source: str,
        name: str,
        *,
        libs: Sequence[str] = (),
        comment: str | None = None,
        macros: Mapping[str, str] | None = None,
    ) -> bytes:
        """A stripped, dynamically linked executable that imports from `libs` (sonames built before)."""
        # Camera toolchains predate default PIE; their executables are fixed-address.
        return self._link(
            target,
            source,
            name,
            flags=["-fno-pie", "-no-pie", "-s"],
            libs=libs,
            comment=comment,
            macros=macros or {},
        )

    def static_nolibc(self, target: Target, source: str, name: str, *, comment: str | None = None) -> bytes:
        """A stripped, statically linked executable without libc (`_start` in the source)."""
        flags = ["-static", "-nostdlib", "-ffreestanding", "-fno-pie", "-no-pie", *target.freestanding]
        return self._link(
            target, source, name, flags=[*flags, "-s", "-Wl,-e,_start"], libs=(), comment=comment, macros={}
        )

    def module(
        self, target: Target, name: str, *, vermagic: str, description: str, comment: str | None = None
    ) -> bytes:
        """A kernel module stand-in `<name>.ko`: relocatable ELF with a `.modinfo` section."""
        macros = {
            "MODNAME": c_string(name),
            "VERMAGIC": c_string(vermagic),
            "DESCRIPTION": c_string(description),
            "LICENSE": c_string("Proprietary"),
        }
        flags = ["-c", "-ffreestanding", "-fno-pic", *target.freestanding]
        return self._link(
            target, "kmod.c", f"{name}.ko", flags=flags, libs=(), comment=comment, macros=macros
        )

    def raw(self, target: Target, source: str, name: str, *, base: int, macros: Mapping[str, str]) -> bytes:
        """Raw code (`objcopy -O binary`) linked at `base`, as boot loaders and kernels are stored."""
        flags = [
            "-static",
            "-nostdlib",
            "-ffreestanding",
            "-fno-pie",
            "-no-pie",
            *target.freestanding,
            f"-Wl,-Ttext={base:#x}",
            "-Wl,-N",
            "-Wl,-e,_start",
            "-Wl,--build-id=none",
        ]
        elf = self._link(target, source, f"{name}.elf", flags=flags, libs=(), comment=None, macros=macros)
        stem = self.work / target.name / f"{name}-{hashlib.sha256(elf).hexdigest()[:16]}"
        elf_path, bin_path = stem.with_name(stem.name + ".elf"), stem.with_name(stem.name + ".bin")
        elf_path.write_bytes(elf)
        # Only the loaded sections: MIPS ELF files also carry ABI notes that objcopy would place at 0.
        sections = ("-j", ".text", "-j", ".rodata", "-j", ".data")
        run([target.tool("objcopy"), "-O", "binary", *sections, elf_path, bin_path])
        return bin_path.read_bytes()

    def _link(
        self,
        target: Target,
        source: str,
        name: str,
        *,
        flags: Sequence[str],
        libs: Sequence[str],
        comment: str | None,
        macros: Mapping[str, str],
    ) -> bytes:
        config = "".join(f"#define {k} {v}\n" for k, v in sorted(macros.items()))
        key = hashlib.sha256(
            repr((target, source, name, tuple(flags), tuple(libs), comment, config)).encode()
        )
        cached = self._cache.get(key.hexdigest())
        if cached is not None:
            return cached
        outdir = self.work / target.name
        (outdir / "lib").mkdir(parents=True, exist_ok=True)
        scratch = outdir / key.hexdigest()[:16]
        scratch.mkdir(exist_ok=True)
        (scratch / "config.h").write_text(config)
        out = scratch / name
        argv: list[str | Path] = [
            target.tool("gcc"),
            *_CFLAGS,
            *target.cflags,
            *flags,
            f"-ffile-prefix-map={self.src}=.",
            "-include",
            "config.h",
            "-I.",
            "-o",
            out,
            self.src / source,
        ]
        if libs:
            argv += ["-L", outdir / "lib", *(f"-l:{lib}" for lib in libs)]
        run(argv, cwd=scratch)
        self._set_comment(target, out, comment)
        data = out.read_bytes()
        if "-shared" in flags:
            (outdir / "lib" / name).write_bytes(data)
        self._cache[key.hexdigest()] = data
        return data

    @staticmethod
    def _set_comment(target: Target, path: Path, comment: str | None) -> None:
        argv: list[str | Path] = [target.tool("objcopy"), "--remove-section=.comment"]
        if comment is not None:
            banner = path.with_name("comment.bin")
            banner.write_bytes(gcc_comment(comment))
            argv += ["--add-section", f".comment={banner}", "--set-section-flags", ".comment=readonly"]
        run([*argv, path])
