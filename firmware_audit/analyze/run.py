"""Run the per-file analyzers over a tree, analysing each distinct content once.

A file's content is keyed as it is read: by SHA-256 of its bytes, or earlier, without decoding it,
by the identity its container gives (the stored bytes and how they decode, `Lazy.identity`). A file
whose key was seen before is not analysed again: the findings and issues of the first file with
that content are moved to it. The key also holds the file's traits that analyzers read besides its
bytes (its name, whether it was opened as a container, the override kind of its path, which analyzers
apply), so a content is analysed once per distinct set of traits, and moving findings is exact.
A content of one repeated byte value is keyed by that byte and its length, without hashing.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firmware_audit.analyze.context import FileContext
from firmware_audit.analyze.endpoints.overrides import kind_of
from firmware_audit.extract import ContentUnavailableError
from firmware_audit.extract.formats.base import Lazy, NodeKind
from firmware_audit.extract.warned import caught_warnings
from firmware_audit.model import Finding, Issue, IssueKind, Location

if TYPE_CHECKING:
    from collections.abc import Hashable, Sequence

    from firmware_audit.analyze.base import Analyzer
    from firmware_audit.extract import FileTree, Node

MAX_ANALYZED_FILE = 64 * 1024 * 1024
"""Files larger than this are listed but not analysed (an Issue says so): the analyzers hold about ten
times a file's size at once (its bytes, its text, its strings, the match scans), so a 200 MB unknown
image took 2.1 GB; no camera binary comes near 64 MiB."""


@dataclass(frozen=True, slots=True)
class _Done:
    """What analysing one content gave, at the path it was analysed under."""

    path: str
    findings: tuple[Finding, ...]
    issues: tuple[Issue, ...]
    rejected: tuple[tuple[str, int], ...] = ()


def analyze_tree(
    tree: FileTree, analyzers: Sequence[Analyzer], deadline: float
) -> tuple[list[Finding], list[Issue], Counter[str]]:
    """Every analyzer's findings over every file of the tree, the problems met, and what was set aside.

    What the analyzers set aside is counted by reason (`FileContext.rejected`, summed over the files).
    Files not reached before `deadline` (a `time.monotonic()` value) are counted in one Issue.
    """
    findings: dict[str, Finding] = {}
    issues: list[Issue] = []
    rejected: Counter[str] = Counter()
    if not analyzers:
        return [], issues, rejected
    # An image nothing could open is still read, as one file: its strings may be all there is.
    nodes = [n for n in tree.files() if n.withheld is None] or [tree.root]
    done: dict[Hashable, _Done] = {}
    for index, node in enumerate(nodes):
        if time.monotonic() >= deadline:
            message = f"analysis time budget spent; {len(nodes) - index} files not analysed"
            issues.append(Issue(kind=IssueKind.LIMIT, location=Location(path=node.path), message=message))
            break
        if node.size > MAX_ANALYZED_FILE:
            message = f"not analysed: {node.size} bytes, more than {MAX_ANALYZED_FILE}"
            issues.append(Issue(kind=IssueKind.LIMIT, location=Location(path=node.path), message=message))
            continue
        result = _analyze_node(tree, node, analyzers, done)
        for finding in result.findings:
            findings.setdefault(finding.id, finding)
        issues.extend(result.issues)
        rejected.update(dict(result.rejected))
    return list(findings.values()), issues, rejected


def _analyze_node(
    tree: FileTree, node: Node, analyzers: Sequence[Analyzer], done: dict[Hashable, _Done]
) -> _Done:
    ctx = FileContext(tree, node)
    wanted = []
    for analyzer in analyzers:
        try:
            if analyzer.applies_to(node):
                wanted.append(analyzer)
        except Exception as exc:  # noqa: BLE001  (one analyzer failing must not end the audit)
            ctx.issue(IssueKind.ANALYZER_ERROR, _failed(analyzer, exc))
    if not wanted:
        return _Done(node.path, (), tuple(ctx.issues))
    traits = _traits(tree, node, wanted)
    stored = _stored_identity(tree, node)
    if stored is not None and (traits, stored) in done:
        return _moved(done[traits, stored], node.path, ctx.issues)
    try:
        data = ctx.data()
    except ContentUnavailableError as exc:
        ctx.issue(IssueKind.PARSER_ERROR, str(exc))
        return _Done(node.path, (), tuple(ctx.issues))
    key = (traits, _content_key(data))
    if key in done:
        result = _moved(done[key], node.path, ctx.issues)
    else:
        result = _run(ctx, wanted)
        done[key] = result
    if stored is not None:
        done[traits, stored] = result
    return result


def _run(ctx: FileContext, analyzers: Sequence[Analyzer]) -> _Done:
    found: list[Finding] = []
    with caught_warnings() as warned:
        for analyzer in analyzers:
            try:
                found.extend(analyzer.analyze(ctx))
            except ContentUnavailableError as exc:
                ctx.issue(IssueKind.PARSER_ERROR, str(exc))
                break
            except Exception as exc:  # noqa: BLE001  (one analyzer failing must not end the audit)
                ctx.issue(IssueKind.ANALYZER_ERROR, _failed(analyzer, exc))
    for message in warned:
        ctx.issue(IssueKind.PARSER_ERROR, f"a library warned while reading this file: {message}")
    return _Done(ctx.node.path, tuple(found), tuple(ctx.issues), tuple(sorted(ctx.rejected.items())))


def _failed(analyzer: Analyzer, exc: Exception) -> str:
    return f"analyzer {analyzer.name} {analyzer.version} failed: {type(exc).__name__}: {exc}"


def _traits(tree: FileTree, node: Node, analyzers: Sequence[Analyzer]) -> Hashable:
    """What analyzers read of a file besides its bytes (see `Analyzer`)."""
    carved = bool(node.provenance) and node.provenance[-1].format == "carve"
    return (
        # A carved region's name is the unpacker's (its offset and format), not the image's: a flood of
        # identical regions is one content to analyse.
        None if carved else node.path.rsplit("/", 1)[-1],
        node.format,
        node is tree.root,
        node.format is not None and tree.has_members(node),
        kind_of(node.path),
        tuple(a.name for a in analyzers),
    )


def _stored_identity(tree: FileTree, node: Node) -> bytes | None:
    """The identity the container gives the content without decoding it, when it gives one."""
    if node.kind is NodeKind.HARDLINK:
        target = tree.resolve(node.path)
        node = target if target is not None else node
    return node.content.identity if isinstance(node.content, Lazy) else None


def _content_key(data: bytes) -> Hashable:
    """SHA-256 of the bytes; for a run of one byte value, that byte and the length (nothing to hash)."""
    if data and not data.strip(data[:1]):
        return ("run", data[0], len(data))
    return hashlib.sha256(data).digest()


def _moved(result: _Done, path: str, issues: Sequence[Issue]) -> _Done:
    """The findings and issues of a content analysed at another path, moved to `path`."""
    return _Done(
        path,
        tuple(_move(f, result.path, path) for f in result.findings),
        (*issues, *(_move_issue(i, result.path, path) for i in result.issues)),
        result.rejected,
    )


def _move(finding: Finding, old: str, new: str) -> Finding:
    data = _replace_path(finding.model_dump(mode="json"), old, new)
    data["id"] = Finding.fingerprint(finding.rule, Location(path=new), finding.id)
    data.pop("locations", None)
    return Finding.model_validate(data)


def _move_issue(issue: Issue, old: str, new: str) -> Issue:
    return Issue.model_validate(_replace_path(issue.model_dump(mode="json"), old, new))


def _replace_path(value: Any, old: str, new: str) -> Any:  # noqa: ANN401  (a JSON tree)
    """The JSON tree with every string equal to `old` (a path) replaced by `new`."""
    if isinstance(value, dict):
        return {k: _replace_path(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_path(v, old, new) for v in value]
    return new if value == old else value
