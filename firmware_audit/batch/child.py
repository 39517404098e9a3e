"""The child process that audits one image: `python -m firmware_audit.batch.child`, started by `run_job`.

It puts its limits in force before it touches the image (no core files, `RLIMIT_AS`), reads its job
as JSON on stdin and writes the report as JSON on stdout; any failure is its exit status and stderr.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
from typing import TYPE_CHECKING

from firmware_audit.batch.worker import Job
from firmware_audit.lifeline import die_with_parent

if TYPE_CHECKING:
    from collections.abc import Callable

    from firmware_audit.model import Report


def _load(entry: str) -> Callable[..., Report]:
    module, _, name = entry.partition(":")
    function: Callable[..., Report] = getattr(importlib.import_module(module), name)
    return function


def child_main() -> int:
    """The child: set the limits, read the job from stdin, audit, write the report JSON to stdout."""
    die_with_parent()
    job = Job(**json.loads(sys.stdin.buffer.read()))
    # No core files from a crashing parser: they would land on disk and could hold firmware bytes.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (job.memory_limit, job.memory_limit))
    from firmware_audit.model import Declared  # noqa: PLC0415  (after the limits are in force)
    from firmware_audit.policy import Policy  # noqa: PLC0415

    declared = Declared(**job.declared) if job.declared is not None else None
    policy = (
        Policy.from_toml(job.policy_toml, source=job.policy_source) if job.policy_toml is not None else None
    )
    # One process per audit: the batch runs audits side by side (`--jobs`) under a memory limit per
    # audit, which workers of each would multiply.
    report = _load(job.entry)(job.image, declared=declared, policy=policy, jobs=1)
    sys.stdout.buffer.write(report.to_json(indent=None).encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(child_main())
