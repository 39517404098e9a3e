"""Flattened device tree blobs, and U-Boot FIT images (a device tree with an `/images` node).

The structure block is walked here. PyPI's `fdt` (pyFDT, last released 2022) turns every property
into Python objects and does not say where a property's bytes lie, while FIT images must become
zero-copy `Slice`s of the input; `pylibfdt` needs a C build. The format is a flat stream of
big-endian tokens (devicetree specification v0.4, chapter 5), so the walker is short.

Each `/images/<name>` node becomes a payload member named `<name>`: its `data` property, or the
external data that `data-position` (absolute) or `data-offset` (after the 4-byte aligned tree)
and `data-size` point to (`mkimage -E`). Its `compression` property becomes a claim, and its
`hash-*` nodes are checked. A device tree without `/images` is recognised and has no members.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass, field

from firmware_audit.extract.formats.base import Claim, Detection, Handler, Output, Slice
from firmware_audit.model import IssueKind

MAGIC = b"\xd0\x0d\xfe\xed"
_HEADER = struct.Struct(">10I")
_U32 = struct.Struct(">I")
_BEGIN_NODE, _END_NODE, _PROP, _NOP, _END = 1, 2, 3, 4, 9
_MAX_DEPTH = 64
_MAX_TOKENS = 500_000
_NAME_MAX = 1024
_IMAGES = (b"", b"images")
_HASHES = {
    b"md5": "md5",
    b"sha1": "sha1",
    b"sha256": "sha256",
    b"sha384": "sha384",
    b"sha512": "sha512",
}

Path = tuple[bytes, ...]


@dataclass(slots=True)
class _Tree:
    """The nodes of a device tree by path (root is `(b"",)`), each with its properties' byte ranges."""

    size: int
    version: int
    nodes: dict[Path, dict[bytes, tuple[int, int]]] = field(default_factory=dict)

    def text(self, path: Path, prop: bytes, data: memoryview) -> str | None:
        """A string property, up to its first NUL."""
        span = self.nodes.get(path, {}).get(prop)
        if span is None:
            return None
        raw = bytes(data[span[0] : span[0] + span[1]]).split(b"\0", 1)[0]
        return raw.decode("utf-8", "backslashreplace")

    def number(self, path: Path, prop: bytes, data: memoryview) -> int | None:
        """A one-cell (u32) property."""
        span = self.nodes.get(path, {}).get(prop)
        if span is None or span[1] != 4:
            return None
        return int(_U32.unpack_from(data, span[0])[0])

    def children(self, parent: Path) -> list[Path]:
        """Direct child nodes, in tree order."""
        return [p for p in self.nodes if len(p) == len(parent) + 1 and p[: len(parent)] == parent]


class FitHandler(Handler):
    """Flattened device tree; U-Boot FIT image when it has `/images`."""

    name = "fit"
    magics = (MAGIC,)

    def probe(self, data: memoryview) -> Detection | None:
        """Check the header and walk the structure block; the length includes external image data."""
        tree = _read_tree(data)
        if isinstance(tree, str):
            return None
        if _IMAGES not in tree.nodes:
            model = tree.text((b"",), b"model", data) or tree.text((b"",), b"compatible", data)
            shown = f" '{model}'" if model else ""
            return Detection(f"flattened device tree{shown} (version {tree.version})", tree.size)
        images = tree.children(_IMAGES)
        description = tree.text((b"",), b"description", data)
        shown = f" '{description}'" if description else ""
        return Detection(f"U-Boot FIT image{shown}, {len(images)} images", _extent(tree, data))

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Add each image of `/images` as a payload; a plain device tree has no members."""
        tree = _read_tree(data)
        if isinstance(tree, str):
            out.issue(IssueKind.MALFORMED, tree)
            return None
        extent = tree.size
        for path in tree.children(_IMAGES):
            span = _image_span(tree, path, data, out)
            if span is None:
                continue
            start, length = span
            extent = max(extent, start + length)
            compression = tree.text(path, b"compression", data)
            claims = (
                (Claim("FIT image node", compression, immediate=True),)
                if compression and compression != "none"
                else ()
            )
            _check_hashes(tree, path, data[start : start + length], data, out)
            out.file(path[-1], Slice(start, length), payload=True, claims=claims)
        return extent


def _read_tree(data: memoryview) -> _Tree | str:
    """Parse the header and the structure block, or say what is wrong with them."""
    if len(data) < _HEADER.size or bytes(data[:4]) != MAGIC:
        return "no device tree header"
    _, size, off_struct, off_strings, _, version, last_comp, _, strings_size, struct_size = (
        _HEADER.unpack_from(data)
    )
    if version < 16 or last_comp > 17 or size < _HEADER.size or off_struct % 4:
        return f"unsupported device tree header (version {version}, compatible with {last_comp})"
    struct_end = off_struct + struct_size if version >= 17 else size
    if not off_struct < struct_end <= min(size, len(data)) or off_strings + strings_size > min(
        size, len(data)
    ):
        return "device tree blocks lie outside the blob"
    tree = _Tree(size, version)
    strings = data[off_strings : off_strings + strings_size]
    problem = _Walker(data, struct_end, strings, tree).run(off_struct)
    return problem if problem is not None else tree


class _BrokenError(Exception):
    """The structure block is malformed; the message says how."""


@dataclass(slots=True)
class _Walker:
    """Walks the structure block's tokens, recording each node's properties into the tree."""

    data: memoryview
    end: int
    strings: memoryview
    tree: _Tree
    stack: list[bytes] = field(default_factory=list)

    def run(self, pos: int) -> str | None:
        """Walk from `pos`; return what stopped the walk when it did not reach FDT_END."""
        try:
            for _ in range(_MAX_TOKENS):
                if pos + 4 > self.end:
                    return "structure block ends without FDT_END"
                (token,) = _U32.unpack_from(self.data, pos)
                if token == _END:
                    return None if not self.stack else "FDT_END inside an open node"
                pos = self._token(token, pos + 4)
        except _BrokenError as exc:
            return str(exc)
        return f"more than {_MAX_TOKENS} structure tokens"

    def _token(self, token: int, pos: int) -> int:
        """Handle the token before `pos`; return where the next token starts."""
        if token == _BEGIN_NODE:
            return self._begin(pos)
        if token == _PROP:
            return self._prop(pos)
        if token == _END_NODE:
            if not self.stack:
                raise _BrokenError(f"FDT_END_NODE without a node at {pos - 4}")
            self.stack.pop()
        elif token != _NOP:
            raise _BrokenError(f"unknown structure token {token:#x} at {pos - 4}")
        return pos

    def _begin(self, pos: int) -> int:
        name = _cstring(self.data, pos, min(self.end, pos + _NAME_MAX))
        if name is None:
            raise _BrokenError(f"node name at {pos} is not terminated")
        self.stack.append(name)
        if len(self.stack) > _MAX_DEPTH:
            raise _BrokenError(f"nodes nested deeper than {_MAX_DEPTH}")
        self.tree.nodes.setdefault(tuple(self.stack), {})
        return _align(pos + len(name) + 1)

    def _prop(self, pos: int) -> int:
        if not self.stack or pos + 8 > self.end:
            raise _BrokenError(f"property outside a node or cut off at {pos - 4}")
        length, name_off = struct.unpack_from(">II", self.data, pos)
        value = pos + 8
        if value + length > self.end:
            raise _BrokenError(f"property at {pos - 4} runs past the structure block")
        name = _cstring(self.strings, name_off, len(self.strings))
        if name is None:
            raise _BrokenError(f"property name offset {name_off} is outside the strings block")
        self.tree.nodes[tuple(self.stack)][name] = (value, length)
        return _align(value + length)


def _cstring(data: memoryview, start: int, end: int) -> bytes | None:
    if not 0 <= start < end:
        return None
    raw = bytes(data[start:end])
    cut = raw.find(b"\0")
    return None if cut < 0 else raw[:cut]


def _align(offset: int) -> int:
    return (offset + 3) & ~3


def _external(tree: _Tree, path: Path, data: memoryview) -> tuple[int, int] | None:
    """Where external image data lies: `data-position` is absolute, `data-offset` follows the tree."""
    size = tree.number(path, b"data-size", data)
    position = tree.number(path, b"data-position", data)
    offset = tree.number(path, b"data-offset", data)
    if size is None or (position is None and offset is None):
        return None
    start = position if position is not None else _align(tree.size) + (offset or 0)
    return start, size


def _extent(tree: _Tree, data: memoryview) -> int:
    ends = [tree.size]
    for path in tree.children(_IMAGES):
        external = _external(tree, path, data)
        if external is not None:
            ends.append(external[0] + external[1])
    return max(ends)


def _image_span(tree: _Tree, path: Path, data: memoryview, out: Output) -> tuple[int, int] | None:
    """The image's data range, clipped to the input (with an Issue); None when it has no data."""
    shown = path[-1].decode("utf-8", "backslashreplace")
    embedded = tree.nodes[path].get(b"data")
    span = embedded if embedded is not None else _external(tree, path, data)
    if span is None:
        out.issue(IssueKind.MALFORMED, f"image '{shown}' has neither data nor data-offset/data-size")
        return None
    start, length = span
    available = max(len(data) - start, 0)
    if length > available:
        out.issue(IssueKind.TRUNCATED, f"image '{shown}' says {length} bytes; only {available} are there")
        length = available
    return start, length


def _check_hashes(tree: _Tree, path: Path, content: memoryview, data: memoryview, out: Output) -> None:
    """Check the image's `hash-*` nodes (crc32, md5, sha*); signatures are not verified."""
    for sub in tree.children(path):
        if not sub[-1].startswith(b"hash"):
            continue
        algo = (tree.text(sub, b"algo", data) or "").encode()
        span = tree.nodes[sub].get(b"value")
        if span is None:
            continue
        said = bytes(data[span[0] : span[0] + span[1]])
        if algo == b"crc32":
            actual = _U32.pack(zlib.crc32(content))
        elif algo in _HASHES:
            actual = hashlib.new(_HASHES[algo], content).digest()
        else:
            continue
        if actual != said:
            shown = "/".join(p.decode("utf-8", "backslashreplace") for p in sub[1:])
            out.issue(IssueKind.CHECKSUM, f"{shown}: {algo.decode()} does not match the image data")


HANDLER = FitHandler()
