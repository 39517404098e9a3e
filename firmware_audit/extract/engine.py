"""The unpacking engine: identify by content, carve, recurse within limits, account for every byte."""

from __future__ import annotations

import hashlib
import mmap
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from firmware_audit.extract import magics
from firmware_audit.extract.entropy import shannon
from firmware_audit.extract.formats import HANDLERS, linux, tplink
from firmware_audit.extract.formats.base import (
    Claim,
    Content,
    Detection,
    Entry,
    Handler,
    Lazy,
    NodeKind,
    Output,
    Slice,
)
from firmware_audit.extract.limits import Budget, LimitExceeded, Limits
from firmware_audit.extract.mtdparts import Table, find_tables
from firmware_audit.extract.names import CONTAINER_SEP, link_escapes, member_path, segment
from firmware_audit.extract.tree import FileTree, Hop, Node
from firmware_audit.extract.warned import caught_warnings
from firmware_audit.model import Coverage, ImageInfo, Issue, IssueKind, Location, UnexplainedRegion

HEAD_SIZE = 64 * 1024
"""Bytes read from a lazy file whose head holds a magic, for the handler's probe, before reading it whole."""

_MIN_PARTITION_FLASH = 512 * 1024
_GLOBAL_LIMITS = frozenset({"bytes", "files", "time"})
_MIN_FILL = 64
"""A run of 0x00 or 0xFF at least this long is padding (erased flash, alignment), not content."""
_WINDOW = 1024 * 1024
"""Bytes of a payload searched for magics at a time."""
_FALLBACKS = tuple(h for h in HANDLERS if not h.magics)
_STREAMS = frozenset({"gzip", "bzip2", "xz", "lzma", "lz4", "zstd", "carve"})
"""Hops that pass a payload on without saying what it is: compressed streams, and carving."""


# One expression per fill byte, written as a literal prefix: the regex engine then skips ahead to each
# candidate run, where `\x00{64,}|\xff{64,}` tried both branches at every byte (7 s on 32 MB).
_FILLS = tuple(
    re.compile(re.escape(bytes([fill]) * _MIN_FILL) + re.escape(bytes([fill])) + b"*")
    for fill in (0x00, 0xFF)
)
_PAD = magics.REACH
"""How far past a window a structure's magic can lie (ext's sits at 0x438) or run on."""

# Names that labels use for formats, mapped to the handler names that content identification gives.
_FORMAT_ALIASES = {"jffs2": "jffs2", "squashfs": "squashfs", "cramfs": "cramfs", "ubifs": "ubi", "ubi": "ubi"}


@dataclass(slots=True)
class _Region:
    start: int
    length: int
    handler: Handler
    detection: Detection
    out: Output


@dataclass(slots=True)
class _State:
    limits: Limits
    budget: Budget
    nodes: dict[str, Node] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    """What each opened container's header said, by path (the image's own under "")."""
    ranges: dict[tuple[int, int], str] = field(default_factory=dict)
    """Payloads read from the image's memory, by (address, length): the path that opened them."""
    issues: list[Issue] = field(default_factory=list)
    unexplained: list[UnexplainedRegion] = field(default_factory=list)
    unexplained_image_bytes: float = 0.0
    stopped: dict[str, int] = field(default_factory=dict)
    suffixes: dict[str, int] = field(default_factory=dict)
    """The last `~N` given to each path that was taken."""

    def issue(self, kind: IssueKind, path: str, message: str, offset: int | None = None) -> None:
        self.issues.append(Issue(kind=kind, location=Location(path=path, offset=offset), message=message))

    def limit(self, exc: LimitExceeded, path: str) -> None:
        """Record a limit once; later branches stopped by the same global limit are only counted."""
        if exc.limit in _GLOBAL_LIMITS and exc.limit in self.stopped:
            self.stopped[exc.limit] += 1
            return
        self.stopped.setdefault(exc.limit, 0)
        self.issue(
            IssueKind.LIMIT, path, f"{exc.limit} limit: {exc.message}; this branch was not unpacked further"
        )


def unpack(
    image: str | os.PathLike[str] | bytes, *, limits: Limits | None = None, name: str | None = None
) -> FileTree:
    """Unpack a firmware image in memory into a read-only `FileTree`.

    Every payload is identified by its content, containers are opened recursively within `limits`,
    and every byte of the image is either explained or listed in the tree's coverage. Problems never
    raise: they are the tree's `issues`.

    Args:
        image: A path to the image, or its bytes.
        limits: Bounds on depth, bytes, files, ratio and time (defaults: `Limits()`).
        name: Display name of the image (defaults to the file name).
    """
    limits = limits or Limits()
    if isinstance(image, bytes):
        data: memoryview = memoryview(image)
        path_text, display = "", name or "image"
    else:
        path = Path(image)
        data = _map(path)
        path_text, display = str(path), name or path.name
    info = ImageInfo(path=path_text, name=display, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    state = _State(limits, Budget(limits))
    root = Node(
        path="",
        name=display.encode(),
        kind=NodeKind.FILE,
        size=len(data),
        mode=None,
        link=None,
        provenance=(),
        payload=True,
        content=data,
    )
    if not len(data):
        state.issue(IssueKind.EMPTY, "", "the image is empty")
    else:
        root = _Unpacker(state).expand_payload(root, data, depth=0, weight=1.0, claims=())
    for kind, count in sorted(state.stopped.items()):
        if count:
            state.issue(
                IssueKind.LIMIT, "", f"{count} more branches were not unpacked because of the {kind} limit"
            )
    explained = max(0, len(data) - round(state.unexplained_image_bytes))
    coverage = Coverage(
        bytes_total=len(data),
        bytes_explained=explained,
        explained_ratio=round(explained / len(data), 6) if len(data) else 0.0,
        unexplained=tuple(state.unexplained),
    )
    return FileTree(image=info, root=root, nodes=state.nodes, issues=tuple(state.issues), coverage=coverage)


def _map(path: Path) -> memoryview:
    """Map the image read-only; the OS pages it in as handlers look at it."""
    with path.open("rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return memoryview(b"")
        return memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))


class _Unpacker:
    def __init__(self, state: _State) -> None:
        self.s = state

    # -- payloads: carve ---------------------------------------------------------------------------

    def expand_payload(
        self, node: Node, data: memoryview, *, depth: int, weight: float, claims: tuple[Claim, ...]
    ) -> Node:
        """Carve a payload: partitions, then known formats at any offset, then the gaps between them."""
        kernel = self._kernel(node, data)
        # A kernel's command line names the flash's partitions; the kernel itself is no flash.
        tables = [] if kernel is not None else self._partition_tables(node, data)
        if tables:
            return self._expand_partitions(node, data, tables[0], depth=depth, weight=weight)
        regions = self._carve(node, data, depth=depth) or self._fallback(node, data, depth=depth)
        if not (regions and regions[0].start > 0):
            kernel = None
        if kernel is not None:
            # The kernel's own code and data explain the bytes around what it embeds (an initramfs).
            node = _replace(node, format=linux.RAW_KERNEL.name, label=kernel)
        else:
            self._account_gaps(node, data, regions, weight)
        if len(regions) == 1 and regions[0].start == 0:
            region = regions[0]
            node = _replace(node, format=region.handler.name, label=region.detection.label)
            self._add(node)
            claims = self._check_claims(node, region.handler, claims)
            self._attach(node, region, data, depth=depth, weight=weight, claims=claims)
            return node
        if kernel is None:
            node = _replace(node, format="carved" if regions else None)
        self._add(node)
        if not regions or regions[0].start != 0:
            self._unmatched_claims(node, claims)
        for region in regions:
            rname = f"{region.start:#010x}.{region.handler.name}"
            rpath = self._unique(f"{_prefix(node)}{rname}", NodeKind.FILE)
            rnode = Node(
                path=rpath,
                name=rname.encode(),
                kind=NodeKind.FILE,
                size=region.length,
                mode=None,
                link=None,
                provenance=(*node.provenance, Hop(node.path, "carve", region.start)),
                format=region.handler.name,
                label=region.detection.label,
                payload=True,
                content=data[region.start : region.start + region.length],
            )
            self._add(rnode)
            self._attach(rnode, region, data, depth=depth, weight=weight, claims=())
        return node

    def _kernel(self, node: Node, data: memoryview) -> str | None:
        """The label of a payload that is a kernel embedding other streams, or None.

        A kernel is known by its banner only where it can be nothing else: in what a zImage, a
        kernel uImage or the kernel member of a TP-Link image decompresses to
        (`linux.RawKernelHandler` otherwise claims a payload only when nothing was found in it: a
        flash dump holding an uncompressed kernel is no kernel). Such a kernel often embeds its
        initramfs, which carving finds; the rest of it is the kernel's code.
        """
        hops = node.provenance
        for place in range(len(hops) - 1, -1, -1):
            hop = hops[place]
            if hop.format in _STREAMS:
                continue
            # the member of that container the payload comes from
            member = hops[place + 1].container if place + 1 < len(hops) else node.path
            tplink_kernel = _prefix_path(hop.container) + tplink.KERNEL
            kernel_image = (
                hop.format == "zimage"
                or (hop.format == "uimage" and " kernel," in self.s.labels.get(hop.container, ""))
                or (hop.format == tplink.HANDLER.name and member == tplink_kernel)
            )
            if not kernel_image:
                return None
            detection = _probe(linux.RAW_KERNEL, data)
            return detection.label if detection is not None else None
        return None

    def _partition_tables(self, node: Node, data: memoryview) -> list[Table]:
        """Tables that fit this payload; none inside a partition (a kernel repeats the flash's table)."""
        if any(hop.format == "mtdparts" for hop in node.provenance):
            return []
        if len(data) < _MIN_PARTITION_FLASH or not _contains(data, b"mtdparts="):
            return []
        tables = []
        for table in find_tables(data, len(data)):
            end = max((p.offset + p.size for p in table.partitions), default=0)
            if table.problem is None and table.partitions and end <= len(data) and _ordered(table):
                tables.append(table)
                continue
            why = table.problem or f"does not fit the {len(data)} bytes here"
            self.s.issue(
                IssueKind.MALFORMED,
                node.path,
                f"partition table '{_shorten(table.text)}': {why}; ignored",
                table.found_at,
            )
        return tables

    def _expand_partitions(
        self, node: Node, data: memoryview, table: Table, *, depth: int, weight: float
    ) -> Node:
        node = _replace(node, format="mtdparts", label=f"flash with mtdparts={table.controller}")
        self._add(node)
        covered = 0
        for index, part in enumerate(table.partitions):
            if part.offset > covered:
                self._account_gap(node, data, covered, part.offset - covered, weight)
            covered = part.offset + part.size
            pname = f"mtd{index}-{segment(part.name.encode())}"
            ppath = self._unique(f"{_prefix(node)}{pname}", NodeKind.FILE)
            view = data[part.offset : part.offset + part.size]
            pnode = Node(
                path=ppath,
                name=pname.encode(),
                kind=NodeKind.FILE,
                size=part.size,
                mode=None,
                link=None,
                provenance=(*node.provenance, Hop(node.path, "mtdparts", part.offset)),
                payload=True,
                content=view,
            )
            try:
                self.s.budget.charge_file()
                self.s.budget.check_time()
            except LimitExceeded as exc:
                self.s.limit(exc, ppath)
                return node
            if part.size == 0:
                self._add(pnode)
                continue
            self.expand_payload(pnode, view, depth=depth, weight=weight, claims=())
        if covered < len(data):
            self._account_gap(node, data, covered, len(data) - covered, weight)
        return node

    def _carve(self, node: Node, data: memoryview, *, depth: int) -> list[_Region]:
        """Find known formats at any offset, window by window, skipping what a found one covers.

        Scanning in windows means a filesystem found at offset 0 that spans the whole payload costs
        one window of search, not a search of every magic through all of it; and a partial view is
        copied at most one window at a time.
        """
        regions: list[_Region] = []
        covered = pos = 0
        while pos < len(data):
            try:
                self.s.budget.check_time()
            except LimitExceeded as exc:
                self.s.limit(exc, node.path)
                return regions
            end = min(pos + _WINDOW, len(data))
            buf, base = _window(data, pos, end + _PAD)
            for at, handler in magics.in_window(buf, pos - base, end - base):
                start = at + base
                if start < covered:
                    continue
                region = self._try(node, handler, data, start, depth=depth)
                if region is None:
                    continue
                if len(regions) >= self.s.limits.max_carved:
                    message = f"more than {self.s.limits.max_carved} regions in one payload"
                    self.s.limit(LimitExceeded("carved", message), node.path)
                    return regions
                # A lone region at 0 is the payload itself, not a new entry: it is charged once a
                # second region makes it one.
                owed = _entries_owed(start, regions)
                try:
                    for _ in range(owed):
                        self.s.budget.charge_file()
                except LimitExceeded as exc:
                    # What was carved so far is kept; the rest of the payload is one unexplained gap.
                    self.s.limit(exc, node.path)
                    return regions
                regions.append(region)
                covered = start + region.length
            pos = max(end, covered)
        return regions

    def _fallback(self, node: Node, data: memoryview, *, depth: int) -> list[_Region]:
        """Try the handlers without magic (kernels, boot loaders, environments) where nothing matched."""
        for handler in _FALLBACKS:
            region = self._try(node, handler, data, 0, depth=depth)
            if region is not None:
                return [region]
        return []

    def _try(
        self, node: Node, handler: Handler, data: memoryview, start: int, *, depth: int
    ) -> _Region | None:
        view = data[start:]
        detection = _probe(handler, view)
        if detection is None:
            return None
        out = Output(self.s.budget)
        length = detection.length
        if depth >= self.s.limits.max_depth:
            self.s.limit(
                LimitExceeded("depth", f"{handler.name} nested deeper than {self.s.limits.max_depth}"),
                node.path,
            )
        else:
            extent = self._run_handler(node, handler, view if length is None else view[:length], out)
            if extent is not None:
                length = extent
        if length is None:
            if not out.entries:
                # Recognised but nothing came out: the bytes stay unexplained, the reasons must not vanish.
                for problem in out.problems:
                    at = start if problem.offset is None else start + problem.offset
                    self.s.issue(problem.kind, node.path, f"{handler.name}: {problem.message}", at)
                return None
            length = len(view)
        if length > len(view):
            out.issue(
                IssueKind.TRUNCATED,
                f"{handler.name} says it spans {length} bytes; only {len(view)} are there",
            )
            length = len(view)
        return _Region(start, max(length, 1), handler, detection, out)

    def _run_handler(self, node: Node, handler: Handler, view: memoryview, out: Output) -> int | None:
        """The handler's unpack; what it raises or warns becomes an issue of its output."""
        extent = None
        with caught_warnings() as warned:
            try:
                extent = handler.unpack(view, out)
            except LimitExceeded as exc:
                self.s.limit(exc, node.path)
            except Exception as exc:  # noqa: BLE001  (a library failing on hostile bytes is data)
                out.issue(IssueKind.PARSER_ERROR, f"{handler.name}: {type(exc).__name__}: {exc}")
        for message in warned:
            out.issue(IssueKind.PARSER_ERROR, f"a library warned: {message}")
        return extent

    def _account_gaps(self, node: Node, data: memoryview, regions: list[_Region], weight: float) -> None:
        covered = 0
        for region in regions:
            if region.start > covered:
                self._account_gap(node, data, covered, region.start - covered, weight)
            covered = region.start + region.length
        if covered < len(data):
            self._account_gap(node, data, covered, len(data) - covered, weight)

    def _account_gap(self, node: Node, data: memoryview, start: int, length: int, weight: float) -> None:
        """List the bytes of a gap that are not padding; runs of 0x00 or 0xFF are erased flash or fill."""
        if weight <= 0:
            return
        for piece_start, piece_length in _between_fills(data[start : start + length]):
            piece = data[start + piece_start : start + piece_start + piece_length]
            image_bytes = piece_length * weight
            self.s.unexplained_image_bytes += image_bytes
            self.s.unexplained.append(
                UnexplainedRegion(
                    location=Location(path=node.path, offset=start + piece_start),
                    length=piece_length,
                    image_bytes=round(image_bytes),
                    entropy=shannon(piece),
                )
            )

    # -- containers: attach members ------------------------------------------------------------------

    def _check_claims(self, node: Node, handler: Handler, claims: tuple[Claim, ...]) -> tuple[Claim, ...]:
        """Compare what labels said with what the content is; return the claims left for a wrapped payload.

        A wrapper (uImage, gzip) consumes the claims that name it and passes the other non-immediate
        ones on to the payload it wraps; anything else must match, and a mismatch is a lie in a label.
        """
        left = []
        for claim in claims:
            said = _FORMAT_ALIASES.get(claim.format, claim.format)
            if handler.name in {said, claim.format}:  # "ubifs" fits a UBI image or a bare UBIFS one
                continue
            if handler.wrapper and not claim.immediate:
                left.append(claim)
            else:
                self.s.issue(
                    IssueKind.MISLABELED,
                    node.path,
                    f"{claim.source} says {claim.format}; the content is {node.label or handler.name}",
                )
        return tuple(left)

    def _unmatched_claims(self, node: Node, claims: tuple[Claim, ...]) -> None:
        for claim in claims:
            self.s.issue(
                IssueKind.MISLABELED,
                node.path,
                f"{claim.source} says {claim.format}; the content is not a format firmware_audit recognises",
            )

    def _attach(
        self,
        node: Node,
        region: _Region,
        data: memoryview,
        *,
        depth: int,
        weight: float,
        claims: tuple[Claim, ...],
    ) -> None:
        for problem in region.out.problems:
            offset = None if problem.offset is None else region.start + problem.offset
            self.s.issue(problem.kind, node.path, f"{region.handler.name}: {problem.message}", offset)
        prefix = _prefix(node)
        hop = Hop(node.path, region.handler.name)
        base = data[region.start : region.start + region.length]
        payload_weights = _payload_weights(region, weight)
        inherited = claims if region.handler.wrapper else ()
        renamed = 0
        for entry, child_weight in zip(region.out.entries, payload_weights, strict=True):
            try:
                self.s.budget.check_time()
                self.s.budget.charge_file()
            except LimitExceeded as exc:
                self.s.limit(exc, node.path)
                break
            renamed += self._member(
                node,
                prefix,
                hop,
                entry,
                base,
                depth=depth + 1,
                weight=child_weight,
                claims=(*inherited, *entry.claims),
            )
        if renamed:
            self.s.issue(
                IssueKind.MALFORMED,
                node.path,
                f"{renamed} members repeat the name of an earlier member; each is kept as NAME~N "
                "(tools disagree on which copy counts)",
            )

    def _member(
        self,
        container: Node,
        prefix: str,
        hop: Hop,
        entry: Entry,
        base: memoryview,
        *,
        depth: int,
        weight: float,
        claims: tuple[Claim, ...],
    ) -> bool:
        """Add one member (and what it holds); return whether its name was taken and it was renamed."""
        mp = member_path(entry.name, backslash_separates=entry.backslash_separates)
        shown = entry.name.decode("utf-8", "backslashreplace")
        for problem in mp.problems:
            self.s.issue(IssueKind.UNSAFE_PATH, container.path, f"member '{shown}': {problem}")
        leaf = mp.segments[-1] if mp.segments else "payload"
        parent = self._ensure_dirs(prefix, mp.segments[:-1], hop)
        wanted = f"{parent}/{leaf}"
        path = self._unique(wanted, entry.kind)
        link = entry.link
        if link is not None and entry.kind is NodeKind.SYMLINK and link_escapes(mp.segments[:-1], link):
            self.s.issue(
                IssueKind.UNSAFE_PATH,
                path,
                f"symlink points outside its filesystem: {link.decode('utf-8', 'backslashreplace')}",
            )
        if link is not None and entry.kind is NodeKind.HARDLINK:
            target = member_path(link)
            if target.problems:
                self.s.issue(
                    IssueKind.UNSAFE_PATH,
                    path,
                    f"hard link points outside its container: {link.decode('utf-8', 'backslashreplace')}",
                )
        if entry.kind in {NodeKind.CHAR_DEVICE, NodeKind.BLOCK_DEVICE}:
            self.s.issue(IssueKind.UNSAFE_PATH, path, f"device node ({entry.kind}); recorded, never created")
        node = Node(
            path=path,
            name=entry.name,
            kind=entry.kind,
            size=0,
            mode=entry.mode,
            link=link,
            provenance=(*container.provenance, hop),
            payload=entry.payload,
        )
        if entry.kind is not NodeKind.FILE or entry.content is None:
            self._add(node)
        else:
            self._file(node, entry.content, base, depth=depth, weight=weight, claims=claims)
        return path != wanted

    def _file(
        self,
        node: Node,
        content: Content,
        base: memoryview,
        *,
        depth: int,
        weight: float,
        claims: tuple[Claim, ...],
    ) -> None:
        data: memoryview | None
        stored: memoryview | bytes | Lazy
        if isinstance(content, Slice):
            data = stored = base[content.offset : content.offset + content.length]
            size = len(data)
        elif isinstance(content, bytes):
            data = memoryview(content)
            stored, size = content, len(content)
        else:
            stored, size, data = content, content.size, None
            withheld = self._admit_lazy(node, content)
            if withheld is not None:
                self._add(_replace(node, size=size, withheld=withheld))
                return
        node = _replace(node, size=size, content=stored)
        if size == 0:
            self._add(node)
            return
        if node.payload:
            if data is None:
                data = self._materialize(node, None)
                if data is None:
                    return
            if isinstance(content, Slice) and self._opened_before(node, data):
                return
            self.expand_payload(node, data, depth=depth, weight=weight, claims=claims)
            return
        self._identify(node, data, depth=depth, claims=claims)

    def _opened_before(self, node: Node, data: memoryview) -> bool:
        """Record a payload that is the very memory of one opened before, unopened; True when it is.

        A container's table can point its items at one range again and again (a TOC1 package of 64
        items over the same bytes, nested: 64 to the fourth payloads); each would be carved anew.
        The same memory is the same bytes: it is opened once, and the others say where.
        """
        # never empty here (an empty file is added before): its first byte has an address
        first = self.s.ranges.setdefault(
            (np.frombuffer(data, dtype=np.uint8).ctypes.data, len(data)), node.path
        )
        if first == node.path:
            return False
        self._add(_replace(node, withheld=f"the same bytes as {first}, unpacked there"))
        self.s.issue(IssueKind.SUMMARISED, node.path, f"the same bytes as {first}; not unpacked again")
        return True

    def _admit_lazy(self, node: Node, content: Lazy) -> str | None:
        try:
            if content.compressed_size is not None:
                self.s.budget.check_ratio(content.size, content.compressed_size, node.path)
            self.s.budget.charge_bytes(content.size)
        except LimitExceeded as exc:
            self.s.limit(exc, node.path)
            return f"withheld by the {exc.limit} limit: {exc.message}"
        return None

    def _materialize(self, node: Node, limit: int | None) -> memoryview | None:
        assert isinstance(node.content, Lazy)
        try:
            return memoryview(node.content.read(limit))
        except Exception as exc:  # noqa: BLE001  (a library failing on hostile bytes is data)
            self.s.issue(IssueKind.PARSER_ERROR, node.path, f"cannot read: {type(exc).__name__}: {exc}")
            self._add(_replace(node, withheld=f"unreadable: {type(exc).__name__}: {exc}"))
            return None

    def _identify(
        self, node: Node, data: memoryview | None, *, depth: int, claims: tuple[Claim, ...]
    ) -> None:
        """Recognise an ordinary file's format at offset 0 only; add it, and open it if it is a container."""
        head = data
        if head is None:
            # Every magic ends within `magics.REACH` bytes: a file without one at its head (most
            # members of a filesystem) costs the decoding of those bytes only, not of `HEAD_SIZE`.
            head = self._materialize(node, magics.REACH)
            if head is not None and magics.at_head(head):
                head = self._materialize(node, HEAD_SIZE)
        if head is None:
            return
        for handler in magics.at_head(head):
            if _probe(handler, head) is None:
                continue
            if data is None:
                data = self._materialize(node, None)
                if data is None:
                    return
            region = self._try(node, handler, data, 0, depth=depth)
            if region is None:
                continue
            node = _replace(node, format=handler.name, label=region.detection.label)
            self._add(node)
            claims = self._check_claims(node, handler, claims)
            self._attach(node, region, data, depth=depth, weight=0.0, claims=claims)
            return
        self._add(node)

    def _ensure_dirs(self, prefix: str, segments: tuple[str, ...], hop: Hop) -> str:
        """Create the member's directories and return the path of the last one.

        A directory is renamed apart, with everything below it, when an earlier member put a
        non-directory (a symlink, say) on the way: nothing is ever placed through a link.
        """
        path = prefix.rstrip("/") if prefix != "/" else ""
        provenance: tuple[Hop, ...] | None = None
        for seg in segments:
            path = f"{path}/{seg}"
            existing = self.s.nodes.get(path)
            if existing is not None and existing.kind is NodeKind.DIRECTORY:
                continue
            if provenance is None:
                parent = self.s.nodes.get(prefix[: -len(CONTAINER_SEP)]) if prefix != "/" else None
                provenance = (*(parent.provenance if parent else ()), hop)
            if existing is not None:
                self.s.issue(
                    IssueKind.UNSAFE_PATH,
                    path,
                    f"a member path goes through this {existing.kind}; the member is kept apart",
                )
                path = self._unique(path, NodeKind.DIRECTORY)
            self._add(
                Node(
                    path=path,
                    name=seg.encode(),
                    kind=NodeKind.DIRECTORY,
                    size=0,
                    mode=None,
                    link=None,
                    provenance=provenance,
                )
            )
        return path

    def _unique(self, path: str, kind: NodeKind) -> str:
        """Return `path`, or `path~N` when it is taken; directories share a directory of the same name.

        The next N to try is remembered per path, so 20,000 members of one name cost 20,000 look-ups,
        not 200 million.
        """
        candidate = path
        while True:
            existing = self.s.nodes.get(candidate)
            if existing is None or (kind is NodeKind.DIRECTORY and existing.kind is NodeKind.DIRECTORY):
                return candidate
            n = self.s.suffixes.get(path, 0) + 1
            self.s.suffixes[path] = n
            candidate = f"{path}~{n}"

    def _add(self, node: Node) -> None:
        if node.label is not None:
            self.s.labels[node.path] = node.label
        if node.path:
            self.s.nodes[node.path] = node


def _entries_owed(start: int, regions: list[_Region]) -> int:
    """Entries a newly carved region adds to the tree.

    None while it is a lone region at 0 (that is the payload itself), two when it makes such a
    region an entry too, else one.
    """
    if start == 0 and not regions:
        return 0
    return 2 if len(regions) == 1 and regions[0].start == 0 else 1


def _payload_weights(region: _Region, weight: float) -> list[float]:
    """Share the region's image weight among its payload members, by the input each was decoded from."""
    entries = region.out.entries
    weights = [0.0] * len(entries)
    if weight <= 0:
        return weights
    unspanned = 0
    for i, entry in enumerate(entries):
        if not entry.payload or entry.kind is not NodeKind.FILE:
            continue
        content = entry.content
        size = _size(content)
        if isinstance(content, Slice):
            weights[i] = weight
        elif entry.span is not None and size:
            weights[i] = weight * entry.span.length / size
        elif isinstance(content, Lazy) and content.compressed_size is not None and size:
            weights[i] = weight * content.compressed_size / size
        else:
            unspanned += size
    if unspanned:
        share = weight * region.length / unspanned
        for i, entry in enumerate(entries):
            if entry.payload and weights[i] == 0.0 and not isinstance(entry.content, Slice):
                weights[i] = min(share, weight)
    return weights


def _size(content: Content | None) -> int:
    if content is None:
        return 0
    if isinstance(content, Slice):
        return content.length
    if isinstance(content, Lazy):
        return content.size
    return len(content)


def _probe(handler: Handler, view: memoryview) -> Detection | None:
    try:
        return handler.probe(view)
    except ImportError:
        # A format's library that cannot be imported (`Deferred` loads it here) is a broken
        # install, not bytes the probe did not recognise: it must not pass for "not this format".
        raise
    except Exception:  # noqa: BLE001  (a probe that trips on garbage simply did not recognise it)
        return None


def _between_fills(gap: memoryview) -> list[tuple[int, int]]:
    """The (offset, length) pieces of `gap` that lie outside runs of padding."""
    pieces = []
    pos = 0
    # Runs of different bytes never overlap, so the runs of both in offset order are the fills.
    for start, end in sorted(run.span() for fill in _FILLS for run in fill.finditer(gap)):
        if start > pos:
            pieces.append((pos, start - pos))
        pos = end
    if pos < len(gap):
        pieces.append((pos, len(gap) - pos))
    return pieces


def _window(data: memoryview, start: int, end: int) -> tuple[bytes | bytearray | mmap.mmap, int]:
    """A searchable buffer holding `data[start:end]`, and the offset in `data` of the buffer's first byte.

    The buffer behind a whole view is searched in place; a partial view is copied, one window only.
    """
    obj = data.obj
    if isinstance(obj, (bytes, bytearray, mmap.mmap)) and data.nbytes == len(obj):
        return obj, 0
    return bytes(data[start:end]), start


def _contains(data: memoryview, needle: bytes) -> bool:
    """Search a view for a byte string, window by window."""
    for pos in range(0, len(data), _WINDOW):
        buf, base = _window(data, pos, pos + _WINDOW + len(needle) - 1)
        if magics.find_all(buf, needle, pos - base, pos - base + _WINDOW + len(needle) - 1):
            return True
    return False


def _shorten(text: str, most: int = 200) -> str:
    return text if len(text) <= most else f"{text[:most]}... ({len(text)} characters)"


def _ordered(table: Table) -> bool:
    ends = 0
    for part in table.partitions:
        if part.offset < ends:
            return False
        ends = part.offset + part.size
    return True


def _prefix(node: Node) -> str:
    return _prefix_path(node.path)


def _prefix_path(path: str) -> str:
    """What the paths of a container's members start with."""
    return "/" if path == "" else path + CONTAINER_SEP


_NODE_FIELDS = tuple(f.name for f in fields(Node))


def _replace(node: Node, **changes: object) -> Node:
    """`dataclasses.replace` without its per-call checks (called once or twice for every entry)."""
    values: dict[str, object] = {name: getattr(node, name) for name in _NODE_FIELDS}
    values.update(changes)
    return Node(**values)  # type: ignore[arg-type]


__all__ = ["HEAD_SIZE", "unpack"]
