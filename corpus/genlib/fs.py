"""Staging file trees and packing them with the standard filesystem and archive tools, reproducibly.

Every tool is told to drop times and owners (or run where they cannot vary), and where a tool puts
randomness in its output (mkfs.ubifs writes a random UUID) the generator replaces it with a value
derived from a fixed seed and fixes the checksum, so two runs give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import struct
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from genlib.run import EPOCH, need, run, touch_tree

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

FS_TOOLS = (
    "mksquashfs",
    "mkfs.cramfs",
    "mkfs.jffs2",
    "mkfs.ubifs",
    "ubinize",
    "genext2fs",
    "cpio",
    "mkimage",
    "mkenvimage",
    "openssl",
    "faketime",
    "fakeroot",
    "dtc",
)


@dataclass
class Tree:
    """A file tree to pack: files with modes, symlinks and empty directories, by relative path."""

    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)

    def add(self, path: str, data: bytes | str, mode: int = 0o644) -> Tree:
        """Add a file (text is written as UTF-8)."""
        self.files[path.strip("/")] = (data.encode() if isinstance(data, str) else data, mode)
        return self

    def exe(self, path: str, data: bytes | str) -> Tree:
        """Add an executable file."""
        return self.add(path, data, 0o755)

    def link(self, path: str, target: str) -> Tree:
        """Add a symlink (recorded as is; nothing follows it here)."""
        self.links[path.strip("/")] = target
        return self

    def mkdir(self, *paths: str) -> Tree:
        """Add empty directories."""
        self.dirs.update(p.strip("/") for p in paths)
        return self

    def paths(self) -> list[str]:
        """Every file and link path, sorted."""
        return sorted([*self.files, *self.links])

    def stage(self, root: Path) -> Path:
        """Write the tree under `root` with fixed modes and times; return `root`."""
        root.mkdir(parents=True, exist_ok=True)
        for name in sorted(self.dirs):
            (root / name).mkdir(parents=True, exist_ok=True)
        for path, (data, mode) in sorted(self.files.items()):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(mode)
        for path, dest in sorted(self.links.items()):
            link = root / path
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(dest)
        for directory in [root, *(p for p in root.rglob("*") if p.is_dir() and not p.is_symlink())]:
            directory.chmod(0o755)
        touch_tree(root)
        return root


@dataclass
class Packer:
    """Packs trees with the standard tools in the scratch directory `work`."""

    work: Path
    _count: int = 0

    def __post_init__(self) -> None:
        """Check the tools are there."""
        need(*FS_TOOLS)

    def _scratch(self, name: str) -> Path:
        self._count += 1
        path = self.work / f"{self._count:03d}-{name}"
        path.mkdir(parents=True)
        return path

    def squashfs(self, tree: Tree, *, comp: str = "xz", block: int = 131072, devices: bool = True) -> bytes:
        """Squashfs 4.0 (mksquashfs), all files owned by root, times 0; `/dev/console` as a pseudo file."""
        scratch = self._scratch("squashfs")
        src = tree.stage(scratch / "root")
        out = scratch / "fs.sqfs"
        argv: list[str | Path] = [
            "mksquashfs",
            src,
            out,
            "-comp",
            comp,
            "-b",
            str(block),
            "-all-time",
            str(EPOCH),
            "-mkfs-time",
            str(EPOCH),
            "-all-root",
            "-noappend",
            "-quiet",
            "-no-progress",
            "-processors",
            "1",
        ]
        if devices:
            argv += ["-p", "dev d 755 0 0", "-p", "dev/console c 600 0 0 5 1"]
        run(argv, unset=("SOURCE_DATE_EPOCH",))
        return out.read_bytes()

    def cramfs(self, tree: Tree, *, name: str, endian: str = "little") -> bytes:
        """Cramfs (mkfs.cramfs); it records owners, so it runs as (fake) root."""
        scratch = self._scratch("cramfs")
        src = tree.stage(scratch / "root")
        out = scratch / "fs.cramfs"
        run(["mkfs.cramfs", "-N", endian, "-n", name, src, out], as_root=True)
        return out.read_bytes()

    def jffs2(
        self, tree: Tree, *, endian: str = "little", eraseblock: int = 0x10000, pad: int | None = None
    ) -> bytes:
        """JFFS2 (mkfs.jffs2), owners squashed, times 0, optionally padded with 0xFF to `pad` bytes."""
        scratch = self._scratch("jffs2")
        src = tree.stage(scratch / "root")
        out = scratch / "fs.jffs2"
        argv: list[str | Path] = [
            "mkfs.jffs2",
            "-l" if endian == "little" else "-b",
            "-f",
            "-q",
            "-e",
            hex(eraseblock),
            "-r",
            src,
            "-o",
            out,
        ]
        if pad is not None:
            argv.insert(1, f"--pad={pad:#x}")
        run(argv)
        return out.read_bytes()

    def ubifs(
        self, tree: Tree, *, seed: str, min_io: int, leb: int, max_lebs: int, compr: str = "lzo"
    ) -> bytes:
        """UBIFS (mkfs.ubifs) with its random UUID replaced by one derived from `seed`."""
        scratch = self._scratch("ubifs")
        src = tree.stage(scratch / "root")
        out = scratch / "fs.ubifs"
        run(
            [
                "faketime",
                "-f",
                "1970-01-01 00:00:00",
                "mkfs.ubifs",
                "-U",
                "-m",
                str(min_io),
                "-e",
                str(leb),
                "-c",
                str(max_lebs),
                "-x",
                compr,
                "-r",
                src,
                "-o",
                out,
            ]
        )
        return fix_ubifs_uuid(out.read_bytes(), seed)

    def ubi(
        self,
        volumes: Sequence[tuple[str, bytes, str]],
        *,
        peb: int,
        min_io: int,
        image_seq: int,
        sub_page: int | None = None,
    ) -> bytes:
        """A UBI image (ubinize) of `(name, data, 'dynamic'|'static')` volumes, ids in order."""
        scratch = self._scratch("ubi")
        sections = []
        for vol_id, (name, data, kind) in enumerate(volumes):
            image = scratch / f"{name}.img"
            image.write_bytes(data)
            sections.append(
                f"[{name}]\nmode=ubi\nimage={image}\nvol_id={vol_id}\nvol_type={kind}\nvol_name={name}\n"
            )
        config = scratch / "ubinize.cfg"
        config.write_text("".join(sections))
        out = scratch / "fs.ubi"
        argv: list[str | Path] = [
            "ubinize",
            "-o",
            out,
            "-p",
            str(peb),
            "-m",
            str(min_io),
            "-Q",
            str(image_seq),
        ]
        if sub_page is not None:
            argv += ["-s", str(sub_page)]
        run([*argv, config])
        return out.read_bytes()

    def ext2(self, tree: Tree, *, blocks: int, inodes: int = 64) -> bytes:
        """ext2 (genext2fs), 1 KiB blocks, owners squashed, times 0."""
        scratch = self._scratch("ext2")
        src = tree.stage(scratch / "root")
        out = scratch / "fs.ext2"
        run(["genext2fs", "-f", "-U", "-B", "1024", "-b", str(blocks), "-N", str(inodes), "-d", src, out])
        return out.read_bytes()

    def cpio(self, tree: Tree) -> bytes:
        """A newc cpio archive (initramfs), names sorted, owners root, times 0."""
        scratch = self._scratch("cpio")
        src = tree.stage(scratch / "root")
        names = sorted(str(p.relative_to(src)) for p in src.rglob("*"))
        listing = ("\n".join(names) + "\n").encode()
        return run(
            ["cpio", "-o", "--quiet", "--reproducible", "-H", "newc", "-R", "0:0"], cwd=src, stdin=listing
        )

    def fit(
        self,
        description: str,
        images: Mapping[str, Mapping[str, str | bytes | int]],
        configuration: Mapping[str, str],
    ) -> bytes:
        """A U-Boot FIT image (mkimage -f) from image nodes (`data` bytes plus properties)."""
        scratch = self._scratch("fit")
        nodes = []
        for node, props in images.items():
            lines = []
            for key, value in props.items():
                if key == "data":
                    assert isinstance(value, bytes)
                    blob = scratch / f"{node}.bin"
                    blob.write_bytes(value)
                    lines.append(f'data = /incbin/("{blob}");')
                elif isinstance(value, int):
                    lines.append(f"{key} = <{value:#x}>;")
                else:
                    lines.append(f'{key} = "{value!s}";')
            lines.append('hash-1 { algo = "crc32"; };')
            nodes.append(f"{node} {{\n" + "\n".join(lines) + "\n};")
        conf = "\n".join(f'{k} = "{v}";' for k, v in configuration.items())
        its = (
            f'/dts-v1/;\n/ {{\ndescription = "{description}";\n#address-cells = <1>;\n'
            f"images {{\n{chr(10).join(nodes)}\n}};\n"
            f'configurations {{\ndefault = "conf-1";\nconf-1 {{\n{conf}\n}};\n}};\n}};\n'
        )
        (scratch / "image.its").write_text(its)
        out = scratch / "image.itb"
        run(["mkimage", "-q", "-f", scratch / "image.its", out])
        return out.read_bytes()

    def uboot_env(self, env: Mapping[str, str], *, size: int) -> bytes:
        """A U-Boot environment block (mkenvimage): CRC32, then `name=value` pairs, 0xFF padding."""
        scratch = self._scratch("env")
        text = scratch / "env.txt"
        text.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        out = scratch / "env.bin"
        run(["mkenvimage", "-s", str(size), "-p", "0xff", "-o", out, text])
        return out.read_bytes()

    def openssl_enc(self, data: bytes, *, password: str, salt: bytes) -> bytes:
        """`openssl enc -aes-128-cbc -md md5` with a fixed salt: `Salted__`, salt, ciphertext.

        OpenSSL 3 leaves the `Salted__` header out when the salt is given with `-S`, so it is put back
        here: the result is what `openssl enc` writes with a salt of its own choosing, and
        `openssl enc -d` decrypts it with the password alone.
        """
        cipher = run(
            ["openssl", "enc", "-aes-128-cbc", "-md", "md5", "-S", salt.hex(), "-pass", f"pass:{password}"],
            stdin=data,
        )
        return b"Salted__" + salt + cipher


def fix_ubifs_uuid(image: bytes, seed: str) -> bytes:
    """Replace the random UUID in a UBIFS superblock node with one made from `seed`; fix its CRC.

    The node starts at offset 0 (common header: magic, CRC, sequence number, length, type); its CRC is
    the kernel's crc32 (seed ~0, no final inversion) over the node from offset 8. The old CRC is
    checked first so a changed layout fails here instead of producing a broken image.
    """
    magic, crc, _, length, node_type = struct.unpack_from("<IIQIB", image, 0)
    if magic != 0x06101831 or node_type != 6:
        raise ValueError("not a UBIFS image starting with its superblock node")
    if _ubifs_crc(image[8:length]) != crc:
        raise ValueError("unexpected UBIFS superblock CRC; layout changed?")
    node = bytearray(image[:length])
    node[0x6C:0x7C] = hashlib.sha256(seed.encode()).digest()[:16]
    node[4:8] = struct.pack("<I", _ubifs_crc(bytes(node[8:])))
    return bytes(node) + image[length:]


def _ubifs_crc(data: bytes) -> int:
    return zlib.crc32(data) ^ 0xFFFFFFFF


def gzip_bytes(data: bytes) -> bytes:
    """Gzip with no name and time 0."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def lzma_alone(data: bytes) -> bytes:
    """Legacy `.lzma` (LZMA_Alone), what U-Boot's lzma type expects."""
    return lzma.compress(data, format=lzma.FORMAT_ALONE)


def tar(members: Iterable[tuple[str, bytes]], *, gzipped: bool = False) -> bytes:
    """A ustar archive of regular files, owner root, mode 0644 (0755 for names under bin/), time 0."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.uid, info.gid = len(data), EPOCH, 0, 0
            info.uname = info.gname = "root"
            info.mode = 0o755 if "/bin/" in f"/{name}" else 0o644
            archive.addfile(info, io.BytesIO(data))
    data = buffer.getvalue()
    return gzip_bytes(data) if gzipped else data


def pad(data: bytes, size: int, fill: bytes = b"\xff") -> bytes:
    """`data` padded with `fill` to exactly `size` bytes (it must fit)."""
    if len(data) > size:
        raise ValueError(f"{len(data)} bytes do not fit in {size}")
    return data + fill * (size - len(data))
