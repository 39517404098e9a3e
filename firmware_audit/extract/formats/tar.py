"""tar archives (POSIX ustar, pax, GNU), read in place with the stdlib `tarfile`.

Compressed tars (`.tar.gz`, ...) need nothing here: the stream handlers decompress and the payload
is recognised as tar. Member data is stored plainly, so members are `Slice`s of the input. Old V7
tars have no magic to anchor a search on and are not recognised.
"""

from __future__ import annotations

import tarfile

from firmware_audit.extract.formats.base import Detection, Entry, Handler, NodeKind, Output, Slice
from firmware_audit.extract.viewfile import ViewFile
from firmware_audit.model import IssueKind

_BLOCK = 512
_MAGIC_AT = 257
_CHECKSUM = slice(148, 156)
_MAX_PAX = 32 * 1024
"""Largest pax extended header handed to `tarfile` (see `_oversized_pax`)."""
_TIME_EVERY = 256
_SPECIAL = {
    tarfile.CHRTYPE: NodeKind.CHAR_DEVICE,
    tarfile.BLKTYPE: NodeKind.BLOCK_DEVICE,
    tarfile.FIFOTYPE: NodeKind.FIFO,
}


class TarHandler(Handler):
    """ustar / GNU / pax tar archive."""

    name = "tar"
    magics = (b"ustar",)
    magic_offset = _MAGIC_AT

    def probe(self, data: memoryview) -> Detection | None:
        """Check the ustar magic and the header checksum of the first block."""
        if len(data) < _BLOCK or bytes(data[_MAGIC_AT : _MAGIC_AT + 5]) != b"ustar":
            return None
        if not _checksum_ok(bytes(data[:_BLOCK])):
            return None
        gnu = bytes(data[_MAGIC_AT : _MAGIC_AT + 8]) == b"ustar  \0"
        return Detection("GNU tar archive" if gnu else "POSIX tar archive")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List the members as slices; the extent ends after the two zero blocks that close the archive."""
        refused = _refuse_pax(data, 0, out)  # opening the archive reads the first member already
        if refused is not None:
            return refused
        try:
            archive = tarfile.open(  # noqa: SIM115  (closed by the with below)
                fileobj=ViewFile(data), mode="r:", encoding="utf-8", errors="surrogateescape"
            )
        except tarfile.TarError as exc:
            out.issue(IssueKind.MALFORMED, f"first header unreadable: {exc}")
            return None
        truncated = False
        with archive:
            count = 0
            while True:
                if count % _TIME_EVERY == 0:
                    out.budget.check_time()
                # The first member was read when the archive was opened (and checked before that).
                refused = _refuse_pax(data, archive.offset, out) if count else None
                if refused is not None:
                    return refused
                try:
                    info = archive.next()
                except tarfile.TarError as exc:
                    if "unexpected end of data" in str(exc):
                        if not truncated:
                            out.issue(IssueKind.TRUNCATED, "the archive ends inside a member's data")
                        return len(data)
                    out.issue(
                        IssueKind.MALFORMED,
                        f"header unreadable ({exc}); the listing stops there",
                        archive.offset,
                    )
                    return archive.offset
                if info is None:
                    break
                count += 1
                truncated = _member(info, data, out) or truncated
            end = archive.offset
        return _end(data, end, out)


def _member(info: tarfile.TarInfo, data: memoryview, out: Output) -> bool:
    """Add one member; return True when its data is cut off by the end of the input."""
    name = info.name.encode("utf-8", "surrogateescape")
    mode = info.mode & 0o7777
    if info.isdir():
        if name.strip(b"./"):  # `.` is the archive's own root: nothing to record
            out.directory(name, mode=mode)
    elif info.issym():
        out.link(name, NodeKind.SYMLINK, info.linkname.encode("utf-8", "surrogateescape"), mode=mode)
    elif info.islnk():
        out.link(name, NodeKind.HARDLINK, info.linkname.encode("utf-8", "surrogateescape"), mode=mode)
    elif info.type in _SPECIAL:
        out.special(name, _SPECIAL[info.type], mode=mode)
    elif info.issparse():
        out.issue(
            IssueKind.UNSUPPORTED,
            f"sparse member '{info.name}' is recorded without content",
        )
        out.entries.append(Entry(name, NodeKind.FILE, None, mode))
    else:
        # Regular files, and (as POSIX says) any type a reader does not know.
        start = info.offset_data
        length = min(info.size, max(len(data) - start, 0))
        out.file(name, Slice(start, length), mode=mode)
        if length < info.size:
            out.issue(
                IssueKind.TRUNCATED,
                f"member '{info.name}' says {info.size} bytes; only {length} are there",
                start,
            )
            return True
    return False


def _end(data: memoryview, end: int, out: Output) -> int:
    """Extent after the last member: two zero blocks close a tar; report when they are missing."""
    closing = bytes(data[end : end + 2 * _BLOCK])
    zeros = len(closing) - len(closing.lstrip(b"\0"))
    if zeros >= 2 * _BLOCK:
        return end + 2 * _BLOCK
    if zeros >= _BLOCK:
        out.issue(IssueKind.MALFORMED, "only one of the two zero blocks that end a tar archive", end)
        return end + _BLOCK
    out.issue(
        IssueKind.TRUNCATED,
        "no zero blocks after the last member; the archive is taken to end there",
        end,
    )
    return end


def _refuse_pax(data: memoryview, offset: int, out: Output) -> int | None:
    """Report an oversized pax header at `offset`; return where it ends (the listing stops there)."""
    oversized = _oversized_pax(data, offset)
    if oversized is None:
        return None
    out.issue(
        IssueKind.UNSUPPORTED,
        f"pax header of {oversized} bytes not read (more than {_MAX_PAX}); the listing stops there",
        offset,
    )
    return min(offset + 512 + -(-oversized // 512) * 512, len(data))


def _oversized_pax(data: memoryview, offset: int) -> int | None:
    """The size of a pax header at `offset` when it is too big to hand to `tarfile`, else None.

    Python's `tarfile` before 3.12.6 / 3.11.10 parses pax headers in quadratic time (CVE-2024-6232:
    40 KB of digits take a second, 1 MB a quarter of an hour); real pax headers hold a few paths and
    attributes, far below the cap.
    """
    header = bytes(data[offset : offset + 512])
    if len(header) < 512 or header[156:157] not in {b"x", b"g", b"X"}:
        return None
    field = header[124:136].strip(b" \0")
    try:
        size = int(field, 8) if field else 0
    except ValueError:
        return None
    return size if size > _MAX_PAX else None


def _checksum_ok(header: bytes) -> bool:
    """The header checksum: the sum of its bytes with the checksum field read as spaces."""
    field = header[_CHECKSUM].split(b"\0", 1)[0].strip(b" ")
    try:
        said = int(field, 8)
    except ValueError:
        return False
    blanked = header[: _CHECKSUM.start] + b" " * 8 + header[_CHECKSUM.stop :]
    unsigned = sum(blanked)
    signed = sum(b - 256 if b > 127 else b for b in blanked)  # some old writers summed signed chars
    return said in {unsigned, signed}


HANDLER = TarHandler()
