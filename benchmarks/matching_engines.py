"""Hyperscan against YARA for the matching engine: the same patterns over the same strings.

Every pattern the analyzers register with `firmware_audit.analyze.matching` is compiled by each
engine; each distinct file content of the benchmark image is turned into its strings (one a line, as
the engine scans them: not timed) and scanned. Printed for each engine: patterns accepted, compile
time, scan time (the engine alone, counting matches) and match-handling time (matches turned into the
strings each pattern may match in, as `Candidates` does).

YARA has no look-arounds, back-references or named groups, and takes `(?i)` only as a whole-string
`nocase`: each pattern is widened for it (a look-around dropped, a back-reference made any run of the
group's characters), as a prefilter may be; a pattern YARA still rejects is counted.

    python benchmarks/matching_engines.py [--image IMAGE]
"""

from __future__ import annotations

import argparse
import re
import time
from bisect import bisect_right
from pathlib import Path

import hyperscan
import yara

from firmware_audit import unpack
from firmware_audit.analyze import ANALYZERS, FileContext, matching
from firmware_audit.analyze.matching.database import _hs_flags, widened

IMAGE = Path(__file__).parent / ".work" / "camera-rootfs.xz.squashfs"
_NAMED = re.compile(r"\(\?P<\w+>")
_BACKREF = re.compile(r"\(\?P=\w+\)")
_LOOK = ("(?<!", "(?<=", "(?=", "(?!")


def _drop_lookarounds(text: str) -> str:
    """The pattern without its look-arounds (balanced parentheses, escapes skipped)."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("\\", i):
            out.append(text[i : i + 2])
            i += 2
            continue
        if any(text.startswith(look, i) for look in _LOOK):
            depth = 0
            while i < len(text):
                if text[i] == "\\":
                    i += 2
                    continue
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
                if depth == 0:
                    break
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def yara_source(patterns: list[re.Pattern[str]]) -> tuple[str, list[int]]:
    """One YARA rule holding every pattern YARA accepts (widened), and the indices it rejects."""
    accepted, rejected = [], []
    for index, pattern in enumerate(patterns):
        text = pattern.pattern
        nocase = bool(pattern.flags & re.IGNORECASE)
        if text.startswith("(?i)"):
            text, nocase = text[4:], True
        text = _BACKREF.sub("[^\\n]{1,8}", _NAMED.sub("(", _drop_lookarounds(text))).replace("(?:", "(")
        escaped = text.replace("/", "\\/")
        line = f"$p{index} = /{escaped}/{' nocase' if nocase else ''}"
        try:
            yara.compile(source=f"rule r {{ strings: {line} condition: any of them }}")
        except yara.Error:
            rejected.append(index)
            continue
        accepted.append(line)
    body = "\n    ".join(accepted)
    return f"rule r {{\n  strings:\n    {body}\n  condition:\n    any of them\n}}", rejected


def contents(image: Path) -> list[tuple[bytes, list[int]]]:
    """Each distinct content's strings as the engine scans them, with each string's start."""
    tree = unpack(image)
    seen, found = set(), []
    for node in tree.files():
        if not node.size or tree.has_members(node):
            continue
        ctx = FileContext(tree, node)
        key = tree.sha256(node)
        if key in seen:
            continue
        seen.add(key)
        texts = ctx.strings()
        starts, position = [], 0
        for text in texts:
            starts.append(position)
            position += len(text.value) + 1
        found.append(("\n".join(t.value for t in texts).encode("ascii", "replace"), starts))
    return found


class _Strings:
    """Matches turned into the strings they end in, one per pattern and string (as `Candidates` does)."""

    def __init__(self, starts: list[int]) -> None:
        self.starts = starts
        self.found: dict[int, list[int]] = {}
        self.covered: dict[int, int] = {}

    def on_match(self, pattern: int, _start: int, end: int, _flags: int, _context: object) -> None:
        self.at(pattern, end)

    def at(self, pattern: int, end: int) -> None:
        if end <= self.covered.get(pattern, -1):
            return
        index = bisect_right(self.starts, end - 1) - 1
        following = self.starts[index + 1] if index + 1 < len(self.starts) else 1 << 62
        self.covered[pattern] = following
        self.found.setdefault(pattern, []).append(index)


def hyperscan_figures(patterns: list[re.Pattern[str]], buffers: list[tuple[bytes, list[int]]]) -> str:
    started = time.perf_counter()
    database = hyperscan.Database()
    database.compile(
        expressions=[widened(p.pattern).encode() for p in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[_hs_flags(hyperscan, p.flags) for p in patterns],
    )
    compiled = time.perf_counter() - started
    matches = 0

    def count(*_: object) -> None:
        nonlocal matches
        matches += 1

    started = time.perf_counter()
    for buffer, _ in buffers:
        if buffer:
            database.scan(buffer, match_event_handler=count)
    scanned = time.perf_counter() - started
    started = time.perf_counter()
    for buffer, starts in buffers:
        if buffer:
            database.scan(buffer, match_event_handler=_Strings(starts).on_match)
    handled = time.perf_counter() - started - scanned
    return _line("Hyperscan", len(patterns), len(patterns), compiled, scanned, handled, matches=matches)


def yara_figures(patterns: list[re.Pattern[str]], buffers: list[tuple[bytes, list[int]]]) -> str:
    source, rejected = yara_source(patterns)
    started = time.perf_counter()
    rules = yara.compile(source=source)
    compiled = time.perf_counter() - started
    started = time.perf_counter()
    results = [rules.match(data=buffer, timeout=600) if buffer else [] for buffer, _ in buffers]
    scanned = time.perf_counter() - started
    started = time.perf_counter()
    matches = 0
    for found, (_, starts) in zip(results, buffers, strict=True):
        for match in found:
            for string in match.strings:
                strings = _Strings(starts)
                for instance in string.instances:
                    strings.at(0, instance.offset + instance.matched_length)
                matches += len(string.instances)
    handled = time.perf_counter() - started
    accepted = len(patterns) - len(rejected)
    return _line("YARA", accepted, len(patterns), compiled, scanned, handled, matches=matches)


def _line(name: str, accepted: int, total: int, *seconds: float, matches: int) -> str:
    times = " | ".join(f"{s:.2f} s" for s in seconds)
    return f"| {name} | {accepted}/{total} | {times} | {matches:,} |"


def main() -> None:
    """Print the table of both engines."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--image", type=Path, default=IMAGE)
    args = parser.parse_args()
    keys = {}
    for found in matching.patterns_of(matching.declared(ANALYZERS)).values():
        for pattern in found:
            keys.setdefault((pattern.pattern, pattern.flags), pattern)
    unfiltered = matching.engine().strings.unfiltered
    patterns = [p for p in keys.values() if (p.pattern, p.flags & 26) not in unfiltered]
    started = time.perf_counter()
    buffers = contents(args.image)
    size = sum(len(b) for b, _ in buffers)
    print(
        f"{len(buffers)} distinct contents, {size / 1e6:.1f} MB of strings "
        f"(made in {time.perf_counter() - started:.1f} s, not counted)"
    )
    print("| engine | patterns compiled | compile | scan | match handling | matches |")
    print("|---|---|---|---|---|---|")
    print(hyperscan_figures(patterns, buffers))
    print(yara_figures(patterns, buffers))


if __name__ == "__main__":
    main()
