"""Two firmware images side by side: which files, servers, SDK families and traces they share.

The question it answers is the buyer's: "is this 'domestic' firmware the same as that vendor's?".
Files are compared by content (SHA-256 of every leaf file, computed on demand from the trees), so a
binary renamed or moved still counts as shared; endpoints by host, SDK families by family id, and
traces (rebranding traces and chip clues) by kind and value.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from firmware_audit.audit import audit
from firmware_audit.extract import FileTree, unpack
from firmware_audit.model import EndpointRole, Report
from firmware_audit.policy import Policy

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import pandas as pd

    from firmware_audit.model import Finding

    _Key = Callable[[Finding], tuple[str, str] | None]
    """What a finding is compared by, and how it is described; None for findings not compared."""

Presence = Literal["both", "a", "b"]
Section = Literal["files", "endpoints", "sdks", "traces"]
Subject = Report | FileTree | tuple[FileTree, Report] | str | os.PathLike[str] | bytes
"""What can be compared: an image (path or bytes), its tree, its report, or its tree and report."""
SECTIONS: tuple[Section, ...] = ("files", "endpoints", "sdks", "traces")


def _presence(a: tuple[str, ...], b: tuple[str, ...]) -> Presence:
    if a and b:
        return "both"
    return "a" if a else "b"


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: its report and, when it was unpacked here or given, its tree."""

    name: str
    report: Report
    tree: FileTree | None = None


@dataclass(frozen=True, slots=True)
class FileMatch:
    """One distinct file content and where each side holds it."""

    sha256: str
    size: int
    a: tuple[str, ...]
    b: tuple[str, ...]

    @property
    def presence(self) -> Presence:
        """`both`, or the one side (`a` or `b`) that holds it."""
        return _presence(self.a, self.b)


@dataclass(frozen=True, slots=True)
class Match:
    """One compared thing (a server, an SDK family, a trace) and the files each side has it in."""

    key: str
    label: str
    a: tuple[str, ...]
    b: tuple[str, ...]

    @property
    def presence(self) -> Presence:
        """`both`, or the one side (`a` or `b`) that has it."""
        return _presence(self.a, self.b)


@dataclass(frozen=True, slots=True)
class Comparison:
    """What two images share and where they differ.

    Attributes:
        a: The first image.
        b: The second image.
        files: Every distinct leaf-file content of either side; None when a side has no tree.
        changed: Virtual paths both sides hold with different content.
        endpoints: Servers by host (references left out).
        sdks: SDK families by family id.
        traces: Rebranding traces and chip clues by kind and value.
    """

    a: Side
    b: Side
    files: tuple[FileMatch, ...] | None
    changed: tuple[str, ...]
    endpoints: tuple[Match, ...]
    sdks: tuple[Match, ...]
    traces: tuple[Match, ...]

    @property
    def file_similarity(self) -> float | None:
        """Distinct file contents both sides hold, over all distinct contents; None when not compared."""
        if self.files is None:
            return None
        if not self.files:
            return 0.0
        return sum(1 for f in self.files if f.presence == "both") / len(self.files)

    def count(self, section: Section, presence: Presence) -> int:
        """How many items of a section are in both sides, or only in `a`, or only in `b`."""
        items: Iterable[FileMatch | Match] = (
            (self.files or ()) if section == "files" else getattr(self, section)
        )
        return sum(1 for item in items if item.presence == presence)

    def verdicts(self) -> list[tuple[str, str, str]]:
        """The two reports' headline facts, side by side: `(fact, a, b)`."""
        ra, rb = self.a.report, self.b.report
        return [(name, _fact(ra, name), _fact(rb, name)) for name in _FACTS]

    def summary(self) -> pd.DataFrame:
        """Per section, how many items are shared and how many only in either side."""
        import pandas as pd  # noqa: PLC0415  (pandas is the optional `notebook` extra)

        rows = [{p: self.count(s, p) for p in ("both", "a", "b")} for s in SECTIONS]
        return pd.DataFrame(rows, index=pd.Index(SECTIONS, name="section"))

    def frame(self, section: Section) -> pd.DataFrame:
        """One row per item of a section, with its presence and the paths on either side."""
        import pandas as pd  # noqa: PLC0415  (pandas is the optional `notebook` extra)

        if section == "files":
            rows = [
                {
                    "sha256": f.sha256,
                    "size": f.size,
                    "presence": f.presence,
                    "a": "; ".join(f.a),
                    "b": "; ".join(f.b),
                }
                for f in self.files or ()
            ]
            columns = ["sha256", "size", "presence", "a", "b"]
        else:
            rows = [
                {
                    "key": m.key,
                    "label": m.label,
                    "presence": m.presence,
                    "a": "; ".join(m.a),
                    "b": "; ".join(m.b),
                }
                for m in getattr(self, section)
            ]
            columns = ["key", "label", "presence", "a", "b"]
        return pd.DataFrame(rows, columns=columns)

    def _repr_html_(self) -> str:
        from firmware_audit.render.notebook import comparison_html  # noqa: PLC0415  (a later layer)

        return comparison_html(self)


_FACTS = (
    "image",
    "sha256",
    "entries",
    "explained",
    "declared",
    "SoC",
    "OEM",
    "contradictions",
    "servers by country",
    "findings",
    "decision",
)


def _fact(report: Report, name: str) -> str:
    verdict, declared = report.verdict, report.declared
    facts = {
        "image": f"{report.image.name} ({report.image.size:,} bytes)",
        "sha256": report.image.sha256[:16],
        "entries": str(report.files),
        "explained": f"{report.coverage.explained_ratio:.1%}",
        "declared": f"{declared.vendor} ({declared.country})" if declared is not None else "-",
        "SoC": verdict.soc or "-",
        "OEM": "; ".join(f"{o.vendor} ({o.country or '?'})" for o in verdict.oem) or "-",
        "contradictions": "; ".join(
            f"{c.field}: {c.declared} vs {c.observed}" for c in verdict.contradictions
        )
        or "-",
        "servers by country": ", ".join(f"{cc} {n}" for cc, n in verdict.countries.items()) or "-",
        "findings": str(len(report.findings)),
        "decision": report.decision.outcome.value if report.decision is not None else "-",
    }
    return facts[name]


def side(subject: Subject, *, policy: Policy | None = None, home_country: str | None = None) -> Side:
    """Make a comparison side: unpack and audit an image, audit a tree, or take a report as it is."""
    if isinstance(subject, Report):
        return Side(subject.image.name, subject)
    if isinstance(subject, tuple):
        tree, report = subject
        return Side(report.image.name, report, tree)
    tree = subject if isinstance(subject, FileTree) else unpack(subject)
    report = audit(tree, policy=policy, home_country=home_country)
    return Side(report.image.name, report, tree)


def compare(
    a: Subject,
    b: Subject,
    *,
    policy: Policy | str | os.PathLike[str] | None = None,
    home_country: str | None = None,
) -> Comparison:
    """Compare two images (paths or bytes), trees, reports, or `(tree, report)` pairs.

    Images and trees are audited here, as `audit` does: with `policy` (a `Policy` or its file) and
    `home_country` (by default the policy's); reports are used as they are.
    Files are compared only when both sides have a tree.
    """
    if policy is not None and not isinstance(policy, Policy):
        policy = Policy.load(policy)
    sa = side(a, policy=policy, home_country=home_country)
    sb = side(b, policy=policy, home_country=home_country)
    files, changed = _files(sa.tree, sb.tree)
    return Comparison(
        a=sa,
        b=sb,
        files=files,
        changed=changed,
        endpoints=_match(sa.report.findings, sb.report.findings, _endpoint_key),
        sdks=_match(sa.report.findings, sb.report.findings, _sdk_key),
        traces=_match(sa.report.findings, sb.report.findings, _trace_key),
    )


def _leaves(tree: FileTree) -> dict[str, tuple[str, int]]:
    """Content hash and size of every leaf file: a file with bytes that was not opened as a container."""
    hashes: dict[str, tuple[str, int]] = {}
    for node in tree.files():
        if node.format is not None or node.size == 0:
            continue
        digest = tree.sha256(node)
        if digest is not None:
            hashes[node.path] = (digest, node.size)
    return hashes


def _files(a: FileTree | None, b: FileTree | None) -> tuple[tuple[FileMatch, ...] | None, tuple[str, ...]]:
    if a is None or b is None:
        return None, ()
    la, lb = _leaves(a), _leaves(b)
    paths: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    sizes: dict[str, int] = {}
    for side_index, leaves in enumerate((la, lb)):
        for path, (digest, size) in leaves.items():
            paths[digest][side_index].append(path)
            sizes[digest] = size
    files = tuple(
        FileMatch(digest, sizes[digest], tuple(pa), tuple(pb)) for digest, (pa, pb) in sorted(paths.items())
    )
    changed = tuple(sorted(p for p in la.keys() & lb.keys() if la[p][0] != lb[p][0]))
    return files, changed


def _endpoint_key(f: Finding) -> tuple[str, str] | None:
    e = f.endpoint
    if e is None or e.role is EndpointRole.REFERENCE:
        return None
    label = ", ".join(x for x in (e.role.value, e.country, e.vendor, e.reserved) if x)
    return e.host.lower(), label


def _sdk_key(f: Finding) -> tuple[str, str] | None:
    s = f.sdk
    if s is None:
        return None
    return s.family, f"{s.vendor} ({s.vendor_country or '?'}), {s.kind.value}"


def _trace_key(f: Finding) -> tuple[str, str] | None:
    if f.trace is not None:
        t = f.trace
        return f"{t.kind}: {t.detail}", ", ".join(x for x in (t.vendor, t.vendor_country) if x)
    if f.chip is not None:
        c = f.chip
        return f"{c.clue.value}: {c.detail}", f"{c.vendor} ({', '.join(c.models) or '?'})"
    return None


def _match(a: Iterable[Finding], b: Iterable[Finding], key: _Key) -> tuple[Match, ...]:
    labels: dict[str, str] = {}
    paths: dict[str, tuple[set[str], set[str]]] = {}
    for side_index, findings in enumerate((a, b)):
        for f in findings:
            keyed = key(f)
            if keyed is None:
                continue
            k, label = keyed
            labels.setdefault(k, label)
            paths.setdefault(k, (set(), set()))[side_index].update(loc.path for loc in f.locations)
    return tuple(
        Match(k, labels[k], tuple(sorted(pa)), tuple(sorted(pb))) for k, (pa, pb) in sorted(paths.items())
    )
