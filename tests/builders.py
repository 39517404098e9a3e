"""Builders for small synthetic inputs shared by the tests (importable as `builders`)."""

from __future__ import annotations

import gzip
import io
import random
import tarfile

from firmware_audit.extract import FileTree, Hop, Node
from firmware_audit.extract.formats.base import Lazy, NodeKind
from firmware_audit.model import Coverage, ImageInfo
from firmware_audit.writers.uimage import COMPRESSION, TYPE, build_uimage


def uimage(
    payload: bytes,
    *,
    comp: int = 0,
    image_type: int = 2,
    name: bytes = b"test",
    declared: int | None = None,
) -> bytes:
    """A U-Boot legacy header over `payload`, with numeric fields as they appear in the header."""
    return build_uimage(
        payload,
        name=name.decode(),
        image_type=_TYPE_NAMES[image_type],
        compression=_COMPRESSION_NAMES[comp],
        load=0x80008000,
        entry=0x80008000,
        stated_size=declared,
    )


_TYPE_NAMES = {number: name for name, number in TYPE.items()}
_COMPRESSION_NAMES = {number: name for name, number in COMPRESSION.items()}


def gz(data: bytes) -> bytes:
    """gzip with a fixed mtime, so the bytes are reproducible."""
    return gzip.compress(data, mtime=0)


def noise(n: int, seed: int = 1) -> bytes:
    """Seeded random bytes: incompressible, high entropy."""
    return random.Random(seed).randbytes(n)


TEXT_BLOB = b"".join(b"line %d of a kernel log\n" % i for i in range(400))
"""A compressible text, like a kernel log."""


def tar_of(files: dict[str, bytes]) -> bytes:
    """A USTAR archive of `files` (virtual path -> content), every member dated 0 so the bytes repeat."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def tree_node(
    path: str,
    kind: NodeKind = NodeKind.FILE,
    content: bytes | Lazy | None = None,
    link: bytes | None = None,
    *,
    provenance: tuple[Hop, ...] = (),
    withheld: str | None = None,
) -> Node:
    """An entry of a synthetic tree: named after its path, as large as its content says (0 for none)."""
    size = content.size if isinstance(content, Lazy) else len(content) if content is not None else 0
    return Node(
        path=path,
        name=path.rsplit("/", 1)[-1].encode(),
        kind=kind,
        size=size,
        mode=None,
        link=link,
        provenance=provenance,
        content=content,
        withheld=withheld,
    )


def tree_of(*nodes: Node) -> FileTree:
    """A synthetic unpacked tree holding `nodes`, its image a 10-byte `fw.bin` all explained."""
    info = ImageInfo(path="", name="fw.bin", size=10, sha256="0" * 64)
    root = Node(path="", name=b"fw.bin", kind=NodeKind.FILE, size=10, mode=None, link=None, provenance=())
    cov = Coverage(bytes_total=10, bytes_explained=10, explained_ratio=1.0)
    return FileTree(image=info, root=root, nodes={n.path: n for n in nodes}, issues=(), coverage=cov)
