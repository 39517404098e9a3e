"""Vendor-named kernel nodes and devices: `/proc/<vendor>/...`, `/dev/<vendor>_...`.

A board's own drivers add entries to `/proc` and `/dev` under the name of whoever wrote them
(`/proc/dahua/bootpara`, `/dev/xm_watchdog`, `/proc/umap`). Every such name a file uses that is not a
standard Linux entry is reported; when the name is a maker's (the maker base), the trace names it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    has_members,
    left_out,
    string_evidence,
    trace_finding,
)
from firmware_audit.model import IssueKind, Severity
from firmware_audit.signatures.makers import Maker
from firmware_audit.signatures.makers import base as maker_base

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding

RULE = "trace/vendor-node"
_NODE = re.compile(r"(?<![\w/])/(proc|dev)/([A-Za-z][A-Za-z0-9]{1,23})(?=[/_])(_?)")
STANDARD_PROC = frozenset(
    [
        "acpi",
        "asound",
        "buddyinfo",
        "bus",
        "cgroups",
        "cmdline",
        "config",
        "consoles",
        "cpu",
        "cpuinfo",
        "crypto",
        "device",
        "devices",
        "diskstats",
        "dma",
        "driver",
        "execdomains",
        "fb",
        "filesystems",
        "fs",
        "ide",
        "interrupts",
        "iomem",
        "ioports",
        "irq",
        "kallsyms",
        "kcore",
        "key",
        "keys",
        "kmsg",
        "kpagecount",
        "kpageflags",
        "latency",
        "loadavg",
        "locks",
        "mdstat",
        "meminfo",
        "misc",
        "modules",
        "mounts",
        "mpt",
        "mtd",
        "net",
        "pagetypeinfo",
        "partitions",
        "pci",
        "sched",
        "schedstat",
        "scsi",
        "self",
        "slabinfo",
        "softirqs",
        "stat",
        "swaps",
        "sys",
        "sysrq",
        "sysvipc",
        "thread",
        "timer",
        "tty",
        "uptime",
        "version",
        "vmallocinfo",
        "vmstat",
        "zoneinfo",
        "lockdep",
        "profile",
        "kpagecgroup",
        "pressure",
    ]
)
"""Entries of /proc every Linux kernel has: never a vendor's."""
STANDARD_DEV = frozenset(
    [
        "mtd",
        "mtdblock",
        "tty",
        "ttyS",
        "ttyAMA",
        "ttyUSB",
        "video",
        "fb",
        "input",
        "snd",
        "spi",
        "i2c",
        "usb",
        "bus",
        "mem",
        "null",
        "zero",
        "random",
    ]
)
"""Prefixes of /dev names that are standard ("/dev/mtd_x" is no vendor's)."""
MAX_NAMES = 32


class VendorNodeAnalyzer(ContentTrace):
    """Non-standard /proc entries and vendor-prefixed /dev nodes a file uses."""

    name: ClassVar[str] = "trace-nodes"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (matching.Patterns("trace-nodes", lambda: (_NODE,)),)

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per vendor node name used in this file."""
        if has_members(ctx):
            return
        hits: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for text in ctx.candidates(_NODE):
            for match in _NODE.finditer(text.value):
                root, name, underscore = match.groups()
                if root == "proc" and (name.casefold() in STANDARD_PROC or underscore):
                    continue
                if root == "dev" and (not underscore or name in STANDARD_DEV or name[-1].isdigit()):
                    continue  # a numbered device (ubi0_0, mmcblk0) is the kernel's, not a vendor's
                hits[f"/{root}/{name}"].append((text.value, text.offset))
        for node, found in sorted(hits.items())[:MAX_NAMES]:
            yield _finding(ctx, node, found)
        if len(hits) > MAX_NAMES:
            ctx.issue(IssueKind.LIMIT, left_out("vendor nodes", len(hits), "node names", MAX_NAMES))


def _finding(ctx: FileContext, node: str, found: list[tuple[str, int]]) -> Finding:
    name = node.rsplit("/", 1)[1]
    named = [m.who for m in maker_base().find(name) if isinstance(m.who, Maker)]
    vendor = named[0].name if named else None
    title = f"kernel node {node}" + (f" named after {vendor}" if vendor else "")
    return trace_finding(
        ctx,
        rule=RULE,
        key=node,
        kind="vendor-node",
        title=title,
        detail=title,
        evidence=string_evidence(ctx, found),
        vendor=vendor,
        severity=Severity.LOW if vendor else Severity.INFO,
        confidence=0.8,
        offset=found[0][1],
    )
