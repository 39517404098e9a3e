"""The batch gate: audit every image of every submission under a policy, durably and in parallel.

The work goes to a `concurrent.futures` executor: a local process pool (`--jobs N`) or a Dask cluster
(`dask://HOST:PORT`, through `Client.get_executor()`); either runs `worker.run_job`, which supervises
one child process per image. This process alone writes results, as each image finishes: the report
files first (atomically), then the journal line that marks the image done.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware_audit.batch import submissions, summary
from firmware_audit.batch.journal import Journal, JournalBusyError, Row, exclusive
from firmware_audit.batch.progress import BatchProgress
from firmware_audit.batch.worker import DEFAULT_ENTRY, Job, pool_initializer, run_job
from firmware_audit.exitcodes import ExitCode
from firmware_audit.extract.limits import GiB
from firmware_audit.model import Outcome, Report
from firmware_audit.policy import worst
from firmware_audit.render import EXTENSIONS, render
from firmware_audit.signatures import identity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.batch.submissions import Submission
    from firmware_audit.policy import Policy

JOURNAL = "results.jsonl"
SUMMARY = "summary.html"
REPORTS = "reports"
OUTPUT_FORMATS = ("json", "html", "sarif", "cyclonedx")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """How to run a batch.

    Attributes:
        out: Where the journal, the per-image reports and the summary go.
        policy: The acceptance policy (no decisions without one).
        jobs: Parallel images for the local executor.
        executor: `local`, or `dask://HOST:PORT` for a Dask scheduler.
        timeout: Seconds one image may take before its worker is killed.
        memory_limit: Bytes of address space one worker may use.
        entry: The audit function workers call (`module:function`), for tests and extensions.
    """

    out: Path
    policy: Policy | None = None
    jobs: int = max(1, (os.cpu_count() or 2) - 1)
    executor: str = "local"
    timeout: float = 900.0
    memory_limit: int = 4 * GiB
    entry: str = DEFAULT_ENTRY


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch run produced: one result per submission, and what the exit code says."""

    submissions: list[summary.SubmissionResult]
    audited: int
    resumed: int
    notes: tuple[str, ...] = ()
    """What the person running the batch should know about how the folder was read."""

    @property
    def exit_code(self) -> ExitCode:
        """REJECT if anything was rejected, REVIEW if anything needs review or failed, else AUDITED."""
        rows = [row for result in self.submissions for row in result.rows]
        outcome = worst(r.outcome for r in rows if r.outcome is not None)
        if outcome is Outcome.REJECT:
            return ExitCode.REJECT
        if outcome is Outcome.REVIEW or any(r.status == "error" for r in rows):
            return ExitCode.REVIEW
        return ExitCode.AUDITED


class BatchError(Exception):
    """The batch cannot start: a missing folder, an unknown executor, Dask not installed."""


def run_batch(root: Path, options: BatchOptions, *, progress: bool = True) -> BatchResult:
    """Audit every submission under `root`; results already in `options.out` are reused, not redone."""
    if not root.is_dir():
        raise BatchError(f"{root}: not a folder of submissions")
    try:
        with exclusive(options.out):
            return _run(root, options, progress=progress)
    except JournalBusyError as exc:
        raise BatchError(str(exc)) from exc


def _run(root: Path, options: BatchOptions, *, progress: bool) -> BatchResult:
    journal = Journal(options.out / JOURNAL)
    signatures = identity().digest
    # The results folder may sit inside the submissions folder: it is not a submission.
    found = [s for s in submissions.discover(root) if s.folder.resolve() != options.out.resolve()]
    if not found:
        raise BatchError(
            f"{root}: no submissions. A submission is a folder holding the firmware files and a "
            f"{submissions.SIDECAR} that declares vendor, model and country; a firmware file placed "
            "directly in the folder is audited with nothing declared."
        )
    loose = [s.name for s in found if s.declared is None and s.problem is None and s.folder == root]
    notes = (_loose_note(root, loose),) if loose else ()
    jobs: list[Job] = []
    current: list[str] = []
    for sub in found:
        if sub.problem is not None:
            row = _problem_row(sub, signatures, options)
            journal.append(row)
            current.append(row.key)
            continue
        for image in sub.images:
            job = _job(sub, image, signatures, options)
            jobs.append(job)
            current.append(job.key)
    pending = [j for j in jobs if j.key not in journal]
    resumed = len(jobs) - len(pending)
    display = BatchProgress(len(jobs), skipped=resumed) if progress else None
    with _executor(options) as executor, display or _Quiet():
        futures = {executor.submit(run_job, job): job for job in pending}
        for future in cf.as_completed(futures):
            row = _finish(futures[future], future, signatures, options)
            journal.append(row)
            if display is not None:
                display.advance(row)
    results = summary.by_submission(journal.rows[k] for k in dict.fromkeys(current))
    _write_atomic(options.out / SUMMARY, summary.html(results, title=f"Batch summary: {root.name}"))
    return BatchResult(results, audited=len(pending), resumed=resumed, notes=notes)


def _loose_note(root: Path, names: list[str]) -> str:
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return (
        f"{len(names)} firmware files lie loose in {root} and were audited as undeclared submissions "
        f"({shown}); to declare vendor, model and country, put each in a folder with a "
        f"{submissions.SIDECAR}"
    )


class _Quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


@contextlib.contextmanager
def _executor(options: BatchOptions) -> Iterator[cf.Executor]:
    """The executor for the run; on an interruption, work not yet started is cancelled."""
    if options.executor == "local":
        # `spawn`: a pool process must not inherit the progress bar's thread or any lock it holds.
        executor: cf.Executor = cf.ProcessPoolExecutor(
            max_workers=max(1, options.jobs),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=pool_initializer,
        )
        try:
            yield executor
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown(wait=True)
    elif options.executor.startswith("dask://"):
        with _dask_client(options.executor.removeprefix("dask://")) as client:
            executor = client.get_executor()
            try:
                yield executor
            except BaseException:
                executor.shutdown(wait=False)
                raise
    else:
        raise BatchError(f"unknown executor {options.executor!r}: use 'local' or 'dask://HOST:PORT'")


@contextlib.contextmanager
def _dask_client(address: str) -> Iterator[Any]:
    try:
        from distributed import Client  # noqa: PLC0415  (optional: only for dask:// executors)
    except ImportError as exc:
        raise BatchError("the dask executor needs Dask: pip install 'firmware_audit[dask]'") from exc
    try:
        client = Client(f"tcp://{address}", timeout="30s")  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise BatchError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _key(*parts: str | None) -> str:
    """The journal key: everything that makes a result reusable, hashed."""
    return hashlib.sha256("\0".join(p or "" for p in parts).encode("utf-8", "surrogateescape")).hexdigest()[
        :32
    ]


def _job(sub: Submission, image: Path, signatures: str, options: BatchOptions) -> Job:
    policy = options.policy
    sha256 = _digest(image)
    declared = sub.declared.model_dump() if sub.declared is not None else None
    # Keyed by the image's content and the signature set (what the audit depends on), and by what the
    # decision depends on: the policy, the declaration, and where the image was submitted.
    key = _key(
        sha256, signatures, policy.digest() if policy else None, sub.name, image.name, json.dumps(declared)
    )
    return Job(
        key=key,
        submission=sub.name,
        image=str(image.resolve()),
        declared=declared,
        policy_toml=policy.to_toml() if policy else None,
        policy_source=Path(policy.source).name if policy else "",
        timeout=options.timeout,
        memory_limit=options.memory_limit,
        entry=options.entry,
    )


def _problem_row(sub: Submission, signatures: str, options: BatchOptions) -> Row:
    policy = options.policy
    return Row(
        key=_key("problem", sub.name, sub.problem, policy.digest() if policy else None),
        submission=sub.name,
        image=None,
        declared=sub.declared,
        signatures=signatures,
        policy=policy.digest() if policy else None,
        status="error",
        outcome=_error_outcome(options),
        error=sub.problem,
    )


def _error_outcome(options: BatchOptions) -> Outcome | None:
    """An image that could not be audited is unverifiable, and never accepted unseen."""
    if options.policy is None:
        return None
    return worst((Outcome.REVIEW, options.policy.on_unverifiable))


def _finish(job: Job, future: cf.Future[dict[str, Any]], signatures: str, options: BatchOptions) -> Row:
    base: dict[str, Any] = {
        "key": job.key,
        "submission": job.submission,
        "image": Path(job.image).name,
        "declared": job.declared,
        "signatures": signatures,
        "policy": options.policy.digest() if options.policy else None,
    }
    try:
        result = future.result()
    except Exception as exc:  # noqa: BLE001  (an executor failure is that image's error row)
        result = {"status": "error", "report": None, "error": f"the executor failed: {exc!r}", "seconds": 0.0}
    if result["status"] != "audited":
        return Row(
            **base,
            status="error",
            outcome=_error_outcome(options),
            error=result["error"],
            seconds=result["seconds"],
        )
    report = Report.from_json(result["report"])
    try:
        outputs = _write_outputs(report, job, options.out)
    except _OutputError as exc:
        # A report that cannot be written whole is no accepted image: the row says which output failed.
        return Row(
            **base, status="error", outcome=_error_outcome(options), error=str(exc), seconds=result["seconds"]
        )
    return Row(
        **base,
        sha256=report.image.sha256,
        status="audited",
        outcome=report.decision.outcome if report.decision else None,
        reasons=report.decision.reasons if report.decision else (),
        findings=len(report.findings),
        issues=len(report.issues),
        seconds=result["seconds"],
        outputs=outputs,
    )


class _OutputError(Exception):
    """One output of an audited image could not be rendered (a renderer's bug, on hostile content)."""


def _write_outputs(report: Report, job: Job, out: Path) -> dict[str, str]:
    folder = out / REPORTS / _safe(job.submission)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{_safe(Path(job.image).name)}-{report.image.sha256[:12]}"
    outputs = {}
    for fmt in OUTPUT_FORMATS:
        path = folder / f"{stem}{EXTENSIONS[fmt]}"
        try:
            text = render(report, fmt)
        except Exception as exc:  # one image's output failing (a renderer's bug) must not end the batch
            message = f"the {fmt} report could not be written: {type(exc).__name__}: {exc}"
            raise _OutputError(message) from exc
        _write_atomic(path, text)
        outputs[fmt] = path.relative_to(out).as_posix()
    return outputs


def _safe(name: str) -> str:
    """A file name made only of safe characters (names come from suppliers)."""
    return _UNSAFE.sub("_", name).strip("._")[:100] or "_"


def _write_atomic(path: Path, text: str) -> None:
    """Write a file so that a reader (or a re-run after a kill) sees the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
