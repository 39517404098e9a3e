"""The batch acceptance gate: every vendor submission in a folder, audited in isolation under a policy.

`run_batch(root, BatchOptions(out=...))` audits each image of each submission folder in its own
worker process (time and memory limits), appends each result to `out/results.jsonl` as it finishes,
resumes from that file on a re-run, and writes per-image reports and `out/summary.html`.
"""

from firmware_audit.batch.journal import Journal, Row
from firmware_audit.batch.runner import BatchError, BatchOptions, BatchResult, run_batch
from firmware_audit.batch.submissions import Submission, discover
from firmware_audit.batch.summary import SubmissionResult

__all__ = [
    "BatchError",
    "BatchOptions",
    "BatchResult",
    "Journal",
    "Row",
    "Submission",
    "SubmissionResult",
    "discover",
    "run_batch",
]
