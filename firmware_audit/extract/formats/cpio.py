"""cpio archives: SVR4 "newc" (`070701`), its CRC variant (`070702`) and POSIX.1 "odc" (`070707`).

A small reader of our own: no maintained pure-Python cpio reader exists (PyPI's `cpiofile` was last
released in 2011, and `libarchive-c` binds the C libarchive, a system library this package cannot
require). Both formats are a fixed header of ASCII numbers, the name, then the data, so the reader
is short. Members are `Slice`s of the input; `TRAILER!!!` ends the archive. The old binary cpio
format is not read.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass

import numpy as np

from firmware_audit.extract.formats.base import SPECIAL_BY_MODE, Detection, Handler, NodeKind, Output, Slice
from firmware_audit.model import IssueKind

_NEWC, _CRC, _ODC = b"070701", b"070702", b"070707"
_NEWC_SIZE = 110
_ODC_SIZE = 76
_NEWC_FIELDS = re.compile(rb"[0-9A-Fa-f]{104}")
_ODC_FIELDS = re.compile(rb"[0-7]{70}")
_ODC_WIDTHS = (6, 6, 6, 6, 6, 6, 6, 11, 6, 11)
TRAILER = b"TRAILER!!!"
_NAME_MAX = 4096
_TIME_EVERY = 256
_LABELS = {
    _NEWC: "cpio archive (newc)",
    _CRC: "cpio archive (newc with checksums)",
    _ODC: "cpio archive (odc)",
}


@dataclass(frozen=True, slots=True)
class _Header:
    """One member header, with where its data lies."""

    name: bytes
    mode: int
    inode: tuple[int, int, int]
    nlink: int
    size: int
    check: int
    data: int
    next: int


class CpioHandler(Handler):
    """cpio archive, newc/crc/odc."""

    name = "cpio"
    magics = (_NEWC, _CRC, _ODC)

    def probe(self, data: memoryview) -> Detection | None:
        """Check the magic and that the first header parses."""
        magic = bytes(data[:6])
        if magic not in _LABELS or isinstance(_parse(data, 0, magic), str):
            return None
        return Detection(_LABELS[magic])

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Read headers up to `TRAILER!!!`; hard links of newc become links to the entry with the data."""
        magic = bytes(data[:6])
        headers: list[_Header] = []
        pos = 0
        end: int | None = None
        while end is None:
            if len(headers) % _TIME_EVERY == 0:
                out.budget.check_time()
            if pos >= len(data):
                out.issue(IssueKind.TRUNCATED, f"the archive ends before {TRAILER.decode()}", len(data))
                end = len(data)
                continue
            parsed = _parse(data, pos, magic) if bytes(data[pos : pos + 6]) == magic else "no header"
            if isinstance(parsed, str):
                kind = IssueKind.TRUNCATED if "cut off" in parsed else IssueKind.MALFORMED
                out.issue(kind, f"{parsed} at {pos}, before {TRAILER.decode()}; the listing stops there", pos)
                end = pos
            elif parsed.name == TRAILER:
                end = parsed.next
            else:
                headers.append(parsed)
                pos = parsed.next
        _emit(data, headers, magic, out)
        return end


def _parse(data: memoryview, pos: int, magic: bytes) -> _Header | str:
    """Parse the header at `pos`, or say what is wrong with it."""
    newc = magic != _ODC
    size = _NEWC_SIZE if newc else _ODC_SIZE
    raw = bytes(data[pos : pos + size])
    if len(raw) < size:
        return "header cut off"
    if newc:
        if not _NEWC_FIELDS.fullmatch(raw, 6):
            return "header fields are not hexadecimal"
        values = [int(raw[i : i + 8], 16) for i in range(6, size, 8)]
        inode, mode, _, _, nlink, _, file_size, major, minor, _, _, name_size, check = values
        key = (major, minor, inode)
    else:
        if not _ODC_FIELDS.fullmatch(raw, 6):
            return "header fields are not octal"
        values, at = [], 6
        for width in _ODC_WIDTHS:
            values.append(int(raw[at : at + width], 8))
            at += width
        dev, inode, mode, _, _, nlink, _, _, name_size, file_size = values
        key, check = (dev, 0, inode), 0
    if not 0 < name_size <= _NAME_MAX:
        return f"name size {name_size} is out of range"
    name_at = pos + size
    if name_at + name_size > len(data):
        return "name cut off"
    name = bytes(data[name_at : name_at + name_size - 1])
    start = _align(name_at + name_size) if newc else name_at + name_size
    after = _align(start + file_size) if newc else start + file_size
    return _Header(name, mode, key, nlink, file_size, check, start, after)


def _align(offset: int) -> int:
    return (offset + 3) & ~3


def _emit(data: memoryview, headers: list[_Header], magic: bytes, out: Output) -> None:
    """Add every member; newc stores a hard-linked file's data once, with the last of its names."""
    holders: dict[tuple[int, int, int], bytes] = {}
    for header in headers:
        if stat.S_ISREG(header.mode) and header.nlink > 1 and header.size:
            holders[header.inode] = header.name
    for header in headers:
        fmt = stat.S_IFMT(header.mode)
        mode = header.mode & 0o7777
        if fmt == stat.S_IFDIR:
            if header.name.strip(b"./"):  # `.` is the archive's own root: nothing to record
                out.directory(header.name, mode=mode)
        elif fmt in SPECIAL_BY_MODE:
            out.special(header.name, SPECIAL_BY_MODE[fmt], mode=mode)
        elif fmt == stat.S_IFLNK:
            _symlink(data, header, out)
        elif header.size == 0 and header.nlink > 1 and header.inode in holders:
            out.link(header.name, NodeKind.HARDLINK, holders[header.inode], mode=mode)
        else:
            _file(data, header, magic, out)


def _symlink(data: memoryview, header: _Header, out: Output) -> None:
    target = bytes(data[header.data : header.data + min(header.size, _NAME_MAX)])
    if header.size > _NAME_MAX or len(target) < header.size:
        out.issue(IssueKind.MALFORMED, f"symlink '{_shown(header.name)}' has a target of {header.size} bytes")
    out.link(header.name, NodeKind.SYMLINK, target, mode=header.mode & 0o7777)


def _file(data: memoryview, header: _Header, magic: bytes, out: Output) -> None:
    length = min(header.size, max(len(data) - header.data, 0))
    if length < header.size:
        out.issue(
            IssueKind.TRUNCATED,
            f"member '{_shown(header.name)}' says {header.size} bytes; only {length} are there",
            header.data,
        )
    elif magic == _CRC and _checksum(data[header.data : header.data + length]) != header.check:
        out.issue(IssueKind.CHECKSUM, f"member '{_shown(header.name)}': data checksum does not match")
    out.file(header.name, Slice(header.data, length), mode=header.mode & 0o7777)


def _checksum(view: memoryview) -> int:
    """The crc format's "checksum": the 32-bit sum of the data bytes."""
    return int(np.frombuffer(view, dtype=np.uint8).sum(dtype=np.uint64)) & 0xFFFFFFFF


def _shown(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


HANDLER = CpioHandler()
