"""The build environment a firmware was made in: who built it, where, with what and when.

What build systems leave in what they build, whatever the maker:

* `compiler` — compiler banners (`GCC: (crosstool-NG - Ambarella Linaro ...) 4.9.1`,
  `GCC: (Buildroot 2012.02) 4.4.0`), the toolchain vendor or distribution in the parentheses;
* `build-banner` — version banners with their build date and time zone (`BusyBox v1.18.4 (2015-10-21
  12:02:45 CST)`, `U-Boot 2010.06-svn3112 (Jul 28 2016 - 03:43:43)`, `Linux version 3.3.0 (user@host)`);
* `build-user` — user names in home directories of compiled-in paths (`/home/dengyibao/share/sdk/...`,
  `/home_c/xhshen/work/...`), the user of a kernel's `user@host`, and authors in script comments
  (`added by yangcaiyong`);
* `build-job` — continuous-integration job names (`jenkins-IPC_DH3.X1002_HDCameraS2LM-642`);
* `vcs` — version-control leftovers: `.svn/entries` and `.git/` files with their repository URLs and
  authors;
* `kernel-release` — the kernel release a module directory or `vermagic` names (`3.10.14__isvp_swan_1.0__`);
  a module directory that is a symbolic link (into another partition, as cameras mount their modules)
  or holds no file is read too (`analyze_entries`).

None of these names a maker by itself (that is for the maker base, when a user, host or job names one):
they are the lineage a buyer compares across products. One finding per file, kind and value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    clip,
    has_members,
    left_out,
    string_evidence,
    trace_finding,
)
from firmware_audit.extract.formats.base import NodeKind
from firmware_audit.model import Evidence, Issue, IssueKind, Location, Severity
from firmware_audit.signatures.makers import Maker
from firmware_audit.signatures.makers import base as maker_base

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import FileTree, Node
    from firmware_audit.model import Finding

RULE = "trace/build-environment"
_COMPILER = re.compile(r"GCC: \(((?:[^()\n]|\([^()\n]{0,80}\)){2,160})\) ([0-9][\w.+-]{0,40})")
_BANNER = re.compile(
    r"\b(?:BusyBox v[0-9][\w.-]{0,30}|U-Boot [0-9][\w.-]{0,40}|Linux version [0-9][\w.+-]{0,60})"
    r"[ ]\(([^()\n]{4,80})\)(?:[ ]\([^\n]{0,120}\))?(?:[ ]#\d+[^\n]{0,80})?"
)
_HOME = re.compile(r"(?<![\w.])/(?:home\w*|Users|export/home)/([A-Za-z][\w.-]{1,31})/[\w./+-]{0,200}")
_AUTHOR = re.compile(
    r"(?i)\b(?:added|modified|written|created?|changed|maintained|updated) by[:\s]+([A-Za-z][\w.-]{1,31})"
)
_JOB = re.compile(r"\bjenkins-[\w.-]{3,120}|/jenkins/(?:workspace|jobs)/([\w.-]{2,120})")
_RELEASE = re.compile(r"/lib/modules/([0-9][\w.+-]{2,80})(?:/|$)|\bvermagic=([0-9][\w.+-]{2,80})")
_PATTERNS = (_COMPILER, _BANNER, _HOME, _AUTHOR, _JOB, _RELEASE)
_MODULES = "/lib/modules/"
_SVN_AUTHOR = re.compile(r"\n\d{4}-\d\d-\d\dT[\d:.]+Z\n\d+\n([^\n]{1,64})\n")
_URL = re.compile(r"(?:svn\+ssh|svn|https?|git|ssh)://[^\s\x00\"'<>]{3,300}")
GENERIC_USERS = frozenset(
    {"root", "user", "users", "build", "builder", "admin", "ubuntu", "debian", "jenkins", "test", "work"}
    | {"share", "src", "source", "sources", "project", "projects", "home", "dev", "developer", "default"}
)
"""User names that say nothing about who built something."""
MAX_HITS = 64
"""Values of one kind reported per file."""
_ANALYSIS = "build environment"
"""How its limit issues name this analysis."""


class BuildEnvironmentAnalyzer(ContentTrace):
    """Compilers, build banners and dates, build users, CI jobs, VCS leftovers and kernel releases."""

    name: ClassVar[str] = "trace-buildenv"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (
        matching.Patterns("trace-buildenv", lambda: _PATTERNS),
    )

    def path_key(self, path: str) -> Hashable:
        """The kernel release a module folder names, and whether the file is a VCS leftover."""
        release = _RELEASE.search(path)
        return (release.group(1) if release else None, _is_vcs(path))

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per kind and value in this file."""
        if has_members(ctx):
            return
        hits: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        release = _RELEASE.search(ctx.node.path)
        if release is not None:
            hits["kernel-release", release.group(1)].append((ctx.node.path, 0))
        if _is_vcs(ctx.node.path):
            _vcs(ctx, hits)
        texts = ctx.strings()
        for index in sorted({i for pattern in _PATTERNS for i in ctx.candidate_indices(pattern)}):
            _scan(texts[index].value, texts[index].offset, hits)
        counts: dict[str, int] = defaultdict(int)
        for (kind, value), found in sorted(hits.items()):
            counts[kind] += 1
            if counts[kind] <= MAX_HITS:
                yield _finding(ctx, kind, value, found)
        for kind, count in sorted(counts.items()):
            if count > MAX_HITS:
                ctx.issue(IssueKind.LIMIT, left_out(_ANALYSIS, count, f"{kind} values", MAX_HITS))

    def analyze_entries(self, tree: FileTree, issues: list[Issue]) -> Iterator[Finding]:
        """The kernel release of each module folder that is a link, or that holds no file.

        A folder that holds files is left to them: each file's path names the release already. At
        most `MAX_HITS` folders, in path order, as for the values of one kind in a file; the rest
        are counted in an Issue.
        """
        folders: dict[str, tuple[Node, str]] = {}
        for node in tree.nodes.values():
            # the substring first: a hostile archive can hold a million folders
            if node.kind in {NodeKind.DIRECTORY, NodeKind.SYMLINK} and _MODULES in node.path:
                named = _RELEASE.search(node.path)
                if named is not None and named.group(1) and named.end() == len(node.path):
                    folders[node.path] = (node, named.group(1))
        if not folders:
            return
        held = {path for path, (node, _) in folders.items() if node.kind is NodeKind.DIRECTORY}
        for node in tree.files():
            if _MODULES not in node.path:
                continue
            # `/lib/modules/<release>/kernel/x.ko`: its folder and every folder above it hold a file
            cut = node.path.rfind("/")
            while cut > 0 and held:
                held.discard(node.path[:cut])
                cut = node.path.rfind("/", 0, cut)
        kept = [
            (folder, release)
            for path, (folder, release) in sorted(folders.items())
            if folder.kind is NodeKind.SYMLINK or path in held
        ]
        for folder, release in kept[:MAX_HITS]:
            yield _entry_finding(folder, release)
        if len(kept) > MAX_HITS:
            first = kept[MAX_HITS][0].path
            issues.append(
                Issue(
                    kind=IssueKind.LIMIT,
                    location=Location(path=first),
                    message=left_out(
                        _ANALYSIS, len(kept), "module folders that name a kernel release", MAX_HITS
                    ),
                )
            )


def _is_vcs(path: str) -> bool:
    return "/.svn/" in path or "/.git/" in path


def _scan(value: str, offset: int, hits: dict[tuple[str, str], list[tuple[str, int]]]) -> None:
    for match in _COMPILER.finditer(value):
        hits["compiler", f"GCC ({match.group(1)}) {match.group(2)}"].append((value, offset))
    for match in _BANNER.finditer(value):
        hits["build-banner", match.group()].append((value, offset))
        user = match.group(1).split("@", 1)[0] if "@" in match.group(1) else ""
        if user and user.casefold() not in GENERIC_USERS:
            hits["build-user", user].append((value, offset))
    for match in _HOME.finditer(value):
        if match.group(1).casefold() not in GENERIC_USERS:
            hits["build-user", match.group(1)].append((value, offset))
    for match in _AUTHOR.finditer(value):
        if match.group(1).casefold() not in GENERIC_USERS:
            hits["build-user", match.group(1)].append((value, offset))
    for match in _JOB.finditer(value):
        hits["build-job", match.group(1) or match.group()].append((value, offset))
    for match in _RELEASE.finditer(value):
        hits["kernel-release", match.group(1) or match.group(2)].append((value, offset))


def _vcs(ctx: FileContext, hits: dict[tuple[str, str], list[tuple[str, int]]]) -> None:
    """Repository URLs and authors of a `.svn` or `.git` leftover."""
    text = ctx.data()[: 1 << 20].decode("utf-8", "replace")
    for match in _URL.finditer(text):
        hits["vcs", match.group()].append((match.group(), match.start()))
    for match in _SVN_AUTHOR.finditer(text):
        hits["vcs", f"author {match.group(1)}"].append((match.group(1), match.start(1)))


def _entry_finding(node: Node, release: str) -> Finding:
    """A kernel release named by a module folder that no file in it names."""
    title = f"kernel release {clip(release, 100)}"
    if node.kind is NodeKind.SYMLINK:
        target = (node.link or b"").decode("utf-8", "replace")
        context = f"a symbolic link to {clip(target, 200)}"
    else:
        context = "a folder that holds no file"
    # the key, title and payload of a release a file's path names: one claim, merged with those
    return trace_finding(
        node.path,
        rule=RULE,
        key=f"kernel-release\x00{release}",
        kind="kernel-release",
        title=title,
        detail=title,
        evidence=(
            Evidence(kind="path", value=node.path, location=Location(path=node.path), context=context),
        ),
        severity=Severity.INFO,
    )


def _finding(ctx: FileContext, kind: str, value: str, found: list[tuple[str, int]]) -> Finding:
    named = [m.who for m in maker_base().find(value) if isinstance(m.who, Maker)]
    vendor = named[0].name if len(named) == 1 else None
    what = {
        "compiler": "compiler",
        "build-banner": "build banner",
        "build-user": "build user",
        "build-job": "build job",
        "vcs": "version-control leftover",
        "kernel-release": "kernel release",
    }[kind]
    title = f"{what} {clip(value, 100)}"
    return trace_finding(
        ctx,
        rule=RULE,
        key=f"{kind}\x00{value}",
        kind="build-host" if vendor and kind in {"build-user", "build-job"} else kind,
        title=title,
        detail=title,
        evidence=string_evidence(ctx, found, 400),
        vendor=vendor,
        severity=Severity.LOW if vendor else Severity.INFO,
        confidence=0.8,
        offset=found[0][1],
    )
