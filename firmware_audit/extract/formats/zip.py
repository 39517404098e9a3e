"""ZIP archives (PKWARE APPNOTE), and the reusable member lister for vendor containers built on zip.

The stdlib `zipfile` reads the central directory (names, sizes, zip64 extras). Member data is not
read through `ZipFile.open()`: its `ZipExtFile` decodes bzip2 and lzma chunks without an output bound
(4 KiB of bzip2 can expand to gigabytes inside one call) and decodes the whole rest of a deflate
stream in one call when asked for everything. Members are therefore decoded here from their raw
byte range with streaming decompressors that are given a `max_length`, never past the declared size.

When the central directory is missing (a truncated download) or zipfile rejects it, the local file
headers are walked from the start instead, and what they describe is listed with an Issue.
"""

from __future__ import annotations

import bz2
import hashlib
import lzma
import re
import stat
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from firmware_audit.extract.bounded import DECODE_ERRORS
from firmware_audit.extract.formats.base import (
    Claim,
    Detection,
    Entry,
    Handler,
    Lazy,
    NodeKind,
    Output,
    Slice,
)
from firmware_audit.extract.formats.compression import DECODER_MEMORY, ZlibStream
from firmware_audit.extract.viewfile import ViewFile
from firmware_audit.model import IssueKind

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

if TYPE_CHECKING:
    from collections.abc import Callable

    from firmware_audit.extract.bounded import Decompressor

LOCAL_MAGIC = b"PK\x03\x04"
"""Signature of a local file header."""

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64_LOCATOR = struct.Struct("<4sIQI")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_EOCD_SEARCH = re.compile(re.escape(b"PK\x05\x06"))
_CENTRAL_MAGIC = b"PK\x01\x02"
_EOCD64_LOCATOR_MAGIC = b"PK\x06\x07"
_EOCD64_MAGIC = b"PK\x06\x06"
_DESCRIPTOR_MAGIC = b"PK\x07\x08"

_FLAG_ENCRYPTED = 0x0001
_FLAG_DESCRIPTOR = 0x0008
_FLAG_UTF8 = 0x0800
_SYSTEM_MSDOS = 0
_SYSTEM_UNIX = 3
_SYSTEM_UNKNOWN = -1  # local headers do not record the system that made the archive
_ZIP64_EXTRA = 0x0001
_STORED, _DEFLATED, _BZIP2, _LZMA, _ZSTD, _XZ, _AES = 0, 8, 12, 14, 93, 95, 99
_METHODS = {
    0: "stored",
    1: "shrink",
    6: "implode",
    8: "deflate",
    9: "deflate64",
    12: "bzip2",
    14: "lzma",
    93: "zstd",
    95: "xz",
    96: "jpeg",
    97: "wavpack",
    98: "ppmd",
    99: "aes",
}
_DECODABLE = frozenset({_STORED, _DEFLATED, _BZIP2, _LZMA, _ZSTD, _XZ})
_MAX_VERSION = 100
_SYMLINK_MAX = 4096
_FEED = 64 * 1024
_TIME_EVERY = 256
_DECODE_ERRORS: tuple[type[Exception], ...] = (*DECODE_ERRORS, zlib.error, zstd.ZstdError)


@dataclass(frozen=True, slots=True)
class _Member:
    """What one member says about itself, from the central directory or a local header."""

    name: bytes
    method: int
    flags: int
    crc: int
    compressed: int
    size: int
    header: int
    system: int
    attributes: int


class ZipHandler(Handler):
    """ZIP archive (stored, deflate, bzip2, lzma, xz, zstd; zip64)."""

    name = "zip"
    magics = (LOCAL_MAGIC,)

    def probe(self, data: memoryview) -> Detection | None:
        """Check that a plausible local file header starts here; the extent needs the end record."""
        if len(data) < _LOCAL.size:
            return None
        _, version, _, method, _, _, _, _, _, name_len, _ = _LOCAL.unpack_from(data)
        # The high byte of "version needed" names the host system (Dahua writes 0x0314); only the
        # low byte is the version.
        if version & 0xFF > _MAX_VERSION or method not in _METHODS or name_len == 0:
            return None
        if _LOCAL.size + name_len > len(data):
            return None
        return Detection("zip archive")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List the members; the extent runs to the end of the end-of-central-directory record."""
        return list_members(data, out)


def list_members(
    data: memoryview,
    out: Output,
    *,
    payload: bool = False,
    local_magics: tuple[bytes, ...] = (LOCAL_MAGIC,),
    claims_for: Callable[[bytes], tuple[Claim, ...]] | None = None,
) -> int | None:
    r"""List the members of the zip archive that starts at `data[0]` into `out`.

    For vendor containers built on zip (the Dahua "DH" bin, the Xiongmai General bin): their
    handlers recognise the container and call this to list it.

    Args:
        data: The archive, possibly followed by other bytes (the end record bounds it).
        out: Where members and issues go. Stored members are `Slice`s of `data`; compressed ones
            are `Lazy` with `compressed_size`, decoded with a bound on the output.
        payload: Members are firmware payloads (carved, counted for coverage) rather than
            ordinary archive files.
        local_magics: Local-file-header signatures to accept; Dahua writes `DH\x03\x04`
            where zip has `PK\x03\x04`.
        claims_for: Maps a raw member name to what it claims the member is (e.g. a
            `.cramfs.img` suffix claims cramfs), so the engine can check the label.

    Returns:
        The archive's extent: the end of its end-of-central-directory record (and comment), or
        of the last member a local-header walk could read when the central directory is missing.
    """
    found = _find_end(data)
    if found is None:
        out.issue(IssueKind.TRUNCATED, "no end-of-central-directory record; listed the local file headers")
        return _walk_local(data, out, payload, local_magics, claims_for)
    end, listed, _ = found
    if listed > out.room():
        # zipfile would hold every entry of the directory at once; the local headers are read one by
        # one, up to the file limit.
        _walk_local(data, out, payload, local_magics, claims_for)
        return end
    try:
        members = _central(data[:end])
    except (zipfile.BadZipFile, NotImplementedError, ValueError, struct.error, OSError) as exc:
        out.issue(
            IssueKind.MALFORMED,
            f"central directory unreadable ({type(exc).__name__}: {exc}); listed the local file headers",
        )
        _walk_local(data, out, payload, local_magics, claims_for)
        return end
    _emit_central(data, members, out, payload=payload, local_magics=local_magics, claims_for=claims_for)
    return end


def central_names(data: memoryview) -> list[bytes] | None:
    """The names of the file members the central directory of the zip at `data[0]` lists, as stored.

    Read straight from the directory's records, without building zipfile's objects: a vendor
    handler's probe needs only the names, and a directory can list a million members. None when the
    archive has no central directory this reader accepts.
    """
    found = _find_end(data)
    if found is None:
        return None
    pos, stop = found[2]
    names = []
    while pos + _CENTRAL.size <= stop:
        fields = _CENTRAL.unpack_from(data, pos)
        start = pos + _CENTRAL.size
        name = bytes(data[start : start + fields[10]])
        if not name.endswith(b"/"):
            names.append(name)
        pos = start + fields[10] + fields[11] + fields[12]
    return names


def _find_end(data: memoryview) -> tuple[int, int, tuple[int, int]] | None:
    """The end of the archive's end record, its directory's entries, where its records start and stop.

    The first record after the start whose central directory sits right before it and whose
    members start at offset 0 ends this archive; a record of a zip stored inside a member, or of
    an unrelated zip further on, fails that test.
    """
    for match in _EOCD_SEARCH.finditer(data):
        pos = match.start()
        if pos + _EOCD.size > len(data):
            return None
        _, disk, _, _, entries, cd_size, cd_offset, comment = _EOCD.unpack_from(data, pos)
        cd_end = pos
        found = (
            _zip64_directory(data, pos) if 0xFFFFFFFF in (cd_size, cd_offset) or entries == 0xFFFF else None
        )
        if found is not None:
            entries, cd_size, cd_offset, cd_end = found
        elif disk:
            continue
        listed = _directory_fits(data, cd_end, cd_size, cd_offset, entries)
        if listed:
            return min(pos + _EOCD.size + int(comment), len(data)), listed, (cd_end - cd_size, cd_end)
    return None


def _zip64_directory(data: memoryview, eocd: int) -> tuple[int, int, int, int] | None:
    """Read the zip64 end record that precedes the locator before `eocd`; None when absent."""
    locator = eocd - _EOCD64_LOCATOR.size
    record = locator - _EOCD64.size
    if record < 0 or bytes(data[locator : locator + 4]) != _EOCD64_LOCATOR_MAGIC:
        return None
    fields = _EOCD64.unpack_from(data, record)
    if fields[0] != _EOCD64_MAGIC:
        return None
    entries, cd_size, cd_offset = fields[7], fields[8], fields[9]
    return entries, cd_size, cd_offset, record


def _directory_fits(data: memoryview, cd_end: int, cd_size: int, cd_offset: int, entries: int) -> int:
    """The entries of a central directory of `cd_size` bytes ending at `cd_end`; 0 when it does not fit.

    It fits when it lists a member at offset 0.
    """
    start = cd_end - cd_size
    if start < 0:
        return 0
    if entries == 0 or cd_size == 0:
        return 0  # an empty archive lists no member at offset 0, where a local header was found
    # Offsets are relative to where the writer started the file; a stub before the archive
    # (a self-extractor) shifts them all by the same amount, which zipfile also allows for.
    shift = start - cd_offset
    pos, lowest, count = start, None, 0
    while pos + _CENTRAL.size <= cd_end:
        fields = _CENTRAL.unpack_from(data, pos)
        if fields[0] != _CENTRAL_MAGIC:
            return 0
        count += 1
        header = fields[16]
        if header != 0xFFFFFFFF:
            lowest = header if lowest is None else min(lowest, header)
        pos += _CENTRAL.size + fields[10] + fields[11] + fields[12]
    return count if lowest is None or lowest + shift == 0 else 0


def _central(archive: memoryview) -> list[_Member]:
    """Read the central directory with zipfile."""
    with zipfile.ZipFile(ViewFile(archive)) as zf:
        return [
            _Member(
                name=_raw_name(info),
                method=info.compress_type,
                flags=info.flag_bits,
                crc=info.CRC,
                compressed=info.compress_size,
                size=info.file_size,
                header=info.header_offset,
                system=info.create_system,
                attributes=info.external_attr,
            )
            for info in zf.infolist()
        ]


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    """The name's bytes as stored: zipfile decoded them as UTF-8 (flag 11) or cp437, both reversible."""
    return info.orig_filename.encode("utf-8" if info.flag_bits & _FLAG_UTF8 else "cp437")


def _emit_central(
    data: memoryview,
    members: list[_Member],
    out: Output,
    *,
    payload: bool,
    local_magics: tuple[bytes, ...],
    claims_for: Callable[[bytes], tuple[Claim, ...]] | None,
) -> None:
    """Add the members the central directory lists, after checking where their data lies."""
    spans: dict[int, tuple[int, int]] = {}
    broken: list[str] = []
    for index, member in enumerate(members):
        if not _is_dir(member) and not member.flags & _FLAG_ENCRYPTED:
            start = _data_start(data, member.header, local_magics)
            if isinstance(start, str):
                broken.append(f"member '{_shown(member.name)}': {start}")
                spans[index] = (-1, -1)
            else:
                spans[index] = (start, start + member.compressed)
    if broken:
        more = f" (and {len(broken) - 1} more like it)" if len(broken) > 1 else ""
        out.issue(IssueKind.MALFORMED, f"{broken[0]}{more}; recorded without content")
    overlapping = _overlapping(members, spans)
    if overlapping:
        out.issue(
            IssueKind.MALFORMED,
            f"{len(overlapping)} members share bytes with another member (the overlapping zip bomb "
            "pattern); they are recorded without content",
        )
    for index, member in enumerate(members):
        if index % _TIME_EVERY == 0:
            out.budget.check_time()
        start, stop = spans.get(index, (-1, -1))
        unreadable = start < 0 and not _is_dir(member) and not member.flags & _FLAG_ENCRYPTED
        if index in overlapping or unreadable:
            _withhold(out, member)
        else:
            _emit(data, member, (start, stop), out, payload=payload, claims_for=claims_for)


def _overlapping(members: list[_Member], spans: dict[int, tuple[int, int]]) -> set[int]:
    """Indices of members whose header or data lies inside an earlier member's (by offset)."""
    ordered = sorted((members[i].header, stop, i) for i, (start, stop) in spans.items() if start >= 0)
    flagged: set[int] = set()
    reach = -1
    for header, stop, index in ordered:
        if header < reach:
            flagged.add(index)
        else:
            reach = stop
    return flagged


def _data_start(data: memoryview, header: int, local_magics: tuple[bytes, ...]) -> int | str:
    """Offset of a member's data after its local header, or why the header is not usable."""
    if header < 0 or header + _LOCAL.size > len(data):
        return f"local header at {header} lies outside the archive"
    fields = _LOCAL.unpack_from(data, header)
    if fields[0] not in local_magics:
        return f"no local file header at {header}"
    return header + _LOCAL.size + int(fields[9]) + int(fields[10])


def _emit(
    data: memoryview,
    member: _Member,
    span: tuple[int, int],
    out: Output,
    *,
    payload: bool,
    claims_for: Callable[[bytes], tuple[Claim, ...]] | None,
) -> None:
    """Add one member: a directory, a symlink, a file, or a recorded entry without content."""
    start, stop = span
    name = member.name
    windows = member.system == _SYSTEM_MSDOS
    mode = (member.attributes >> 16) & 0o7777 if member.system == _SYSTEM_UNIX else None
    if _is_dir(member):
        out.directory(name, mode=mode)
        return
    if member.flags & _FLAG_ENCRYPTED or member.method == _AES:
        out.issue(IssueKind.ENCRYPTED, f"member '{_shown(name)}' is encrypted; recorded without content")
        _withhold(out, member)
        return
    if member.method not in _DECODABLE:
        method = _METHODS.get(member.method, str(member.method))
        out.issue(
            IssueKind.UNSUPPORTED,
            f"member '{_shown(name)}' uses compression method {member.method} ({method}); "
            "recorded without content",
        )
        _withhold(out, member)
        return
    if stop > len(data):
        out.issue(
            IssueKind.TRUNCATED,
            f"member '{_shown(name)}' needs {stop - start} bytes; only {max(len(data) - start, 0)} are there",
        )
        stop = len(data)
    raw = data[start:stop]
    if member.method == _STORED:
        if member.size != member.compressed:
            out.issue(
                IssueKind.MALFORMED,
                f"stored member '{_shown(name)}' says {member.size} bytes but occupies {member.compressed}",
            )
        if len(raw) == member.compressed and zlib.crc32(raw) != member.crc:
            out.issue(IssueKind.CHECKSUM, f"member '{_shown(name)}': CRC-32 does not match")
        content: Slice | Lazy = Slice(start, len(raw))
    else:
        content = Lazy(
            size=member.size,
            read=partial(_read, raw, member.method, member.size, member.crc),
            compressed_size=member.compressed,
            identity=_identity(raw, member),
        )
    if mode is not None and stat.S_ISLNK(member.attributes >> 16):
        try:
            target = _read(raw, member.method, member.size, None, _SYMLINK_MAX)
        except ValueError as exc:
            out.issue(IssueKind.MALFORMED, f"symlink '{_shown(name)}': {exc}")
            _withhold(out, member)
            return
        out.link(name, NodeKind.SYMLINK, target, mode=mode)
        return
    claims = claims_for(name) if claims_for is not None else ()
    out.file(name, content, mode=mode, payload=payload, claims=claims, backslash_separates=windows)


def _identity(raw: memoryview, member: _Member) -> bytes:
    """What determines a compressed member's content: its method, size, CRC-32 and stored bytes."""
    head = f"zip\x00{member.method}\x00{member.size}\x00{member.crc}\x00".encode()
    digest = hashlib.sha256(head)
    digest.update(raw)
    return digest.digest()


def _withhold(out: Output, member: _Member) -> None:
    """Record a file whose content cannot be given (encrypted, unsupported, overlapping, unreadable)."""
    mode = (member.attributes >> 16) & 0o7777 if member.system == _SYSTEM_UNIX else None
    windows = member.system == _SYSTEM_MSDOS
    out.entries.append(Entry(member.name, NodeKind.FILE, None, mode, backslash_separates=windows))


def _is_dir(member: _Member) -> bool:
    return member.name.endswith(b"/") or (member.system == _SYSTEM_MSDOS and member.name.endswith(b"\\"))


def _read(raw: memoryview, method: int, size: int, crc: int | None, n: int | None) -> bytes:
    """Decode at most `n` (else `size`) first bytes of a member; check the CRC when all was decoded."""
    want = size if n is None else max(0, min(n, size))
    if method == _STORED:
        return bytes(raw[:want])
    out = bytearray()
    fed = 0
    try:
        decomp, stream = _decoder(raw, method, size)
        while len(out) < want and not decomp.eof:
            piece = b""
            if decomp.needs_input:
                if fed >= len(stream):
                    break
                piece = bytes(stream[fed : fed + _FEED])
                fed += len(piece)
            chunk = decomp.decompress(piece, max_length=want - len(out))
            if not chunk and not piece:
                break
            out += chunk
    except _DECODE_ERRORS as exc:
        raise ValueError(f"{_METHODS[method]} data broken after {len(out)} bytes: {exc}") from exc
    if crc is not None and want == size and len(out) == size and zlib.crc32(out) != crc:
        raise ValueError("CRC-32 of the decoded member does not match the archive")
    return bytes(out)


def _decoder(raw: memoryview, method: int, size: int) -> tuple[Decompressor, memoryview]:
    """A fresh bounded decompressor for `method`, and the part of `raw` it reads."""
    if method == _DEFLATED:
        return ZlibStream(-15), raw
    if method == _BZIP2:
        return bz2.BZ2Decompressor(), raw
    if method == _XZ:
        return lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=DECODER_MEMORY), raw
    if method == _ZSTD:
        return zstd.ZstdDecompressor(), raw
    return _lzma_raw(raw, size)


def _lzma_raw(raw: memoryview, size: int) -> tuple[Decompressor, memoryview]:
    """Zip's lzma: version (2), properties size (2), LZMA1 properties (lc/lp/pb byte, dictionary size).

    A raw LZMA1 decoder takes no memory limit, so the dictionary is cut to what the member can
    need: no match reaches further back than the member's own declared size.
    """
    if len(raw) < 9:
        raise ValueError("lzma member header is truncated")
    (props_size,) = struct.unpack_from("<H", raw, 2)
    if props_size != 5:
        raise ValueError(f"lzma member properties are {props_size} bytes, not 5")
    bits, dict_size = struct.unpack_from("<BI", raw, 4)
    if bits >= 9 * 5 * 5:
        raise ValueError("lzma member properties are invalid")
    pb, rest = divmod(bits, 45)
    lp, lc = divmod(rest, 9)
    dict_size = max(4096, min(dict_size, size, DECODER_MEMORY))
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}]
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters), raw[9:]


def _walk_local(
    data: memoryview,
    out: Output,
    payload: bool,
    local_magics: tuple[bytes, ...],
    claims_for: Callable[[bytes], tuple[Claim, ...]] | None,
) -> int | None:
    """List members from their local headers, front to back; return where the last one ends."""
    pos = 0
    count = 0
    while pos + _LOCAL.size <= len(data) and bytes(data[pos : pos + 4]) in local_magics:
        if count % _TIME_EVERY == 0:
            out.budget.check_time()
        count += 1
        fields = _LOCAL.unpack_from(data, pos)
        flags, method, crc, compressed, size, name_len, extra_len = (fields[2], fields[3], *fields[6:])
        name_at = pos + _LOCAL.size
        name = bytes(data[name_at : name_at + name_len])
        start = name_at + name_len + extra_len
        if start > len(data):
            out.issue(IssueKind.TRUNCATED, f"local header of '{_shown(name)}' is cut off")
            break
        if 0xFFFFFFFF in (compressed, size):
            size, compressed = _zip64_sizes(data[name_at + name_len : start], size, compressed)
        member = _Member(name, method, flags, crc, compressed, size, pos, _SYSTEM_UNKNOWN, 0)
        if flags & _FLAG_DESCRIPTOR and compressed == 0:
            out.issue(
                IssueKind.UNSUPPORTED,
                f"member '{_shown(name)}' keeps its sizes after its data and the central directory "
                "is missing; the walk stops here",
            )
            _withhold(out, member)
            return None
        _emit(data, member, (start, start + compressed), out, payload=payload, claims_for=claims_for)
        pos = start + compressed
        if flags & _FLAG_DESCRIPTOR:
            pos += 16 if bytes(data[pos : pos + 4]) == _DESCRIPTOR_MAGIC else 12
    if count == 0:
        return None
    return min(pos, len(data))


def _zip64_sizes(extra: memoryview, size: int, compressed: int) -> tuple[int, int]:
    """Apply a local header's zip64 extra field (uncompressed, then compressed size)."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == _ZIP64_EXTRA and length >= 16 and pos + 20 <= len(extra):
            size, compressed = struct.unpack_from("<QQ", extra, pos + 4)
            return int(size), int(compressed)
        pos += 4 + length
    return size, compressed


def _shown(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


HANDLER = ZipHandler()
