"""Analyse the distinct contents of a large image in worker processes, one per core.

The parent plans (`run.Plan`): it walks the files in order, reads and keys each content, and ships
each new one, in chunks, to a worker; the worker analyses the chunk's contents and sends back their
results in one message. The parent puts the results together in the files' order (`Plan.results`), so
the report is the same as from one process whatever worker finished first.

Workers are forked once the image is unpacked: they share the tree (and the mapped image) with the
parent copy-on-write, and get only the bytes of the contents they analyse. Where `fork` is not
available (Windows; macOS is left to its default too, where forking a process that loaded system
frameworks is unsafe) the analysis stays in one process. A worker inherits the parent's limits
(`RLIMIT_AS` of a batch child applies to each worker), stops at the audit's deadline, and dies
with the parent. A worker that dies (a native library crashing on hostile bytes, the memory limit)
costs the content it was analysing, which becomes an Issue: the worker writes which one it is on in
memory it shares with the parent. The rest of its chunk, analysed or not, goes to a new worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import mmap
import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
from typing import TYPE_CHECKING

from firmware_audit.analyze.context import load_elf_parser
from firmware_audit.analyze.matching.database import engine as matching_engine
from firmware_audit.lifeline import can_fork, die_with_parent, killed_by
from firmware_audit.model import Issue, IssueKind, Location
from firmware_audit.refdata import geo
from firmware_audit.signatures.endpoints import endpoint_data
from firmware_audit.signatures.yara import rules as yara_rules

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from firmware_audit.analyze.run import Done, Plan, Task

SHARED_DATA: tuple[Callable[[], object], ...] = (geo.load, endpoint_data, yara_rules, load_elf_parser)
"""Reference data read, engines compiled and LIEF imported in the audit process before it forks
workers, so that they share one copy instead of each making its own (the GeoIP database alone is 1 s
and 107 MiB a process; LIEF 0.4 s, which an audit in one process pays only with its first ELF file);
the matching engine of the plan's analyzers (0.18 s to compile, or loaded from the user's cache:
`matching.stored`) is made there too."""
MAX_AUTO_PROCESSES = 2
"""Worker processes chosen when none is asked for (each holds its own contents and caches)."""
MIN_PARALLEL_BYTES = 16 * 1024 * 1024
"""Bytes of files below which an audit stays in one process when the number is chosen for it:
starting workers and shipping contents costs more than a second core gains on a small image
(`benchmarks/workers.py` measures where the two cross)."""
CHUNK_BYTES = 4 * 1024 * 1024
"""Bytes of content shipped to a worker at once (a content larger than this goes alone)."""
CHUNK_CONTENTS = 16
"""Contents shipped to a worker at once: enough to cost little to send, few enough to share the end."""


def available() -> bool:
    """True where workers can be forked from an unpacked tree (`lifeline.can_fork`)."""
    return can_fork()


def processes(jobs: int | None, size: int) -> int:
    """How many processes analyse an image of `size` bytes of files when `jobs` are asked for.

    None chooses: one below `MIN_PARALLEL_BYTES`, else one per usable core up to
    `MAX_AUTO_PROCESSES`. A number asked for is taken as it is. One where workers cannot be forked.
    """
    if not available():
        return 1
    if jobs is not None:
        return max(1, jobs)
    if size < MIN_PARALLEL_BYTES:
        return 1
    return max(1, min(MAX_AUTO_PROCESSES, _usable_cores()))


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(slots=True)
class _Worker:
    """A worker process, its end of the pipe, and the contents it was sent and has not answered.

    `current` is shared with the process: the file index of the content it is analysing (or last
    analysed).
    """

    process: BaseProcess
    conn: Connection
    current: ctypes.c_longlong
    pending: deque[Task] = field(default_factory=deque)


def analyze(plan: Plan, count: int, deadline: float) -> dict[int, Done]:
    """Plan every file and analyse the new contents in `count` worker processes, until the deadline.

    Returns the results of the contents analysed, by the index of the file they were planned at.
    """
    prepare(plan)
    context = multiprocessing.get_context("fork")
    analysed: dict[int, Done] = {}
    waiting: deque[list[Task]] = deque()
    upcoming = iter(range(len(plan.nodes)))
    workers: list[_Worker] = []
    planning = True
    try:
        while True:
            while planning and len(waiting) <= count:
                planning = _plan_chunk(plan, upcoming, deadline, waiting)
            while len(workers) < count and waiting:
                worker = _start(context, plan, deadline)
                if worker is None:
                    break
                workers.append(worker)
            if not workers:
                # No worker could be started (a process limit): analyse what is left here.
                _finish_here(plan, upcoming, deadline, waiting, analysed)
                return analysed
            busy = _dispatch(workers, waiting)
            if not busy and not planning:
                return analysed
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                heard = worker.conn in ready or worker.process.sentinel in ready
                if heard and not _collect(worker, analysed):
                    workers.remove(worker)
                    _bury(worker, plan, analysed, waiting)
    finally:
        # Idle workers end when their pipe closes; after an error, busy ones are not waited for.
        for worker in workers:
            _stop(worker, wait_for=0 if worker.pending else 5)


def _dispatch(workers: list[_Worker], waiting: deque[list[Task]]) -> list[_Worker]:
    """Send a waiting chunk to each idle worker; the workers with contents in hand."""
    for worker in workers:
        if not worker.pending and waiting:
            chunk = waiting.popleft()
            worker.pending.extend(chunk)
            # A worker that just died cannot take it: its death is seen next and the chunk moves on.
            with contextlib.suppress(OSError):
                _send_chunk(worker.conn, chunk)
    return [w for w in workers if w.pending]


def _send_chunk(conn: Connection, chunk: list[Task]) -> None:
    """Send the tasks without their bytes, then each task's bytes as a message of its own.

    Inside the pickle the bytes were copied once more on each side (into the pickle, out of it):
    0.05 s of CPU for the 114 MB of contents of the benchmark image.
    """
    conn.send([replace(task, data=b"") for task in chunk])
    for task in chunk:
        conn.send_bytes(task.data)


def _receive_chunk(conn: Connection) -> list[Task] | None:
    """A chunk `_send_chunk` sent, or None when the worker is told to end."""
    tasks: list[Task] | None = conn.recv()
    if tasks is None:
        return None
    return [replace(task, data=conn.recv_bytes()) for task in tasks]


def _plan_chunk(plan: Plan, upcoming: Iterator[int], deadline: float, waiting: deque[list[Task]]) -> bool:
    """Plan files until a chunk of new contents is full; False when there is nothing left to plan."""
    chunk: list[Task] = []
    size = 0
    for index in upcoming:
        if time.monotonic() >= deadline:
            break
        task = plan.next(index)
        if task is None:
            continue
        chunk.append(task)
        size += len(task.data)
        if size >= CHUNK_BYTES or len(chunk) >= CHUNK_CONTENTS:
            waiting.append(chunk)
            return True
    if chunk:
        waiting.append(chunk)
    return False


def _finish_here(
    plan: Plan,
    upcoming: Iterator[int],
    deadline: float,
    waiting: deque[list[Task]],
    analysed: dict[int, Done],
) -> None:
    """Analyse in this process the contents planned and the files not yet planned."""
    tasks = [task for chunk in waiting for task in chunk]
    waiting.clear()
    for task in tasks:
        if time.monotonic() >= deadline:
            return
        analysed[task.index] = plan.run(task)
    for index in upcoming:
        if time.monotonic() >= deadline:
            return
        new = plan.next(index)
        if new is not None:
            analysed[index] = plan.run(new)


@contextlib.contextmanager
def existing_objects_frozen() -> Iterator[None]:
    """Leave the objects that exist now out of the collector's walks until the block ends.

    The tree and the reference data live through the whole analysis; walking them again and again
    cost a third of a second of the benchmark image's analysis. Where the host process froze
    objects of its own (`gc.freeze`, before forking servers), nothing is changed: unfreezing at the
    end would undo its choice.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def prepare(plan: Plan) -> None:
    """Read the reference data and compile the plan's matching engine, for the workers to share.

    Each is made once a process: calling again costs nothing.
    """
    for load in SHARED_DATA:
        load()
    matching_engine(plan.patterns)


def _start(context: multiprocessing.context.BaseContext, plan: Plan, deadline: float) -> _Worker | None:
    """Fork a worker that shares the plan's tree; None when the system refuses another process."""
    parent, child = context.Pipe()
    current = _shared_index()
    # The worker's collector must not touch the objects it shares with the audit: each touch copies
    # a page (a worker took 170 MiB of its own without this). The audit's own collector resumes.
    with existing_objects_frozen():
        try:
            process = context.Process(target=_serve, args=(child, current, plan, deadline), daemon=True)  # type: ignore[attr-defined]
            process.start()
        except OSError:
            parent.close()
            child.close()
            return None
    child.close()
    return _Worker(process, parent, current)


def _shared_index() -> ctypes.c_longlong:
    """A number in memory a forked process shares with this one (anonymous, no file), set to -1."""
    index = ctypes.c_longlong.from_buffer(mmap.mmap(-1, ctypes.sizeof(ctypes.c_longlong)))
    index.value = -1
    return index


def _collect(worker: _Worker, analysed: dict[int, Done]) -> bool:
    """Take every answer the worker has sent; False when it is gone (it died or closed its pipe)."""
    try:
        while worker.conn.poll():
            for index, result in worker.conn.recv():
                if not worker.pending or index != worker.pending[0].index:
                    return False  # a worker that answers out of turn is not to be trusted
                worker.pending.popleft()
                if result is not None:
                    analysed[index] = result
    except (EOFError, OSError):
        return False
    return worker.process.is_alive()


def _bury(worker: _Worker, plan: Plan, analysed: dict[int, Done], waiting: deque[list[Task]]) -> None:
    """A worker died: the content it was on becomes an Issue, the rest of its chunk waits for another.

    The content it was on is the one it last said it began among those not answered, else the first
    of them (it died before beginning one): every death takes one content out, so a content that kills
    every worker cannot keep the audit going round.
    """
    _stop(worker, wait_for=0)
    if not worker.pending:
        return
    on = [task for task in worker.pending if task.index == worker.current.value]
    task = on[0] if on else worker.pending[0]
    worker.pending.remove(task)
    node = plan.nodes[task.index]
    message = f"not analysed: the worker process analysing this file died ({_why(worker.process.exitcode)})"
    from firmware_audit.analyze.run import Done  # noqa: PLC0415  (run imports this module)

    issue = Issue(kind=IssueKind.ANALYZER_ERROR, location=Location(path=node.path), message=message)
    analysed[task.index] = Done(node.path, (), (*task.issues, issue))
    if worker.pending:
        waiting.appendleft(list(worker.pending))


def _why(exitcode: int | None) -> str:
    if exitcode is None:
        return "it stopped answering"
    if exitcode < 0:
        return killed_by(-exitcode)
    return f"exit code {exitcode}"


def _stop(worker: _Worker, wait_for: float = 5) -> None:
    """Tell the worker to end, and make sure it is gone (killed after `wait_for` seconds)."""
    # A message, not the pipe's end: workers forked later hold copies of earlier workers' pipes.
    with contextlib.suppress(OSError):
        if wait_for:
            worker.conn.send(None)
        worker.conn.close()
    worker.process.join(timeout=wait_for)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()


def _serve(conn: Connection, current: ctypes.c_longlong, plan: Plan, deadline: float) -> None:
    """The worker: analyse each chunk it is sent, answer [(file index, result or None when late)].

    One answer a chunk rather than one a content: a message costs the worker and the parent about
    0.1 ms (2,529 contents on the benchmark image). Before each content the worker writes its index
    in `current`, which tells the parent what it was on should it die. It ends when sent None, or
    when the pipe closes.
    """
    die_with_parent()
    # An interrupt is the parent's to handle: it stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            chunk = _receive_chunk(conn)
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        answers: list[tuple[int, Done | None]] = []
        for task in chunk:
            current.value = task.index
            late = time.monotonic() >= deadline
            answers.append((task.index, None if late else plan.run(task)))
        conn.send(answers)
