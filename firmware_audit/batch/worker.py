"""Isolation: every image is audited in a child process of its own, under a time and a memory limit.

`run_job` is the task an executor runs (a local process pool or a Dask cluster): it starts a fresh
Python process (`python -m firmware_audit.batch.child`), hands it the job on stdin, and waits for
the report on stdout, at most `timeout` seconds. A child that hangs is killed with its whole process
group when the time is up, so the executor's task always returns: a hung native parser can never hold
a pool slot for good, which `concurrent.futures` could not undo (it cannot cancel a running task).
A child that crashes (a signal, an abort in a library) or runs out of memory (`RLIMIT_AS`) becomes an
error result. The child also dies with its supervisor (`PR_SET_PDEATHSIG` on Linux).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from firmware_audit.lifeline import die_with_parent, killed_by

DEFAULT_ENTRY = "firmware_audit.audit:audit"
"""The function a child calls: `f(image_path, *, declared, policy) -> Report`."""
_STDERR_TAIL = 2000


@dataclass(frozen=True, slots=True)
class Job:
    """One image to audit, with everything a worker needs (it may run on another machine).

    Attributes:
        key: The result's key in the journal.
        submission: The submission's name.
        image: Path of the firmware file (a Dask worker needs it at the same path).
        declared: The declared identity as a dict (vendor, model, country), if any.
        policy_toml: The policy's rules as TOML (workers do not need the policy file), if any.
        policy_source: The policy file's name, for the decision's reasons.
        timeout: Seconds the child may run before it is killed.
        memory_limit: Bytes of address space the child may use (RLIMIT_AS).
        entry: The audit function, as `module:function`.
    """

    key: str
    submission: str
    image: str
    declared: dict[str, str | None] | None
    policy_toml: str | None
    policy_source: str
    timeout: float
    memory_limit: int
    entry: str = DEFAULT_ENTRY


def run_job(job: Job) -> dict[str, Any]:
    """Audit one image in a supervised child process.

    Returns:
        `status` ("audited" or "error"), `report` (JSON text) or `error` (what went wrong), `seconds`.
    """
    started = time.monotonic()
    payload = json.dumps(asdict(job)).encode()
    # A process group of its own, so a timeout kills whatever the child may have started too.
    proc = subprocess.Popen(
        [sys.executable, "-m", "firmware_audit.batch.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(payload, timeout=job.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        return _error(f"timed out after {job.timeout:g} s; the worker was killed", started)
    seconds = time.monotonic() - started
    if proc.returncode == 0:
        return {"status": "audited", "report": out.decode("utf-8"), "error": None, "seconds": seconds}
    return _error(_failure(proc.returncode, err, job), started)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def _error(message: str, started: float) -> dict[str, Any]:
    return {"status": "error", "report": None, "error": message, "seconds": time.monotonic() - started}


def _failure(returncode: int, stderr: bytes, job: Job) -> str:
    tail = stderr[-_STDERR_TAIL:].decode("utf-8", "replace").strip()
    last = tail.splitlines()[-1] if tail else ""
    if returncode < 0:
        return f"the worker was {killed_by(-returncode)}" + (f": {last}" if last else "")
    if "MemoryError" in tail:
        return f"out of memory: the worker exceeded its limit of {job.memory_limit // (1024 * 1024)} MiB"
    return f"the worker failed (exit code {returncode}): {last or 'no message'}"


def pool_initializer() -> None:
    """Run in each local pool process: it dies with the batch, and its children with it."""
    die_with_parent()
