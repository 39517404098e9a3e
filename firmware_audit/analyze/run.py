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
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from firmware_audit.analyze import matching, workers
from firmware_audit.analyze.base import EntryReader, PathReader
from firmware_audit.analyze.context import FileContext
from firmware_audit.analyze.endpoints.overrides import kind_of
from firmware_audit.extract import ContentUnavailableError
from firmware_audit.extract.formats.base import Lazy, NodeKind
from firmware_audit.extract.warned import caught_warnings
from firmware_audit.model import Finding, Issue, IssueKind, Location

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping, Sequence

    from firmware_audit.analyze.base import Analyzer
    from firmware_audit.extract import FileTree, Node
    from firmware_audit.extract.ahead import ReadAhead

MAX_ANALYZED_FILE = 64 * 1024 * 1024
"""Files larger than this are listed but not analysed (an Issue says so): the analyzers hold about ten
times a file's size at once (its bytes, its text, its strings, the match scans), so a 200 MB unknown
image took 2.1 GB; no camera binary comes near 64 MiB."""


class Analysed(NamedTuple):
    """What the analyzers found in a tree, the problems they met, and what they set aside or passed over."""

    findings: list[Finding]
    issues: list[Issue]
    rejected: Counter[str]
    """Candidates judged not to be what they looked like, by reason (`FileContext.rejected`, summed)."""
    passed_over: Counter[str]
    """Files an analyzer did not look into, by reason (`FileContext.passed_over`, summed)."""


def analyze_tree(
    tree: FileTree,
    analyzers: Sequence[Analyzer],
    deadline: float,
    jobs: int | None = 1,
    ahead: ReadAhead | None = None,
) -> Analysed:
    """Every analyzer's findings over every file of the tree, the problems met, and what was set aside.

    What the analyzers set aside or pass over is counted by reason, summed over the files (a content
    found at several places counts at each).
    Files not reached before `deadline` (a `time.monotonic()` value) are counted in one Issue.
    Analyzers that read folders and links (`EntryReader`) read them last, here.
    `jobs` is how many worker processes analyse the distinct contents (`workers.processes`): 1 (or
    a platform without `fork`) analyses them here, None chooses by the size of the image; the report
    is the same whatever the number. `ahead`, the tree's contents being decoded since the unpack, is
    stopped here and its contents used, once what workers share is ready.
    """
    findings: dict[str, Finding] = {}
    issues: list[Issue] = []
    rejected: Counter[str] = Counter()
    passed_over: Counter[str] = Counter()
    if not analyzers:
        return Analysed([], issues, rejected, passed_over)
    # An image nothing could open is still read, as one file: its strings may be all there is.
    nodes = [n for n in tree.files() if n.withheld is None] or [tree.root]
    plan = Plan(tree, nodes, analyzers)
    processes = workers.processes(jobs, sum(n.size for n in nodes if n.size <= MAX_ANALYZED_FILE))
    if processes > 1:
        workers.prepare(plan)  # while the contents go on decoding
    if ahead is not None:
        plan.decoded = ahead.stop()
    results = plan.results(
        _inline(plan, deadline) if processes == 1 else workers.analyze(plan, processes, deadline)
    )
    for result in results:
        if result is None:
            continue
        for finding in result.findings:
            findings.setdefault(finding.id, finding)
        issues.extend(result.issues)
        rejected.update(dict(result.rejected))
        passed_over.update(dict(result.passed_over))
    for finding in _entries(tree, analyzers, issues):
        findings.setdefault(finding.id, finding)
    missed = [index for index, result in enumerate(results) if result is None]
    if missed:
        message = f"analysis time budget spent; {len(missed)} files not analysed"
        first = Location(path=nodes[missed[0]].path)
        issues.append(Issue(kind=IssueKind.LIMIT, location=first, message=message))
    return Analysed(list(findings.values()), issues, rejected, passed_over)


def _entries(tree: FileTree, analyzers: Sequence[Analyzer], issues: list[Issue]) -> list[Finding]:
    """The findings of the analyzers that read folders and links; a failure is added to `issues`."""
    found: list[Finding] = []
    for analyzer in analyzers:
        if isinstance(analyzer, EntryReader):
            try:
                found.extend(analyzer.analyze_entries(tree, issues))
            except Exception as exc:  # noqa: BLE001  (one analyzer failing must not end the audit)
                failed = Issue(
                    kind=IssueKind.ANALYZER_ERROR, location=Location(path=""), message=_failed(analyzer, exc)
                )
                issues.append(failed)
    return found


@dataclass(frozen=True, slots=True)
class Done:
    """What analysing one content gave, at the path it was analysed under."""

    path: str
    findings: tuple[Finding, ...]
    issues: tuple[Issue, ...]
    rejected: tuple[tuple[str, int], ...] = ()
    passed_over: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Task:
    """A distinct content to analyse, at the first file that holds it.

    Attributes:
        index: The file's place in the list of files analysed.
        analyzers: Which analyzers apply (their places in the list of analyzers).
        data: The content.
        issues: Problems already met with this file (an analyzer failing to say if it applies).
    """

    index: int
    analyzers: tuple[int, ...]
    data: bytes
    issues: tuple[Issue, ...]


@dataclass(frozen=True, slots=True)
class _Same:
    """A content already met at the file `source`: its result is moved here."""

    source: int
    issues: tuple[Issue, ...]


Step = Done | Task | _Same
"""What the plan says of one file: its result, a content to analyse, or a content met before."""


class Plan:
    """Decides, file by file in order, whether a content is new; what every path needs to run it.

    Contents are keyed as the module says; each key remembers the file whose result stands for it,
    so the results of contents analysed anywhere (here or in a worker process) are put together in
    the same order, with the same moves, as when each file is analysed in turn.
    """

    def __init__(self, tree: FileTree, nodes: Sequence[Node], analyzers: Sequence[Analyzer]) -> None:
        """Plan for these files of `tree` with these analyzers."""
        self.tree = tree
        self.nodes = nodes
        self.analyzers = analyzers
        self.patterns = matching.declared(analyzers)
        """What the analyzers search strings for (the matching engine is compiled from it)."""
        self.steps: list[Step | None] = [None] * len(nodes)
        self.decoded: dict[str, bytes] = {}
        """Contents decoded ahead of planning (`ReadAhead`), by path: each is taken when its file is."""
        self._done: dict[Hashable, int] = {}

    def next(self, index: int) -> Task | None:
        """Plan the file at `index` (files are planned in order): its content to analyse, if new."""
        step = self.steps[index] = self._step(index)
        return step if isinstance(step, Task) else None

    def _step(self, index: int) -> Step:
        node = self.nodes[index]
        decoded = self.decoded.pop(node.path, None)
        if node.size > MAX_ANALYZED_FILE:
            message = f"not analysed: {node.size} bytes, more than {MAX_ANALYZED_FILE}"
            return Done(
                node.path,
                (),
                (Issue(kind=IssueKind.LIMIT, location=Location(path=node.path), message=message),),
            )
        ctx = FileContext(self.tree, node, _data=decoded)
        wanted = []
        for place, analyzer in enumerate(self.analyzers):
            try:
                if analyzer.applies_to(node):
                    wanted.append(place)
            except Exception as exc:  # noqa: BLE001  (one analyzer failing must not end the audit)
                ctx.issue(IssueKind.ANALYZER_ERROR, _failed(analyzer, exc))
        if not wanted:
            return Done(node.path, (), tuple(ctx.issues))
        traits = _traits(self.tree, node, [self.analyzers[place] for place in wanted])
        stored = _stored_identity(self.tree, node)
        if stored is not None and (traits, stored) in self._done:
            return _Same(self._done[traits, stored], tuple(ctx.issues))
        try:
            data = self.tree.own_bytes(node, ctx.data())
        except ContentUnavailableError as exc:
            ctx.issue(IssueKind.PARSER_ERROR, str(exc))
            return Done(node.path, (), tuple(ctx.issues))
        key = (traits, _content_key(data))
        step: Step
        if key in self._done:
            step = _Same(self._done[key], tuple(ctx.issues))
        else:
            step = Task(index, tuple(wanted), data, tuple(ctx.issues))
            self._done[key] = index
        if stored is not None:
            self._done[traits, stored] = index
        return step

    def run(self, task: Task) -> Done:
        """Analyse the content of a task (in this process)."""
        node = self.nodes[task.index]
        ctx = FileContext(self.tree, node, issues=list(task.issues), patterns=self.patterns, _data=task.data)
        return _run(ctx, [self.analyzers[place] for place in task.analyzers])

    def results(self, analysed: Mapping[int, Done]) -> list[Done | None]:
        """Every file's result, in order, given the results of the tasks (by file index).

        A file not planned, or whose content was not analysed (the time budget), has None.
        """
        results: list[Done | None] = []
        for index, step in enumerate(self.steps):
            result: Done | None
            if isinstance(step, Task):
                result = analysed.get(index)
            elif isinstance(step, _Same):
                source = results[step.source]
                result = None if source is None else _moved(source, self.nodes[index].path, step.issues)
            else:
                result = step
            results.append(result)
        return results


def _inline(plan: Plan, deadline: float) -> dict[int, Done]:
    """Plan and analyse every file in turn in this process, until the deadline."""
    analysed: dict[int, Done] = {}
    with workers.existing_objects_frozen():
        for index in range(len(plan.nodes)):
            if time.monotonic() >= deadline:
                break
            task = plan.next(index)
            if task is not None:
                analysed[index] = plan.run(task)
    return analysed


def _run(ctx: FileContext, analyzers: Sequence[Analyzer]) -> Done:
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
    return Done(
        ctx.node.path,
        tuple(found),
        tuple(ctx.issues),
        tuple(sorted(ctx.rejected.items())),
        tuple(sorted(ctx.passed_over.items())),
    )


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
        tuple(cast("PathReader", a).path_key(node.path) for a in analyzers if _reads_path(type(a))),
    )


@cache
def _reads_path(kind: type) -> bool:
    # Once per analyzer class: a protocol's isinstance test walks its members each time, which cost
    # 8 s over 30,000 one-byte files.
    return issubclass(kind, PathReader)


def _stored_identity(tree: FileTree, node: Node) -> bytes | None:
    """The identity the container gives the content without decoding it, when it gives one."""
    if node.kind is NodeKind.HARDLINK:
        target = tree.resolve(node.path)
        node = target if target is not None else node
    return node.content.identity if isinstance(node.content, Lazy) else None


def _content_key(data: bytes) -> Hashable:
    """SHA-256 of the bytes; for a run of one byte value, that byte and the length (nothing to hash)."""
    # The ends are compared first: `strip` copies what it keeps, nearly every byte of most contents.
    if data and data[0] == data[-1] and not data.strip(data[:1]):
        return ("run", data[0], len(data))
    return hashlib.sha256(data).digest()


def _moved(result: Done, path: str, issues: Sequence[Issue]) -> Done:
    """The findings and issues of a content analysed at another path, moved to `path`."""
    return Done(
        path,
        tuple(_move(f, result.path, path) for f in result.findings),
        (*issues, *(_move_issue(i, result.path, path) for i in result.issues)),
        result.rejected,
        result.passed_over,
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
